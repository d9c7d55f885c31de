#!/usr/bin/env python3
# End-to-end tests of `serverless-tidy run`, the Lambda lifecycle emulator.
#
# Each test runs a real C++ test function (test/e2e/functions, built on the
# lambda_loop libcurl client) through the emulator and asserts on the exact
# output lines and the --json document. Configuration comes from the
# environment (set by CMake):
#   SERVERLESS_RUN       the emulator command, "|"-separated
#                        ("./serverless-tidy|run" or ".../serverless-run-dev")
#   SERVERLESS_FUNCTIONS the directory of the test function binaries
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

RUN = [a for a in os.environ.get("SERVERLESS_RUN", "serverless-run-dev").split("|") if a]
FUNCTIONS = os.environ.get("SERVERLESS_FUNCTIONS", ".")

REPORT_RE = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>\d+\.\d\d) ms"
    r"\tBilled Duration: (?P<billed>\d+) ms\tMemory Size: (?P<size>\d+) MB"
    r"\tMax Memory Used: (?P<used>\d+) MB"
    r"(?:\tInit Duration: (?P<init>\d+\.\d\d) ms)?"
    r"(?:\tStatus: (?P<status>[a-z-]+))?(?:\tError Type: (?P<etype>\S+))?$")


def fn(name):
    return os.path.join(FUNCTIONS, name)


class Run:
    def __init__(self, rc, out, err, doc, seconds):
        self.rc, self.out, self.err, self.json, self.seconds = rc, out, err, doc, seconds
        self.lines = out.splitlines()

    def reports(self):
        return [m.groupdict() for m in (REPORT_RE.match(l) for l in self.lines) if m]

    def has_line(self, pattern):
        return any(re.search(pattern, l) for l in self.lines)


def run(args, function, fargs=(), timeout=60, stdin=None):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "run.json")
        cmd = RUN + ["--json", path] + list(args) + [function] + list(fargs)
        start = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           input=stdin)
        seconds = time.monotonic() - start
        doc = None
        if os.path.exists(path):
            with open(path) as f:
                doc = json.load(f)
        return Run(p.returncode, p.stdout, p.stderr, doc, seconds)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


class Base(unittest.TestCase):
    def check_schema(self, r):
        d = r.json
        self.assertIsNotNone(d, r.out + r.err)
        self.assertEqual(d["schema"], "serverless-tidy-run/1")
        for k in ("path", "args"):
            self.assertIn(k, d["function"])
        for k in ("timeout_ms", "memory_mb", "concurrency", "invocations",
                  "idle_ms", "shutdown_grace_ms", "freeze_method"):
            self.assertIn(k, d["config"])
        for e in d["environments"]:
            for k in ("id", "pid", "init_ms", "init_status", "ended_by"):
                self.assertIn(k, e)
        for i in d["invocations"]:
            for k in ("index", "request_id", "environment", "cold", "status",
                      "duration_ms", "billed_ms", "max_rss_mb", "error"):
                self.assertIn(k, i)
            self.assertIn(i["status"], ("success", "error", "timeout", "crash",
                                        "oom", "invalid-response"))
        for s in d["shutdown"]:
            for k in ("environment", "signal", "grace_ms", "exited_in_grace"):
                self.assertIn(k, s)
        self.assertEqual([i["index"] for i in d["invocations"]],
                         list(range(d["config"]["invocations"])))

    def statuses(self, r):
        return [i["status"] for i in r.json["invocations"]]


class WarmReuse(Base):
    def test_same_pid_cold_once(self):
        r = run(["--invocations", "3", "--idle", "50", "--timeout", "2",
                 "--env", "ECHO_USER_VAR=hello"], fn("echo"))
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.check_schema(r)
        inv = r.json["invocations"]
        self.assertEqual(self.statuses(r), ["success"] * 3)
        self.assertEqual(len({i["pid"] for i in inv}), 1)
        self.assertEqual([i["cold"] for i in inv], [True, False, False])
        reps = r.reports()
        self.assertEqual([x["id"] for x in reps], [i["request_id"] for i in inv])
        self.assertIsNotNone(reps[0]["init"])
        self.assertIsNone(reps[1]["init"])
        self.assertIsNone(reps[2]["init"])
        for x in reps:
            self.assertEqual(x["size"], "128")
            self.assertIsNone(x["status"])
            self.assertGreaterEqual(int(x["billed"]), 1)
        self.assertTrue(r.has_line(r"^START RequestId: [0-9a-f-]{36} Version: \$LATEST$"))
        # The environment the cloud gives a function, and Lambda's fd limit.
        self.assertTrue(r.has_line(r"^echo init: pid=\d+ nofile=1024 tz=:UTC memory=128 "
                                   r"handler=function.handler user=hello$"), r.out)
        self.assertEqual(len(r.json["environments"]), 1)
        self.assertEqual(r.json["environments"][0]["init_status"], "ok")
        self.assertEqual(r.json["environments"][0]["ended_by"], "shutdown")
        self.assertTrue(r.has_line(r"^\[run\] summary: 3 invocation\(s\): 3 success; "
                                   r"1 environment\(s\), 1 cold start\(s\)"))

    def test_events_file_and_function_error(self):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write('{"n":1}\n{"fail":true}\n{"n":3}\n')
        try:
            r = run(["--events", f.name], fn("echo"))
        finally:
            os.unlink(f.name)
        self.check_schema(r)
        self.assertEqual(self.statuses(r), ["success", "error", "success"])
        self.assertEqual(r.json["invocations"][1]["error"], "asked to fail")
        # The type is the Lambda-Runtime-Function-Error-Type header's,
        # validated as RIE does ("EchoError" is neither Runtime.X nor
        # Function.X); the body's type is kept beside it.
        self.assertEqual(r.json["invocations"][1]["error_type"], "Runtime.Unknown")
        self.assertEqual(r.json["invocations"][1]["error_type_header"], "EchoError")
        self.assertEqual(r.json["invocations"][1]["payload_error_type"], "EchoError")
        self.assertEqual(r.reports()[1]["status"], "error")
        self.assertEqual(r.rc, 1)
        r2 = run(["--events", "-", "--fail-on", "none"], fn("echo"),
                 stdin='{"fail":true}\n')
        self.assertEqual(self.statuses(r2), ["error"])
        self.assertEqual(r2.rc, 0)

    def test_round_trip_is_fast(self):
        r = run(["--invocations", "50", "--quiet", "--freeze", "none"], fn("echo"))
        self.assertEqual(r.rc, 0, r.out + r.err)
        warm = [i["duration_ms"] for i in r.json["invocations"] if not i["cold"]]
        warm.sort()
        self.assertLess(warm[len(warm) // 2], 1.0, warm)


class Freeze(Base):
    def ticks(self, r):
        return [(int(m.group(1)), int(m.group(2))) for m in
                (re.search(r"ticks_since_last=(\d+) wall_since_last_ms=(\d+)", l)
                 for l in r.lines) if m]

    def frozen(self, method):
        r = run(["--invocations", "2", "--idle", "400", "--freeze", method], fn("echo"))
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertEqual(r.json["config"]["freeze_method"], method)
        self.assertTrue(r.has_line(r"^\[run\] freeze method: %s, memory method: " % method))
        ticks, wall = self.ticks(r)[1]
        # A 10 ms ticker saw at most a few ticks across a 400 ms frozen gap.
        self.assertGreaterEqual(wall, 390)
        self.assertLess(ticks, 10, r.out)
        self.assertEqual(r.json["environments"][0]["freezes"], 2)

    def test_cgroup_v2(self):
        if not os.access("/sys/fs/cgroup/unified/cgroup.procs", os.W_OK):
            self.skipTest("no writable cgroup v2")
        self.frozen("cgroup-v2")

    def test_cgroup_v1(self):
        if not os.access("/sys/fs/cgroup/freezer", os.W_OK):
            self.skipTest("no writable v1 freezer")
        self.frozen("cgroup-v1")

    def test_sigstop(self):
        self.frozen("sigstop")

    def test_not_frozen_is_visible(self):
        r = run(["--invocations", "2", "--idle", "400", "--freeze", "none"], fn("echo"))
        ticks, _ = self.ticks(r)[1]
        self.assertGreater(ticks, 20, r.out)


class Timeout(Base):
    def test_reset_and_reinit(self):
        r = run(["--invocations", "2", "--timeout", "1", "--event", "-"],
                fn("sleeper"), stdin='{"sleep_ms":1500}')
        self.check_schema(r)
        self.assertEqual(r.rc, 1)
        self.assertEqual(self.statuses(r), ["timeout", "timeout"])
        inv = r.json["invocations"]
        for i in inv:
            self.assertTrue(r.has_line(r"^\S+Z %s Task timed out after 1.00 seconds$"
                                       % i["request_id"]), r.out)
            self.assertEqual(i["duration_ms"], 1000)
        self.assertNotEqual(inv[0]["pid"], inv[1]["pid"])
        self.assertEqual([i["cold"] for i in inv], [True, True])
        self.assertEqual([e["ended_by"] for e in r.json["environments"]],
                         ["timeout", "timeout"])
        self.assertEqual([x["status"] for x in r.reports()], ["timeout", "timeout"])
        self.assertTrue(r.has_line(r"environment reset after timeout: SIGKILL"))
        self.assertFalse(r.has_line(r"^sleeper done"))
        self.assertFalse(alive(inv[0]["pid"]))

    def test_keep(self):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write('{"sleep_ms":1300}\n{"sleep_ms":10}\n')
        try:
            r = run(["--timeout", "1", "--on-timeout=keep", "--events", f.name],
                    fn("sleeper"))
        finally:
            os.unlink(f.name)
        self.check_schema(r)
        inv = r.json["invocations"]
        self.assertEqual(self.statuses(r), ["timeout", "success"])
        self.assertEqual(inv[0]["pid"], inv[1]["pid"])
        self.assertEqual([i["cold"] for i in inv], [True, False])
        self.assertTrue(r.has_line(r"--on-timeout=keep: process %d kept" % inv[0]["pid"]))
        # The old invocation finishes inside the new one: incident 001.
        self.assertTrue(r.has_line(r"late response for timed-out request %s"
                                   % inv[0]["request_id"]), r.out)
        self.assertGreater(inv[1]["duration_ms"], 250)


class Shutdown(Base):
    def test_no_extension_sigkill_only(self):
        r = run(["--invocations", "2"], fn("sigterm"), ["handle"])
        self.check_schema(r)
        self.assertEqual(r.rc, 0)
        self.assertFalse(r.has_line("SIGTERM received"))
        s = r.json["shutdown"]
        self.assertEqual(len(s), 1)
        self.assertEqual((s[0]["signal"], s[0]["grace_ms"]), ("SIGKILL", 0))
        self.assertTrue(r.has_line(r"^\[env 1\] shutdown: no extension registered, so the "
                                   r"runtime gets SIGKILL only \(no SIGTERM, no grace\)$"))

    def test_external_extension_sigterm_grace(self):
        r = run(["--invocations", "2", "--extension", "lambda-insights"],
                fn("sigterm"), ["handle"])
        self.check_schema(r)
        self.assertTrue(r.has_line(r"^sigterm: SIGTERM received, closing the pool$"), r.out)
        s = r.json["shutdown"][0]
        self.assertEqual((s["signal"], s["grace_ms"], s["exited_in_grace"]),
                         ("SIGTERM", 300, True))
        self.assertTrue(r.has_line(r"extension lambda-insights: SHUTDOWN \(spindown\)"))
        self.assertTrue(r.has_line(r"shutdown: external extension registered: SIGTERM, "
                                   r"300 ms grace; the runtime exited"))

    def test_internal_extension(self):
        r = run(["--invocations", "2"], fn("sigterm"), ["handle", "--internal-extension"])
        self.check_schema(r)
        self.assertEqual(self.statuses(r), ["success", "success"])
        s = r.json["shutdown"][0]
        self.assertEqual((s["signal"], s["grace_ms"], s["exited_in_grace"]),
                         ("SIGTERM", 500, True))
        ext = r.json["environments"][0]["extensions"]
        self.assertEqual(ext[0]["name"], "test-internal-ext")
        self.assertEqual(ext[0]["kind"], "internal")
        self.assertEqual(ext[0]["events_delivered"], 2)
        self.assertEqual(len([l for l in r.lines if l == "sigterm: extension event INVOKE"]), 2)

    def test_ignores_sigterm_killed_after_grace(self):
        r = run(["--invocations", "1", "--extension", "x"], fn("sigterm"), ["ignore"])
        s = r.json["shutdown"][0]
        self.assertEqual((s["signal"], s["grace_ms"], s["exited_in_grace"]),
                         ("SIGTERM", 300, False))
        self.assertTrue(r.has_line(r"did not exit within the grace: SIGKILL"))
        self.assertFalse(alive(s["pid"]))
        self.assertEqual(r.rc, 0)
        r2 = run(["--invocations", "1", "--extension", "x", "--shutdown-grace", "100",
                  "--fail-on", "shutdown"], fn("sigterm"), ["ignore"])
        self.assertEqual(r2.json["shutdown"][0]["grace_ms"], 100)
        self.assertEqual(r2.rc, 1)


class Misbehaviour(Base):
    def events(self, lines):
        f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)
        f.write("\n".join(lines) + "\n")
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_crash_then_reinit(self):
        ev = self.events(['{"x":1}', '{"ok":true}'])
        r = run(["--events", ev], fn("crasher"), ["segv"])
        self.check_schema(r)
        self.assertEqual(r.rc, 1)
        inv = r.json["invocations"]
        self.assertEqual(self.statuses(r), ["crash", "success"])
        self.assertEqual(inv[0]["error"], "Runtime exited with error: signal: segmentation fault")
        self.assertTrue(r.has_line(r"^RequestId: %s Error: Runtime exited with error: signal: "
                                   r"segmentation fault$" % inv[0]["request_id"]))
        self.assertTrue(r.has_line(r"^Runtime.ExitError$"))
        self.assertEqual(r.reports()[0]["etype"], "Runtime.ExitError")
        self.assertNotEqual(inv[0]["pid"], inv[1]["pid"])
        self.assertTrue(inv[1]["cold"])
        self.assertEqual(r.json["environments"][0]["ended_by"], "crash")

    def test_exits(self):
        r = run(["--invocations", "1"], fn("crasher"), ["exit3"])
        self.assertEqual(r.json["invocations"][0]["error"],
                         "Runtime exited with error: exit status 3")
        self.assertEqual(r.json["environments"][0]["ended_by"], "exit")
        r = run(["--invocations", "1"], fn("crasher"), ["exit0"])
        self.assertEqual(r.json["invocations"][0]["error"],
                         "Runtime exited without providing a reason")
        self.assertEqual(self.statuses(r), ["crash"])

    def test_init_crash_and_init_error(self):
        r = run(["--invocations", "2"], fn("crasher"), ["init-crash"])
        self.check_schema(r)
        self.assertEqual(self.statuses(r), ["crash", "crash"])
        self.assertEqual(len(r.json["environments"]), 2)
        self.assertTrue(r.has_line(r"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\t"
                                   r"Status: error\tError Type: Runtime.ExitError$"))
        r = run(["--invocations", "1"], fn("crasher"), ["init-error"])
        self.assertEqual(self.statuses(r), ["error"])
        # Header "ConfigError" is not a valid type: Runtime.Unknown (RIE).
        self.assertEqual(r.json["invocations"][0]["error_type"], "Runtime.Unknown")
        self.assertEqual(r.json["environments"][0]["init_status"], "error")
        self.assertTrue(r.has_line(r"^crasher init/error -> 202$"))

    def test_hangs_in_init(self):
        r = run(["--invocations", "1", "--init-timeout", "0.5"], fn("hang_init"))
        self.check_schema(r)
        self.assertEqual(self.statuses(r), ["timeout"])
        self.assertEqual(r.json["environments"][0]["ended_by"], "init-timeout")
        self.assertTrue(r.has_line(r"^INIT_REPORT Init Duration: 5\d\d\.\d\d ms\tPhase: init\t"
                                   r"Status: timeout$"), r.out)
        self.assertFalse(alive(r.json["environments"][0]["pid"]))
        self.assertLess(r.seconds, 5)

    def test_never_calls_next_again(self):
        r = run(["--invocations", "2", "--timeout", "0.5"], fn("no_next"))
        self.check_schema(r)
        self.assertEqual(self.statuses(r), ["success", "success"])
        self.assertEqual([e["ended_by"] for e in r.json["environments"]],
                         ["no-next", "no-next"])
        self.assertTrue(r.has_line(r"the runtime did not call next after invocation %s"
                                   % r.json["invocations"][0]["request_id"]))

    def test_posts_twice(self):
        r = run(["--invocations", "2"], fn("post_twice"))
        self.assertEqual(self.statuses(r), ["success", "success"])
        self.assertEqual(len([l for l in r.lines
                              if l == "post_twice: first=202 second=403 error=403"]), 2)
        self.assertTrue(r.has_line(r"^\[runtime-api\] second response for request [0-9a-f-]{36}: 403$"))
        self.assertEqual(r.rc, 0)

    def test_garbage_and_unknown_id(self):
        r = run(["--invocations", "3"], fn("bad_post"))
        self.check_schema(r)
        self.assertEqual(self.statuses(r), ["success"] * 3)
        self.assertEqual(len([l for l in r.lines if l ==
                              "bad_post: unknown-id=400 post-next=404 nonsense=404 ok=202"]), 3)
        self.assertTrue(r.has_line(r"^\[runtime-api\] POST for unknown request id "
                                   r"'00000000-0000-0000-0000-000000000000': 400$"))
        self.assertTrue(r.has_line(r"^\[runtime-api\] malformed request \(not HTTP\): 400$"))
        self.assertEqual(len({i["pid"] for i in r.json["invocations"]}), 1)

    def test_second_next_while_in_flight(self):
        r = run(["--invocations", "3", "--idle", "50"], fn("bad_post"), ["second-next"])
        self.check_schema(r)
        self.assertEqual(self.statuses(r), ["invalid-response", "success", "success"])
        self.assertEqual(r.json["invocations"][0]["error_type"], "Runtime.NoResponse")
        self.assertTrue(r.has_line(r"^bad_post: second next -> 200$"), r.out)
        self.assertTrue(r.has_line(r"^bad_post: first answered late -> 403, second -> 202$"))
        self.assertEqual(len({i["pid"] for i in r.json["invocations"]}), 1)

    def test_payload_above_6mib(self):
        ev = self.events(['{"bytes":7340032}', '{"bytes":6291456}'])
        r = run(["--events", ev], fn("huge_payload"))
        self.check_schema(r)
        self.assertEqual(self.statuses(r), ["invalid-response", "success"])
        self.assertEqual(r.json["invocations"][0]["error_type"], "Function.ResponseSizeTooLarge")
        self.assertTrue(r.has_line(r"^huge_payload: posted 7340032 bytes -> 413$"))
        self.assertTrue(r.has_line(r"^huge_payload: posted 6291456 bytes -> 202$"))
        # REPORT has only the cloud's words; invalid-response is the JSON's.
        self.assertEqual(r.reports()[0]["status"], "error")
        self.assertEqual(r.reports()[0]["etype"], "Function.ResponseSizeTooLarge")

    def test_forked_children_killed(self):
        for extra in ([], ["--freeze", "sigstop", "--memory-method", "rss"]):
            r = run(["--invocations", "2"] + extra, fn("forker"))
            self.assertEqual(r.rc, 0, r.out + r.err)
            pids = [int(p) for l in r.lines for p in
                    re.findall(r"(?:child|daemon)=(\d+)", l)]
            self.assertEqual(len(pids), 4, r.out)
            time.sleep(0.1)
            for p in pids:
                self.assertFalse(alive(p), "pid %d survived (%s)" % (p, extra))

    def test_bad_options_and_missing_binary(self):
        for args in (["--bogus", fn("echo")], ["/nonexistent/fn"],
                     ["--timeout", "abc", fn("echo")], []):
            p = subprocess.run(RUN + args, capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertTrue(p.stderr.startswith("serverless-tidy run: error: "))


class Memory(Base):
    def test_oom_cgroup(self):
        r = run(["--invocations", "2", "--memory", "128"], fn("oom"))
        self.check_schema(r)
        method = r.json["config"]["memory_method"]
        self.assertEqual(self.statuses(r), ["oom", "oom"])
        inv = r.json["invocations"][0]
        self.assertEqual(inv["error_type"], "Runtime.OutOfMemory")
        self.assertTrue(r.has_line(r"^Runtime.OutOfMemory$"))
        self.assertGreaterEqual(inv["max_rss_mb"], 120, method)
        self.assertEqual(r.json["environments"][0]["ended_by"], "oom")

    def test_oom_rss_sampling(self):
        r = run(["--invocations", "1", "--memory", "128", "--memory-method", "rss"], fn("oom"))
        self.assertEqual(r.json["config"]["memory_method"], "rss-sampling")
        self.assertEqual(self.statuses(r), ["oom"])

    def test_max_memory_used(self):
        r = run(["--invocations", "1", "--memory", "256", "--event", "-"], fn("oom"),
                stdin='{"mb":64}')
        self.assertEqual(self.statuses(r), ["success"])
        used = int(r.reports()[0]["used"])
        self.assertGreaterEqual(used, 64)
        self.assertLess(used, 100)


class Concurrency(Base):
    def test_k_environments(self):
        r = run(["--invocations", "6", "--concurrency", "3"], fn("echo"))
        self.check_schema(r)
        self.assertEqual(r.rc, 0)
        inv = r.json["invocations"]
        self.assertEqual(len({i["pid"] for i in inv}), 3)
        self.assertEqual(len({i["environment"] for i in inv}), 3)
        self.assertEqual(sum(1 for i in inv if i["cold"]), 3)
        self.assertEqual(len(r.json["shutdown"]), 3)
        for e in r.json["environments"]:
            self.assertTrue(r.has_line(r"^\[env %d\] echo init: pid=%d " % (e["id"], e["pid"])),
                            r.out)


if __name__ == "__main__":
    unittest.main()
