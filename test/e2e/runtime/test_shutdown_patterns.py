#!/usr/bin/env python3
# Which SIGTERM pattern flushes at shutdown under the real aws-lambda-cpp
# client (issue 18, item 5)? The advice serverless-missing-shutdown-hook gives
# must be one this test proves. alc_shutdown (test/e2e/functions) opens a
# fully buffered stream at init and writes one line per invocation; the run
# registers an extension, so shutdown is SIGTERM, a 300 ms grace, SIGKILL.
#   sigwait  SIGTERM blocked in every thread, a thread in sigwait() flushes,
#            closes and _exits: everything reaches the file, exit in grace.
#   flag     the handler sets a flag, main would flush after run_handler
#            returns: run_handler never returns (blocked in next), nothing
#            reaches the file, SIGKILL after the grace. This is why the check
#            does not accept "released after run_handler" with aws-lambda-cpp.
#   none     no hook: SIGTERM's default action, nothing reaches the file.
# Configuration as test_run.py: SERVERLESS_RUN, SERVERLESS_FUNCTIONS.
import json
import os
import subprocess
import tempfile
import unittest

RUN = [a for a in os.environ.get("SERVERLESS_RUN", "serverless-run-dev").split("|") if a]
FUNCTIONS = os.environ.get("SERVERLESS_FUNCTIONS", ".")


def run_pattern(pattern, invocations=3):
    fn = os.path.join(FUNCTIONS, "alc_shutdown")
    if not os.access(fn, os.X_OK):
        raise AssertionError("test function alc_shutdown missing (SERVERLESS_FUNCTIONS=%s)" % FUNCTIONS)
    with tempfile.TemporaryDirectory() as tmp:
        marker = os.path.join(tmp, "marker.txt")
        doc_path = os.path.join(tmp, "run.json")
        cmd = list(RUN) + ["--json", doc_path, "--invocations", str(invocations), "--extension", "ext",
                           "--env", "ALC_MARKER=" + marker, "--env", "ALC_PATTERN=" + pattern,
                           "--fail-on", "none", fn]
        env = dict(os.environ, TMPDIR=tmp)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        print(p.stdout[-2000:], p.stderr[-2000:])
        text = open(marker).read() if os.path.exists(marker) else None
        doc = json.load(open(doc_path)) if os.path.exists(doc_path) else None
        return p, text, doc


class ShutdownPatterns(unittest.TestCase):
    def test_sigwait_thread_flushes_within_the_grace(self):
        p, text, _ = run_pattern("sigwait")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(text, "invocation\n" * 3 + "flushed by the sigwait thread\n")
        self.assertIn("exited in grace", p.stdout)

    def test_flag_after_run_handler_never_flushes(self):
        p, text, _ = run_pattern("flag")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(text, "")  # Opened at init, nothing ever flushed.
        self.assertIn("SIGKILLed after grace", p.stdout)
        self.assertNotIn("flushed after run_handler returned", text)

    def test_no_hook_loses_the_buffer(self):
        p, text, _ = run_pattern("none")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(text, "")


if __name__ == "__main__":
    unittest.main()
