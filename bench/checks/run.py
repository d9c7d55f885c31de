#!/usr/bin/env python3
"""Cost of the serverless-* checks relative to parsing, side by side on one
large TU: clang++-19 -fsyntax-only (the baseline: the parse happens anyway),
clang-tidy-19 with no checks (clang-tidy's own overhead), with each serverless
check alone and with all four, through the --load plugin. Best of N runs
(user+sys CPU time of the child, so a busy second core does not count).

usage: run.py <build-dir> [runs]"""
import os
import resource
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build"))
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
plugin = os.path.join(build, "lib", "libserverless-tidy-plugin.so")
tmp = tempfile.mkdtemp(prefix="sls-bench-")
tu = os.path.join(tmp, "big.cpp")
subprocess.check_call([sys.executable, os.path.join(here, "gen_tu.py"), tu, "5000"])
flags = ["-std=c++17", "-isystem", os.path.join(root, "test/checkers/Inputs/sdk"),
         "-I/usr/include/postgresql"]


def cpu(cmd):
    best = None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = t if best is None else min(best, t)
    return best


tidy = ["clang-tidy-19", "--load=" + plugin, tu]
rows = [("clang++-19 -fsyntax-only", ["clang++-19", "-fsyntax-only", tu] + flags)]
rows.append(("clang-tidy-19, one trivial check", ["clang-tidy-19", tu, "--checks=-*,misc-unused-alias-decls", "--"] + flags))
for c in ["serverless-handler-scope-client", "serverless-unclosed-resource",
          "serverless-missing-deadline", "serverless-missing-shutdown-hook"]:
    rows.append((c, tidy + ["--checks=-*," + c, "--"] + flags))
rows.append(("all four serverless-*", tidy + ["--checks=-*,serverless-*", "--"] + flags))

with open(tu) as f:
    nlines = sum(1 for _ in f)
print(f"TU: {nlines} lines (+ hiredis, libpq, curl, rdkafka, AWS stand-in headers), best of {runs}")
base = None
tidy_base = None
for name, cmd in rows:
    t = cpu(cmd)
    if base is None:
        base = t
    if name.startswith("clang-tidy-19, one trivial"):
        tidy_base = t
    extra = f"  (+{(t - tidy_base) / base * 100:.1f}% of the parse over clang-tidy with a trivial check)" if tidy_base and (name.startswith("serverless") or name.startswith("all")) else ""
    print(f"{name:36s} {t:7.3f} s  {t / base:5.3f}x{extra}")
