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
import subprocess
import sys
import tempfile
import textwrap
import urllib.parse
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

    def __init__(self, clangd_config, clangd=CLANGD, log="info", text=HANDLER, files=None,
                 cwd=None):
        self.dir = tempfile.mkdtemp(prefix="serverless-clangd-")
        self.text = text
        self.source = os.path.join(self.dir, "handler.cpp")
        with open(self.source, "w") as f:
            f.write(text)
        for name, content in (files or {}).items():
            os.makedirs(os.path.dirname(os.path.join(self.dir, name)), exist_ok=True)
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(content)
        with open(os.path.join(self.dir, "compile_flags.txt"), "w") as f:
            f.write("-std=c++17\n-isystem\n%s\n" % os.path.abspath(SDK))
        with open(os.path.join(self.dir, ".clangd"), "w") as f:
            f.write(clangd_config)
        # No user config (~/.config/clangd/config.yaml) may leak in.
        env = dict(os.environ, HOME=self.dir, XDG_CONFIG_HOME=os.path.join(self.dir, "xdg"))
        self.stderr_path = os.path.join(self.dir, "clangd.log")
        self.lsp = LspClient([clangd, "--background-index=false", "--log=" + log, "-j=1"],
                             cwd=cwd or self.dir, env=env, stderr_path=self.stderr_path)
        self.lsp.initialize(self.dir)

    def open(self):
        self.lsp.did_open(self.source, self.text)
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


SIGTERM_HANDLER = textwrap.dedent("""\
    #include <csignal>
    #include <cstdio>
    #include <aws/lambda-runtime/runtime.h>

    using namespace aws::lambda_runtime;

    static FILE *journal;

    static void on_term(int) {
      fflush(journal);
      _exit(0);
    }

    invocation_response handler(invocation_request const &) {
      return invocation_response::success("", "");
    }

    int main() {
      journal = fopen("/tmp/journal", "a");
      std::signal(SIGTERM, on_term);
      run_handler(handler);
    }
    """)
FFLUSH_LINE = 9  # "  fflush(journal);"


class EditorIntegration(ClangdTestCase):
    """What serverless-clangd changes in clangd's output (LspFilter.h) and how
    the checks report configuration problems in the editor (issue 20)."""

    def test_diagnostics_link_to_the_shipped_docs(self):
        project = self.start(CLANGD_ENABLED.format(filter="Loose"))
        found = serverless_diags(project.open())
        self.assertEqual(len(found), 1, found)
        href = found[0]["codeDescription"]["href"]
        self.assertTrue(href.startswith("file:///"), href)
        self.assertTrue(href.endswith("/checks/serverless-handler-scope-client.rst"), href)
        # The page exists (a build tree points at the source tree's docs/).
        self.assertTrue(os.path.isfile(urllib.parse.unquote(href[len("file://"):])), href)

    def test_remark_is_an_information_diagnostic(self):
        # clangd folds remarks into the previous diagnostic as notes; the
        # async-signal-safety advice must reach the editor on its own line.
        project = self.start(CLANGD_ENABLED.format(filter="Loose"), text=SIGTERM_HANDLER)
        diags = project.open()
        remarks = [d for d in diags if d.get("code") == "serverless-missing-shutdown-hook"
                   and "not async-signal-safe" in d["message"]]
        self.assertEqual(len(remarks), 1, "diagnostics: %s" % diags)
        self.assertEqual(remarks[0]["severity"], 3)  # Information
        self.assertTrue(remarks[0]["message"].startswith("SIGTERM handler 'on_term' calls 'fflush'"),
                        remarks[0]["message"])
        self.assertEqual(remarks[0]["range"]["start"]["line"], FFLUSH_LINE)
        self.assertIn("codeDescription", remarks[0])

    def test_broken_model_file_is_shown_once_at_the_top(self):
        # The relative path is relative to the .clangd that sets it, not to
        # clangd's working directory (here another directory).
        config = CLANGD_ENABLED.format(filter="Loose") + (
            "    CheckOptions:\n      ModelFiles: models/team.json\n")
        elsewhere = tempfile.mkdtemp(prefix="serverless-clangd-cwd-")
        self.addCleanup(shutil.rmtree, elsewhere, True)
        project = self.start(config, files={"models/team.json": '{ "schema": 1, oops }\n'},
                             cwd=elsewhere)
        diags = project.open()
        model = [d for d in diags if "model file not loaded" in d["message"].lower()]
        self.assertEqual(len(model), 1, "one diagnostic, not one per check: %s" % diags)
        self.assertEqual(model[0]["range"]["start"], {"line": 0, "character": 0})
        self.assertEqual(model[0]["severity"], 2)  # not an error: the file compiles
        self.assertIn(os.path.join(project.dir, "models", "team.json") + ":1:", model[0]["message"])
        self.assertIn("invalid JSON", model[0]["message"])
        # The findings of the built-in models are still there.
        self.assertEqual(len(serverless_diags(diags)), 1, diags)
        self.assertNoErrors(project, diags)

    def test_relative_model_file_is_loaded(self):
        config = CLANGD_ENABLED.format(filter="Loose") + (
            "    CheckOptions:\n      ModelFiles: models/team.json\n")
        model = ('{"schema": "serverless-tidy-model/1", "library": "team", "clients": '
                 '[{"type": "team::Queue", "kind": "queue-client"}]}\n')
        text = HANDLER.replace("  size_t n", "  team::Queue q;\n  size_t n").replace(
            "using namespace aws::lambda_runtime;",
            "using namespace aws::lambda_runtime;\nnamespace team { struct Queue { Queue(); }; }")
        elsewhere = tempfile.mkdtemp(prefix="serverless-clangd-cwd-")
        self.addCleanup(shutil.rmtree, elsewhere, True)
        project = self.start(config, files={"models/team.json": model}, text=text, cwd=elsewhere)
        diags = project.open()
        queue = [d for d in serverless_diags(diags) if "'team::Queue'" in d["message"]]
        self.assertEqual(len(queue), 1, "diagnostics: %s\nlog:\n%s" % (diags, project.log()[-3000:]))
        self.assertFalse([d for d in diags if "model file" in d["message"].lower()], diags)

    @unittest.skipUnless(os.environ.get("SERVERLESS_BUILD_DIR"), "needs SERVERLESS_BUILD_DIR (ctest sets it)")
    def test_install_of_the_clangd_component_alone(self):
        # docs/editors.md: build only serverless-clangd, install only it.
        prefix = tempfile.mkdtemp(prefix="serverless-clangd-prefix-")
        self.addCleanup(shutil.rmtree, prefix, True)
        out = subprocess.run(["cmake", "--install", os.environ["SERVERLESS_BUILD_DIR"],
                              "--component", "serverless-clangd", "--prefix", prefix],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        installed = os.path.join(prefix, "bin", "serverless-clangd")
        self.assertTrue(os.access(installed, os.X_OK))
        self.assertTrue(os.path.isfile(os.path.join(prefix, "lib", "clang", MAJOR, "include", "stddef.h")))
        project = self.start(CLANGD_ENABLED.format(filter="Loose"), clangd=installed)
        diags = project.open()
        found = serverless_diags(diags)
        self.assertEqual(len(found), 1, diags)
        self.assertNoErrors(project, diags)
        # The link goes to the installed page.
        href = found[0]["codeDescription"]["href"]
        self.assertTrue(href.startswith("file://" + prefix + "/share/doc/"), href)
        self.assertTrue(os.path.isfile(urllib.parse.unquote(href[len("file://"):])), href)

    def test_function_timeout_from_the_template(self):
        # template.yaml beside the code gives the function timeout, as in
        # the plugin and serverless-tidy (test/tool/missing-deadline-function-timeout.test).
        text = textwrap.dedent("""\
            #include <aws/lambda-runtime/runtime.h>
            #include <librdkafka/rdkafka.h>
            rd_kafka_t *rk;
            aws::lambda_runtime::invocation_response h(aws::lambda_runtime::invocation_request const &) {
              rd_kafka_flush(rk, 15000);
              return aws::lambda_runtime::invocation_response::success("", "");
            }
            int main() { aws::lambda_runtime::run_handler(h); }
            """)
        template = ("AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                    "      Timeout: 10\n")
        project = self.start(CLANGD_ENABLED.format(filter="Loose"), text=text,
                             files={"template.yaml": template})
        diags = project.open()
        deadline = [d for d in diags if d.get("code") == "serverless-missing-deadline"]
        self.assertEqual(len(deadline), 1, diags)
        self.assertIn("longer than the function timeout of 10000 ms", deadline[0]["message"])

    def test_version_passes_through(self):
        out = subprocess.run([CLANGD, "--version"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("clangd version 19", out.stdout)


if __name__ == "__main__":
    unittest.main()
