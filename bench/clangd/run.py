#!/usr/bin/env python3
"""Latency serverless-* adds to serverless-clangd, per file open and per edit.

    bench/clangd/run.py --clangd build/bin/serverless-clangd [--lines 2000] [--reps 5] [--edits 8]
    bench/clangd/run.py --clangd ... --long-handler 5000   (issue 17: one long handler,
                                                          with and without MaxFunctionStatements)

Generates a handler TU of about --lines lines (a dispatching handler, per-route
handlers calling helpers, some SDK clients constructed per invocation) over the
stand-in SDK headers in test/checkers/Inputs/sdk, then for each configuration
starts the same serverless-clangd, and measures the wall time from
  * didOpen to the first publishDiagnostics (preamble + AST + tidy), and
  * each didChange (one line edited in a handler body, as when typing) to the
    publishDiagnostics for that version (AST rebuild on the cached preamble +
    tidy, after clangd's debounce).
The same runs are traced (CLANGD_TRACE): the ClangTidyInit + ClangTidyMatch
spans inside each BuildAST are the time clang-tidy itself took, which is far
less noisy than the end-to-end difference on a shared machine.
Configurations: the `.clangd` of docs/editors.md (`Add: [serverless-*]`,
`FastCheckFilter: Loose`), clang-tidy off (`Remove: ['*']`), and no `.clangd`
(clangd's own default checks); --per-check adds each check alone. Runs are
interleaved; medians are reported and differences are the added latency.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e", "clangd"))
from lsp_client import LspClient  # noqa: E402

CHECKS = ["serverless-handler-scope-client", "serverless-unclosed-resource",
          "serverless-missing-deadline", "serverless-missing-shutdown-hook"]
SDK = os.path.join(ROOT, "test", "checkers", "Inputs", "sdk")

# name -> (.clangd, .clang-tidy or None). With no checks configured anywhere,
# clangd runs a small default set of its own (misc-unused-using-decls, ...);
# configuring any (.clangd Add, .clang-tidy Checks) replaces that set.
ENABLE = "Diagnostics:\n  ClangTidy:\n    Add: [%s]\n    FastCheckFilter: Loose\n"
CONFIGS = {
    "tidy off": ("Diagnostics:\n  ClangTidy:\n    Remove: ['*']\n", None),
    "serverless-*": (ENABLE % "serverless-*", None),
    "clangd defaults": ("", None),
}
# (configuration, baseline) pairs whose difference is reported.
DELTAS = [("serverless-*", "tidy off"), ("serverless-*", "clangd defaults")]

PRELUDE = """\
#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/lambda-runtime/runtime.h>
#include <hiredis/hiredis.h>
#include <map>
#include <string>
#include <vector>

using namespace aws::lambda_runtime;

static const char *kRegion = "eu-west-1";
"""

HELPER = """\
static std::string helper_{i}(const std::string &in, int depth) {{
  std::string out;
  out.reserve(in.size() + {i});
  for (char c : in) {{
    if (c == 'a' + ({i} % 26))
      out.push_back('_');
    else
      out.push_back(c);
  }}
  std::map<std::string, int> counts;
  for (size_t k = 0; k < out.size(); ++k)
    counts[out.substr(k, 1)] += depth;
  if (depth > 0)
    return helper_{prev}(out, depth - 1);
  return out + std::to_string(counts.size());
}}

"""

HANDLER = """\
static invocation_response route_{i}(invocation_request const &req) {{
  std::vector<std::string> parts;
  std::string cur;
  for (char c : req.payload) {{
    if (c == '/') {{
      parts.push_back(helper_{h}(cur, 2));
      cur.clear();
    }} else {{
      cur.push_back(c);
    }}
  }}
{client}  std::string body;
  for (const auto &p : parts)
    body += p;
  return invocation_response::success(body, "application/json");
}}

"""

CLIENTS = [
    "  Aws::Client::ClientConfiguration config;\n  config.region = kRegion;\n"
    "  Aws::DynamoDB::DynamoDBClient db(config);\n  (void)db;\n",
    "  redisContext *cache = redisConnect(\"127.0.0.1\", 6379);\n  (void)cache;\n",
    "",
    "",
]


def generate(lines):
    out = [PRELUDE]
    n = 0
    count = lambda: sum(s.count("\n") for s in out)
    routes = []
    while count() + 2 * len(routes) + 40 < lines:
        out.append(HELPER.format(i=n, prev=max(n - 1, 0)))
        out.append(HANDLER.format(i=n, h=n, client=CLIENTS[n % len(CLIENTS)]))
        routes.append(n)
        n += 1
    out.append("invocation_response handler(invocation_request const &req) {\n"
               "  switch (req.payload.size() %% %d) {\n" % len(routes))
    for r in routes:
        out.append("  case %d:\n    return route_%d(req);\n" % (r, r))
    out.append("  }\n  return invocation_response::failure(\"no route\", \"NotFound\");\n}\n\n"
               "int main() { run_handler(handler); }\n")
    return "".join(out)


def generate_long(statements):
    """One handler of about `statements` statements (bench/checks/gen_shapes.py)."""
    sys.path.insert(0, os.path.join(ROOT, "bench", "checks"))
    import gen_shapes  # noqa: E402
    out = []
    gen_shapes.long_handler(out.append, statements)
    # The edited literal: the handler's last return.
    return "".join(out).replace('std::to_string(total), "text/plain"',
                                'std::to_string(total), "application/json"')


def edit(text, k):
    # Change a literal inside the first route's body, as a keystroke would.
    return text.replace('"application/json"', '"application/json%d"' % k, 1)


def tidy_spans(trace_path):
    """Per AST build, in order: (BuildAST, ClangTidyInit, ClangTidyMatch) in ms."""
    with open(trace_path, "rb") as f:
        data = json.loads(f.read().decode("utf-8", "replace"))
    events = data["traceEvents"] if isinstance(data, dict) else data
    spans = [e for e in events if e.get("ph") == "X"]
    builds = sorted((e for e in spans if e["name"] == "BuildAST"), key=lambda e: e["ts"])
    result = []
    for b in builds:
        def inside(name):
            return sum(e["dur"] for e in spans
                       if e["name"] == name and e["tid"] == b["tid"]
                       and b["ts"] <= e["ts"] <= b["ts"] + b["dur"]) / 1000.0
        result.append((b["dur"] / 1000.0, inside("ClangTidyInit"), inside("ClangTidyMatch")))
    return result


def run_once(clangd, workdir, source, text, edits):
    trace = os.path.join(workdir, "trace.json")
    env = dict(os.environ, HOME=workdir, XDG_CONFIG_HOME=os.path.join(workdir, "xdg"),
               CLANGD_TRACE=trace)
    lsp = LspClient([clangd, "--background-index=false", "--log=error"], cwd=workdir, env=env)
    try:
        lsp.initialize(workdir)
        t0 = time.monotonic()
        lsp.did_open(source, text, version=1)
        diags = lsp.wait_diagnostics(source, version=1, timeout=120)
        open_s = time.monotonic() - t0
        found = sum(1 for d in diags if str(d.get("code", "")).startswith("serverless-"))
        errors = [d["message"] for d in diags if d.get("severity") == 1]
        change_s = []
        for k in range(edits):
            version = 2 + k
            t0 = time.monotonic()
            lsp.did_change(source, edit(text, k), version)
            lsp.wait_diagnostics(source, version=version, timeout=120)
            change_s.append(time.monotonic() - t0)
    finally:
        lsp.shutdown()
    return open_s, change_s, found, errors, tidy_spans(trace)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clangd", required=True)
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=5, help="server starts per configuration")
    ap.add_argument("--edits", type=int, default=8, help="didChange rounds per start")
    ap.add_argument("--per-check", action="store_true",
                    help="also measure each serverless check on its own")
    ap.add_argument("--long-handler", type=int, metavar="S",
                    help="instead: one handler of S statements (issue 17's long-handler "
                         "shape); adds the configuration with MaxFunctionStatements: 2000")
    a = ap.parse_args()
    if a.long_handler:
        CONFIGS["serverless-* budget 2000"] = (
            ENABLE % "serverless-*" + "    CheckOptions:\n      MaxFunctionStatements: 2000\n",
            None)
        DELTAS.append(("serverless-* budget 2000", "tidy off"))
    if a.per_check:
        for check in CHECKS:
            CONFIGS[check] = (ENABLE % check, None)
            DELTAS.append((check, "tidy off"))
    text = generate_long(a.long_handler) if a.long_handler else generate(a.lines)
    keys = ["open", "change", "ast_open", "init_open", "match_open",
            "ast_change", "init_change", "match_change"]
    results = {name: dict({k: [] for k in keys}, found=0) for name in CONFIGS}
    tmp = tempfile.mkdtemp(prefix="st-clangd-bench-")
    try:
        for rep in range(a.reps):
            for name, (clangd_config, tidy_config) in CONFIGS.items():
                workdir = os.path.join(tmp, "%s-%d" % (name.replace("*", "all").replace(" ", "-"), rep))
                os.makedirs(workdir)
                source = os.path.join(workdir, "handlers.cpp")
                with open(source, "w") as f:
                    f.write(text)
                with open(os.path.join(workdir, "compile_flags.txt"), "w") as f:
                    f.write("-std=c++17\n-isystem\n%s\n" % SDK)
                with open(os.path.join(workdir, ".clangd"), "w") as f:
                    f.write(clangd_config)
                if tidy_config is not None:
                    with open(os.path.join(workdir, ".clang-tidy"), "w") as f:
                        f.write(tidy_config)
                open_s, change_s, found, errors, spans = run_once(
                    a.clangd, workdir, source, text, a.edits)
                if errors:
                    sys.exit("clang errors in the generated TU: %s" % errors[:3])
                r = results[name]
                r["open"].append(open_s)
                r["change"].extend(change_s)
                r["found"] = found
                for i, (ast, init, match) in enumerate(spans):
                    phase = "open" if i == 0 else "change"
                    r["ast_" + phase].append(ast)
                    r["init_" + phase].append(init)
                    r["match_" + phase].append(match)
                print("rep %d %-13s open %.3fs  edit median %.3fs  (%d serverless diagnostics)"
                      % (rep, name, open_s, statistics.median(change_s), found), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("\n%s (%d lines generated), %d starts x %d edits per configuration"
          % ("one handler of %d statements" % a.long_handler if a.long_handler
             else "%d-line TU" % a.lines, text.count("\n"), a.reps, a.edits))
    print("| configuration | didOpen -> diagnostics (median) | didChange -> diagnostics (median) |")
    print("|---|---|---|")
    for name, r in results.items():
        print("| %s | %.0f ms | %.0f ms |" % (name, 1000 * statistics.median(r["open"]),
                                             1000 * statistics.median(r["change"])))
    for name, base in DELTAS:
        r, o = results[name], results[base]
        print("| **added by %s** (vs %s) | %+.0f ms | %+.0f ms |" % (
            name, base, 1000 * (statistics.median(r["open"]) - statistics.median(o["open"])),
            1000 * (statistics.median(r["change"]) - statistics.median(o["change"]))))
    on = results["serverless-*"]
    print("serverless diagnostics in the TU: %d" % on["found"])

    def med(xs):
        return statistics.median(xs) if xs else float("nan")
    print("\nInside clangd (CLANGD_TRACE spans, median ms; tidy = ClangTidyInit + ClangTidyMatch,"
          " part of BuildAST)")
    print("| configuration | open: BuildAST | open: tidy init + match | edit: BuildAST |"
          " edit: tidy init + match |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print("| %s | %.0f | %.1f + %.1f | %.0f | %.1f + %.1f |" % (
            name, med(r["ast_open"]), med(r["init_open"]), med(r["match_open"]),
            med(r["ast_change"]), med(r["init_change"]), med(r["match_change"])))


if __name__ == "__main__":
    main()
