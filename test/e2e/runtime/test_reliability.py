#!/usr/bin/env python3
# Regression tests for the emulator defects of issue 15 (docs/reliability.md,
# "Runtime emulator"). One class per defect; each test reproduced its defect
# before the fix. Configuration as for test_run.py (SERVERLESS_RUN,
# SERVERLESS_FUNCTIONS); a missing binary fails the tests, it never skips them.
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from rtlib import (RUN, SIGNAME, Background, check_prerequisites, fn, http,
                   request)


def setUpModule():
    check_prerequisites()


class Base(unittest.TestCase):
    def start(self, args, function, fargs=(), **kw):
        b = Background(args, function, fargs, **kw)
        self.addCleanup(b.cleanup)
        return b

    def assertClean(self, b, extra_pids=()):
        left = b.leftovers(extra_pids)
        self.assertEqual(left, [], "left behind:\n" + "\n".join(left) + "\n--- out\n"
                         + b.out()[-2000:] + "\n--- err\n" + b.err()[-2000:])


# Defect 1: one request killed the run (std::terminate in the 404 handler).
class OneRequestKillsRun(Base):
    def test_non_utf8_path(self):
        b = self.start(["--invocations", "12", "--idle", "100"], fn("echo"))
        addr = b.api()[0]
        for raw in (request("GET", b"/\xff"), request("GET", b"/%ff%fe"),
                    request("POST", b"/2018-06-01/runtime/invocation/\xff/response", b"{}"),
                    request("GET", b"/\xff\x1b[2J", headers=[b"X-Bad: \xff\xfe"])):
            status, headers, body = http(addr, raw)
            self.assertIn(status, (400, 404), raw)
            err = json.loads(body.decode("utf-8"))
            self.assertIn("errorType", err)
        rc = b.wait(30)
        self.assertEqual(rc, 0, b.out()[-2000:] + b.err())
        self.assertEqual([i["status"] for i in b.json()["invocations"]], ["success"] * 12)
        # What is printed about the request is escaped: no raw 0xff, no ESC.
        lines = [l for l in b.out().splitlines() if l.startswith("[runtime-api]")]
        self.assertTrue(any("\\xff" in l for l in lines), lines)
        self.assertFalse(any("\x1b" in l or "\ufffd" in l for l in lines), lines)
        self.assertClean(b)


# Defect 2: interrupts killed only direct children and left everything else.
class Interrupts(Base):
    def interrupted(self, b, sig, extra_pids=()):
        # The shim's ledger is there (in the run's TMPDIR) before the signal,
        # and must be gone after it.
        self.assertTrue(glob.glob(os.path.join(b.tmp, "serverless-shim-*")),
                        "the shim is not active: no ledger in " + b.tmp)
        b.signal(sig)
        rc = b.wait(15)
        self.assertEqual(rc, 128 + sig, b.out()[-2000:] + b.err())
        self.assertLess(time.monotonic() - b.start, 30)
        doc = b.json()
        self.assertIsNotNone(doc, "no --json written after %s" % SIGNAME[sig])
        self.assertIs(doc["incomplete"], True)
        self.assertIn(SIGNAME[sig], doc["incomplete_reason"])
        self.assertEqual(doc["exit_code"], 128 + sig)
        self.assertTrue(re.search(r"interrupted by %s" % SIGNAME[sig], b.err()), b.err())
        self.assertClean(b, extra_pids)
        return doc

    def test_sigint_with_forked_children_and_daemons(self):
        # forker leaves a child and a setsid() daemon per invocation; the
        # environment is frozen in the 5 s idle gap when SIGINT comes.
        b = self.start(["--invocations", "3", "--idle", "5000"], fn("forker"))
        m = b.wait_line(r"forker: child=(\d+) daemon=(\d+)")
        kids = [int(m.group(1)), int(m.group(2))]
        b.wait_line(r"^REPORT RequestId")
        time.sleep(0.2)
        doc = self.interrupted(b, signal.SIGINT, kids)
        self.assertEqual([i["status"] for i in doc["invocations"]], ["success"])
        self.assertEqual(doc["environments"][0]["ended_by"], "interrupted")

    def test_sigterm_during_invocation(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        ev = os.path.join(d, "ev.json")
        with open(ev, "w") as f:
            f.write('{"sleep_ms":20000}')
        b = self.start(["--invocations", "2", "--timeout", "30", "--event", ev], fn("sleeper"))
        b.wait_line(r"^sleeper start: pid=\d+")
        doc = self.interrupted(b, signal.SIGTERM)
        self.assertEqual(doc["invocations"], [])
        self.assertEqual(doc["environments"][0]["ended_by"], "interrupted")

    def test_sighup_during_init(self):
        b = self.start(["--invocations", "1", "--init-timeout", "30"], fn("hang_init"))
        b.wait_line(r"^hang_init: pid=\d+ sleeping in init")
        doc = self.interrupted(b, signal.SIGHUP)
        self.assertEqual(doc["environments"][0]["init_status"], "interrupted")

    def test_sigint_during_shutdown_grace(self):
        b = self.start(["--invocations", "1", "--extension", "x", "--shutdown-grace", "20000"],
                       fn("sigterm"), ["slow"])
        b.wait_line(r"^sigterm: SIGTERM received, slow shutdown")
        doc = self.interrupted(b, signal.SIGINT)
        self.assertEqual([i["status"] for i in doc["invocations"]], ["success"])


# Defect 3: the Runtime API server could be starved by idle kept-alive
# connections (8 worker threads, 30 s keep-alive).
class Starvation(Base):
    def test_new_client_per_response(self):
        b = self.start(["--invocations", "40", "--timeout", "1"], fn("leaky_client"))
        rc = b.wait(60)
        doc = b.json()
        self.assertEqual(rc, 0, b.out()[-3000:])
        inv = doc["invocations"]
        self.assertEqual([i["status"] for i in inv], ["success"] * 40)
        self.assertEqual(len({i["pid"] for i in inv}), 1)
        self.assertLess(max(i["duration_ms"] for i in inv), 500, [i["duration_ms"] for i in inv])
        conns = doc["environments"][0]["runtime_api_connections"]
        self.assertGreaterEqual(conns["opened"], 41)
        self.assertGreaterEqual(conns["max_open"], 30)
        # Reported as what it is.
        self.assertTrue(re.search(r"^\[env 1\] connection leak: the runtime opened \d+ "
                                  r"connections to the Runtime API", b.out(), re.M), b.out())
        self.assertClean(b)


# Defect 4: non-UTF-8 strings aborted --json at the end (empty file, 134).
class NonUtf8Json(Base):
    def test_error_type_header(self):
        b = self.start(["--invocations", "2"], fn("weird"), ["error-type"])
        rc = b.wait(30)
        self.assertEqual(rc, 1, b.err())
        doc = b.json()
        self.assertEqual([i["status"] for i in doc["invocations"]], ["error", "error"])
        self.assertEqual(doc["invocations"][0]["error_type_header"], "Bad\ufffdType")
        self.assertEqual(doc["invocations"][0]["error_type"], "Runtime.Unknown")
        self.assertNotIn("\xff", b.out())
        self.assertClean(b)

    def test_extension_name(self):
        b = self.start(["--invocations", "2"], fn("weird"), ["ext-name"])
        rc = b.wait(30)
        self.assertEqual(rc, 0, b.out() + b.err())
        doc = b.json()
        self.assertEqual(doc["environments"][0]["extensions"][0]["name"], "ext-\ufffd")
        self.assertClean(b)

    def test_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "run.json")
            p = subprocess.run(RUN + ["--json", path, "--function-name", b"f\xff",
                                      "--env", b"K=\xff", fn("echo"), b"arg\xff"],
                               capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(path, "rb") as f:
                doc = json.loads(f.read().decode("utf-8"))
            self.assertEqual(doc["function"]["args"], ["arg\ufffd"])
            self.assertEqual(doc["invocations"][0]["status"], "success")


# Defect 5: an abandoned `next` kept later ones out and swallowed an event.
class AbandonedNext(Base):
    def check(self, mode):
        b = self.start(["--invocations", "4", "--timeout", "2", "--freeze", "none",
                        "--idle", "500"], fn("abandon"), [mode])
        rc = b.wait(30)
        doc = b.json()
        self.assertEqual(rc, 0, b.out())
        self.assertEqual([i["status"] for i in doc["invocations"]], ["success"] * 4)
        self.assertEqual(len({i["pid"] for i in doc["invocations"]}), 1)
        self.assertIn("abandon: %s next sent and abandoned" % mode.upper(), b.out())
        self.assertNotIn("another next was pending", b.out())
        self.assertClean(b)
        return b

    def test_get_abandoned(self):
        self.check("get")

    def test_head_on_next(self):
        b = self.check("head")
        self.assertTrue(re.search(r"^\[runtime-api\] HEAD .*next.*: 405$", b.out(), re.M),
                        b.out())


# Defect 6: the output pump was quadratic in the line length at K > 1.
class OutputPump(Base):
    def test_long_lines(self):
        with tempfile.TemporaryDirectory() as d:
            ev = os.path.join(d, "ev.jsonl")
            with open(ev, "w") as f:
                f.write('{"bytes":16777216}\n{"bytes":1}\n'
                        '{"bytes":104857600,"newline":false}\n{"bytes":1}\n')
            b = self.start(["--events", ev, "--concurrency", "2", "--timeout", "10"],
                           fn("flood"))
            rc = b.wait(60)
            doc = b.json()
            self.assertEqual(rc, 0, b.err())
            inv = doc["invocations"]
            self.assertEqual([i["status"] for i in inv], ["success"] * 4)
            self.assertLess(inv[0]["duration_ms"], 1500, inv)
            self.assertLess(inv[2]["duration_ms"], 5000, inv)
            longest, split, total = 0, 0, 0
            with open(b.out_path, "rb") as f:
                for line in f:
                    longest = max(longest, len(line))
                    if line.startswith(b"[env ") and b"x" * 100 in line:
                        total += line.count(b"x")
                    if line.rstrip(b"\n").endswith(b"[line continues]"):
                        split += 1
            self.assertLessEqual(longest, 256 * 1024 + 64)
            self.assertGreaterEqual(split, (16 + 100) * 4 - 2)
            self.assertEqual(total, 16777216 + 104857600)


# Defect 9: smaller ones.
class Smaller(Base):
    def test_failed_init_records_at_concurrency(self):
        b = self.start(["--invocations", "8", "--concurrency", "4"], fn("crasher"),
                       ["init-crash"])
        b.wait(60)
        doc = b.json()
        pid_of = {e["id"]: e["pid"] for e in doc["environments"]}
        for i in doc["invocations"]:
            self.assertEqual(i["phase"], "init")
            self.assertIn("pid", i)
            self.assertEqual(pid_of[i["environment"]], i["pid"], i)
            self.assertEqual(doc["environments"][i["environment"] - 1]["slot"], i["slot"])

    def test_directory_as_binary(self):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run(RUN + [d], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, "serverless-tidy run: error: function binary '%s' is a "
                                   "directory\n" % d)

    def test_bad_content_length(self):
        # Long enough that every answer comes while the run is going.
        b = self.start(["--invocations", "30", "--idle", "100"], fn("echo"))
        addr = b.api()[0]
        cases = [(b"-1", 400), (b"abc", 400), (b"1e3", 400), (b"18446744073709551616", 400),
                 (b"99999999999999", 413), (b"7340032", 413), (b"6291557", 413)]
        for value, want in cases:
            t = time.monotonic()
            status, _, body = http(addr, b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\n"
                                   b"Host: x\r\nContent-Length: " + value + b"\r\n\r\n{}",
                                   timeout=5)
            self.assertEqual(status, want, value)
            self.assertLess(time.monotonic() - t, 2, value)
            self.assertIn("errorType", json.loads(body))
        self.assertEqual(b.wait(30), 0, b.out())
        self.assertClean(b)

    def test_register_needs_json(self):
        b = self.start(["--invocations", "1", "--init-timeout", "5"], fn("hang_init"))
        addr = b.api()[0]
        for body in (b"not json", b"", b"[1,2]", b'{"events":"INVOKE"}', b'{"events":[1]}'):
            status, _, resp = http(addr, request("POST", "/2020-01-01/extension/register", body,
                                                 [b"Lambda-Extension-Name: e"]))
            self.assertEqual(status, 400, body)
            err = json.loads(resp)
            self.assertEqual(err["errorType"], "InvalidRequestFormat", body)
        b.signal(signal.SIGTERM)
        b.wait(15)
        self.assertClean(b)

    def test_max_fds_message(self):
        p = subprocess.run(RUN + ["--max-fds", "99999999", fn("echo")], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, "serverless-tidy run: error: invalid value '99999999' for "
                                   "--max-fds: expected an integer in [8, 1048576]\n")


if __name__ == "__main__":
    unittest.main()
