"""End-to-end tests of serverless-clangd over LSP (stdio).

Each test writes a small project (handler.cpp, compile_flags.txt pointing at
the stand-in SDK headers, and a .clangd), starts the server, opens the file
and waits for textDocument/publishDiagnostics.

Environment: SERVERLESS_CLANGD (the binary), SERVERLESS_SDK (test/checkers/
Inputs/sdk).
"""

import os
import re
import shutil
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import LspClient, path_to_uri  # noqa: E402

CLANGD = os.environ.get("SERVERLESS_CLANGD", "serverless-clangd")
SDK = os.environ.get("SERVERLESS_SDK", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "checkers", "Inputs", "sdk"))
CHECK = "serverless-handler-scope-client"
MAJOR = "19"
RESOURCE_DIR = os.environ.get("SERVERLESS_CLANG_RESOURCE_DIR", "/usr/lib/llvm-19/lib/clang/19")

# Line numbers (0-based) below are asserted on: keep them in step.
HANDLER = textwrap.dedent("""\
    #include <stddef.h>
    #include <aws/dynamodb/DynamoDBClient.h>
    #include <aws/lambda-runtime/runtime.h>

    using namespace aws::lambda_runtime;

    static const char *kRegion = "eu-west-1";

    invocation_response handler(invocation_request const &req) {
      Aws::Client::ClientConfiguration config;
      config.region = kRegion;
      Aws::DynamoDB::DynamoDBClient client(config);
      size_t n = req.payload.size();
      (void)n;
      (void)client;
      return invocation_response::success("", "");
    }

    int main() { run_handler(handler); }
    """)
CLIENT_LINE = 11  # "  Aws::DynamoDB::DynamoDBClient client(config);"
CLIENT_COL = HANDLER.splitlines()[CLIENT_LINE].index("client(")

CLANGD_ENABLED = """\
Diagnostics:
  ClangTidy:
    Add: [serverless-*]
    FastCheckFilter: {filter}
"""
CLANGD_DISABLED = """\
Diagnostics:
  ClangTidy:
    Add: [bugprone-*]
    Remove: [serverless-*]
    FastCheckFilter: None
"""


class ClangdProject:
    """A temporary project directory and a serverless-clangd serving it."""

    def __init__(self, clangd_config, clangd=CLANGD, log="info"):
        self.dir = tempfile.mkdtemp(prefix="serverless-clangd-")
        self.source = os.path.join(self.dir, "handler.cpp")
        with open(self.source, "w") as f:
            f.write(HANDLER)
        with open(os.path.join(self.dir, "compile_flags.txt"), "w") as f:
            f.write("-std=c++17\n-isystem\n%s\n" % os.path.abspath(SDK))
        with open(os.path.join(self.dir, ".clangd"), "w") as f:
            f.write(clangd_config)
        # No user config (~/.config/clangd/config.yaml) may leak in.
        env = dict(os.environ, HOME=self.dir, XDG_CONFIG_HOME=os.path.join(self.dir, "xdg"))
        self.stderr_path = os.path.join(self.dir, "clangd.log")
        self.lsp = LspClient([clangd, "--background-index=false", "--log=" + log, "-j=1"],
                             cwd=self.dir, env=env, stderr_path=self.stderr_path)
        self.lsp.initialize(self.dir)

    def open(self):
        self.lsp.did_open(self.source, HANDLER)
        return self.lsp.wait_diagnostics(self.source, timeout=45)

    def resource_dir(self):
        """The -resource-dir clangd gave the compiler (logged at --log=info)."""
        found = re.findall(r" -resource-dir=(\S+)", self.log())
        return found[-1] if found else None

    def stddef_target(self):
        links = self.lsp.request("textDocument/documentLink", {
            "textDocument": {"uri": path_to_uri(self.source)}})
        return [link["target"] for link in links if link["range"]["start"]["line"] == 0]

    def log(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def close(self):
        self.lsp.shutdown()
        shutil.rmtree(self.dir, ignore_errors=True)


def serverless_diags(diags):
    return [d for d in diags if d.get("code") == CHECK]


class ClangdTestCase(unittest.TestCase):
    def start(self, config, **kwargs):
        project = ClangdProject(config, **kwargs)
        self.addCleanup(project.close)
        return project

    def assertNoErrors(self, project, diags):
        errors = [d for d in diags if d.get("severity") == 1]
        self.assertEqual(errors, [], "clang errors; log:\n" + project.log()[-4000:])


class Diagnostics(ClangdTestCase):
    def test_diagnostic_and_quick_fix(self):
        project = self.start(CLANGD_ENABLED.format(filter="None"))
        diags = project.open()
        found = serverless_diags(diags)
        self.assertEqual(len(found), 1, "diagnostics: %s\nlog:\n%s" % (diags, project.log()[-4000:]))
        diag = found[0]
        self.assertEqual(diag["source"], "clang-tidy")
        self.assertEqual(diag["severity"], 2)  # warning
        self.assertIn("'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation of "
                      "handler 'handler'", diag["message"])
        # The range covers the variable name.
        self.assertEqual(diag["range"], {
            "start": {"line": CLIENT_LINE, "character": CLIENT_COL},
            "end": {"line": CLIENT_LINE, "character": CLIENT_COL + len("client")}})
        # <stddef.h> came from the clang resource directory.
        self.assertNoErrors(project, diags)

        actions = project.lsp.request("textDocument/codeAction", {
            "textDocument": {"uri": path_to_uri(project.source)},
            "range": diag["range"],
            "context": {"diagnostics": [diag]},
        })
        fixes = [a for a in actions or [] if a.get("kind") == "quickfix"
                 and a.get("diagnostics") and a["diagnostics"][0].get("code") == CHECK]
        self.assertEqual(len(fixes), 1, "code actions: %s" % actions)
        edits = fixes[0]["edit"]["changes"][path_to_uri(project.source)]
        self.assertEqual(edits, [{
            "range": {"start": {"line": CLIENT_LINE, "character": 2},
                      "end": {"line": CLIENT_LINE, "character": 2}},
            "newText": "static "}])

    def test_loose_filter_is_enough(self):
        # Our checks are not in clangd's list of measured checks, so only
        # FastCheckFilter Loose or None lets them run.
        project = self.start(CLANGD_ENABLED.format(filter="Loose"))
        self.assertEqual(len(serverless_diags(project.open())), 1, project.log()[-4000:])

    def test_default_filter_drops_unmeasured_checks(self):
        # clangd 19's default (Strict) silently skips checks it has no
        # latency measurement for: that is why .clangd must say Loose/None.
        project = self.start(CLANGD_ENABLED.replace("    FastCheckFilter: {filter}\n", ""))
        diags = project.open()
        self.assertEqual(serverless_diags(diags), [], diags)

    def test_disabled(self):
        project = self.start(CLANGD_DISABLED)
        diags = project.open()
        self.assertEqual(serverless_diags(diags), [], diags)
        self.assertNoErrors(project, diags)


class ClangdFeatures(ClangdTestCase):
    def test_hover_and_completion_still_work(self):
        project = self.start(CLANGD_ENABLED.format(filter="None"))
        project.open()
        uri = path_to_uri(project.source)
        hover = project.lsp.request("textDocument/hover", {
            "textDocument": {"uri": uri},
            "position": {"line": CLIENT_LINE, "character": CLIENT_COL}})
        self.assertIn("DynamoDBClient", hover["contents"]["value"])
        completion = project.lsp.request("textDocument/completion", {
            "textDocument": {"uri": uri},
            "position": {"line": CLIENT_LINE + 1, "character": len("  size_t n = req.")}})
        labels = [item["label"].strip() for item in completion["items"]]
        self.assertTrue(any(label.startswith("payload") for label in labels), labels)


class ResourceDir(ClangdTestCase):
    # Debian's clang driver also searches /usr/include/clang/<version>/include,
    # so <stddef.h> can resolve with a wrong resource directory: check the
    # directory clangd chose as well as the include.
    def assertBuiltinHeaders(self, project, expected_dir):
        self.assertNoErrors(project, project.open())
        self.assertEqual(os.path.normpath(project.resource_dir() or ""),
                         os.path.normpath(expected_dir), project.log()[-4000:])
        self.assertTrue(os.path.exists(os.path.join(expected_dir, "include", "stddef.h")))
        targets = project.stddef_target()
        self.assertEqual(len(targets), 1, targets)
        self.assertTrue(targets[0].endswith("/include/stddef.h"), targets)

    def test_build_tree(self):
        # <bin>/../lib/clang/<major>, the link the build creates.
        project = self.start(CLANGD_DISABLED)
        self.assertBuiltinHeaders(project, os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(CLANGD))), "lib", "clang", MAJOR))

    def test_relocated_binary_finds_builtin_headers(self):
        # Copied away from <bin>/../lib/clang/<major>: main() supplies
        # --resource-dir, so <stddef.h> still resolves.
        bindir = tempfile.mkdtemp(prefix="serverless-clangd-bin-")
        self.addCleanup(shutil.rmtree, bindir, True)
        os.mkdir(os.path.join(bindir, "bin"))
        copy = os.path.join(bindir, "bin", "serverless-clangd")
        shutil.copy2(CLANGD, copy)
        project = self.start(CLANGD_DISABLED, clangd=copy)
        self.assertBuiltinHeaders(project, RESOURCE_DIR)


if __name__ == "__main__":
    unittest.main()
