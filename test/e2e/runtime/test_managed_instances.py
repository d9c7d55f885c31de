#!/usr/bin/env python3
# End-to-end tests of issue 16, item 8: `serverless-tidy run --max-concurrency
# N`, Lambda Managed Instances (RIE's AWS_LAMBDA_MAX_CONCURRENCY mode), over
# test/e2e/functions/lmi_shared.cpp: N worker threads, each with its own
# Runtime API client doing next/handler/response, one client shared by all
# of them (made in init) and one per worker. The function prints each
# invocation's span ("lmi span <id> <start> <end> <deadline> <worker>",
# CLOCK_REALTIME ms) and each post's status, so overlap is seen from inside.
#   ManagedInstances  overlap (also on the official aws-lambda-cpp client:
#                     alc_lmi, a run_handler per worker thread), per-invocation
#                     ids and deadlines, no freeze,
#                     per-invocation timeouts (410 for a late answer), a crash
#                     ends every invocation in flight, a one-worker runtime,
#                     the shared-site report (text, JSON, --fail-on), options
# Configuration as test_run.py: SERVERLESS_RUN, SERVERLESS_FUNCTIONS.
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

RUN = [a for a in os.environ.get("SERVERLESS_RUN", "serverless-run-dev").split("|") if a]
FUNCTIONS = os.environ.get("SERVERLESS_FUNCTIONS", ".")
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "functions", "lmi_shared.cpp")


def fn(name):
    path = os.path.join(FUNCTIONS, name)
    if not os.access(path, os.X_OK):
        raise AssertionError("test function %s missing (SERVERLESS_FUNCTIONS=%s)" % (name, FUNCTIONS))
    return path


def line_of(marker):
    with open(SOURCE) as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return i
    raise AssertionError("marker %s not in %s" % (marker, SOURCE))


class Result:
    def __init__(self, rc, out, err, doc, seconds):
        self.rc, self.out, self.err, self.json, self.seconds = rc, out, err, doc, seconds

    def spans(self):
        """{request id: (start ms, end ms, deadline ms, worker)} from the function."""
        out = {}
        for m in re.finditer(r"^lmi span (\S+) (\d+) (\d+) (\d+) (\d+)$", self.out, re.M):
            out[m.group(1)] = tuple(int(m.group(i)) for i in range(2, 6))
        return out

    def posts(self):
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r"^lmi post (\S+) (\d+)$", self.out, re.M)}


def run(args, events, function="lmi_shared", timeout=60):
    with tempfile.TemporaryDirectory() as tmp:
        ev = os.path.join(tmp, "events.jsonl")
        with open(ev, "w") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")
        path = os.path.join(tmp, "run.json")
        cmd = RUN + ["--json", path, "--events", ev] + list(args) + [fn(function)]
        e = dict(os.environ)
        e["TMPDIR"] = tmp
        start = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)
        seconds = time.monotonic() - start
        doc = None
        if os.path.exists(path) and os.path.getsize(path):
            with open(path) as f:
                doc = json.load(f)
        left = [n for n in os.listdir(tmp) if n.startswith("serverless-shim-")]
        if left:
            raise AssertionError("shim ledgers left behind: %s" % left)
        print(p.stdout[-4000:])
        print(p.stderr[-2000:])
        return Result(p.returncode, p.stdout, p.stderr, doc, seconds)


def most_at_once(intervals):
    """The largest number of (start, end) intervals open at one instant."""
    points = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals],
                    key=lambda p: (p[0], p[1]))
    best = cur = 0
    for _, d in points:
        cur += d
        best = max(best, cur)
    return best


class ManagedInstances(unittest.TestCase):
    TIMEOUT_S = 3

    @classmethod
    def setUpClass(cls):
        # Eight invocations of 400 ms on four workers: two waves.
        cls.r = run(["--max-concurrency", "4", "--invocations", "8", "--timeout", str(cls.TIMEOUT_S)],
                    [{"sleep_ms": 400}])

    def test_invocations_overlap(self):
        r = self.r
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("lmi init: pid=", r.out)
        self.assertRegex(r.out, r"AWS_LAMBDA_MAX_CONCURRENCY=4 workers=4")
        spans = r.spans()
        self.assertEqual(len(spans), 8, spans)
        # From inside the function: up to four handlers at once, and the
        # eight 400 ms handlers took much less than 8 x 400 ms.
        at_once = most_at_once([(s, e) for s, e, _, _ in spans.values()])
        self.assertGreaterEqual(at_once, 3, spans)
        first = min(s for s, _, _, _ in spans.values())
        last = max(e for _, e, _, _ in spans.values())
        self.assertLess(last - first, 8 * 400 * 0.6, spans)
        self.assertGreaterEqual(len({w for _, _, _, w in spans.values()}), 3)
        doc = r.json
        self.assertEqual(doc["config"]["max_concurrency"], 4)
        self.assertEqual(doc["config"]["freeze_method"], "none")
        self.assertEqual(len(doc["environments"]), 1)
        env = doc["environments"][0]
        self.assertEqual(env["freezes"], 0)
        self.assertEqual(env["max_concurrency"], 4)
        self.assertGreaterEqual(env["max_in_flight"], 3)
        invs = doc["invocations"]
        self.assertEqual([i["status"] for i in invs], ["success"] * 8)
        self.assertEqual(len({i["pid"] for i in invs}), 1)
        self.assertEqual(sum(1 for i in invs if i["cold"]), 1)
        self.assertGreaterEqual(max(i["concurrent_at_start"] for i in invs), 3)

    def test_request_ids_and_deadlines_per_invocation(self):
        r = self.r
        spans = r.spans()
        ids = {i["request_id"] for i in r.json["invocations"]}
        self.assertEqual(set(spans), ids)
        # Each invocation's deadline is its own hand-out + the timeout.
        for rid, (start, _, deadline, _) in spans.items():
            left = deadline - start
            self.assertGreater(left, self.TIMEOUT_S * 1000 - 300, (rid, left))
            self.assertLessEqual(left, self.TIMEOUT_S * 1000 + 5, (rid, left))
        self.assertGreater(len({d for _, _, d, _ in spans.values()}), 1)
        self.assertEqual(set(r.posts().values()), {202})

    def test_shared_client_is_named(self):
        r = self.r
        shared_line = line_of("SHARED_SOCKET")
        worker_line = line_of("WORKER_SOCKET")
        sites = r.json["shim"]["1"]["shared_sites"]
        self.assertEqual(len(sites), 1, sites)
        s = sites[0]
        self.assertTrue(s["site_location"]["path"].endswith("lmi_shared.cpp"), s)
        self.assertEqual(s["site_location"]["line"], shared_line, s)
        self.assertEqual(s["kind"], "tcp")
        self.assertEqual(s["fds"], 1)
        self.assertGreaterEqual(s["overlapping_pairs"], 1)
        self.assertGreaterEqual(len(s["invocations"]), 2)
        self.assertTrue(s["used_at"], s)
        for u in s["used_at"]:
            self.assertTrue(u["site_location"]["path"].endswith("lmi_shared.cpp"), u)
        self.assertNotIn(worker_line, [x["site_location"]["line"] for x in sites])
        self.assertRegex(r.out, r"shared by overlapping invocations: 1 fd tcp 127\.0\.0\.1:\d+ "
                                r"from lmi_shared\.cpp:%d \(main\), used by invocations" % shared_line)
        self.assertIn("must be thread-safe", r.out)
        kinds = [e["kind"] for e in r.json["evidence"]]
        self.assertIn("shared-across-invocations", kinds)

    def test_nothing_shared_when_the_shared_client_is_not_used(self):
        # The same overlap, but the handlers use only their own connections.
        r = run(["--max-concurrency", "4", "--invocations", "8", "--fail-on",
                 "error,shared-across-invocations"], [{"sleep_ms": 300, "shared": False}])
        self.assertEqual(r.rc, 0, r.err)
        self.assertGreaterEqual(r.json["environments"][0]["max_in_flight"], 3)
        self.assertEqual(r.json["shim"]["1"]["shared_sites"], [])
        self.assertRegex(r.out, r"no descriptor was used by two invocations that overlapped "
                                r"\(8 invocations, up to [34] at once\)")
        # and the shared client, used: --fail-on names it.
        r2 = run(["--max-concurrency", "4", "--invocations", "4", "--fail-on",
                  "shared-across-invocations"], [{"sleep_ms": 300}])
        self.assertEqual(r2.rc, 1, r2.err)
        self.assertIn("[run] --fail-on: evidence shared-across-invocations", r2.out)

    def test_one_worker_is_not_concurrency(self):
        # With one worker the shared client is never used by two invocations at
        # once (the same descriptor, the same code, no overlap).
        r = run(["--max-concurrency", "1", "--invocations", "4"], [{"sleep_ms": 50}])
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.json["shim"]["1"]["shared_sites"], [])
        self.assertEqual(r.json["environments"][0]["max_in_flight"], 1)
        # A classic (one-at-a-time) runtime under --max-concurrency 3: every
        # invocation waits for its single worker and the run says so.
        r = run(["--max-concurrency", "3", "--invocations", "4"], [{}], function="echo")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual([i["status"] for i in r.json["invocations"]], ["success"] * 4)
        self.assertEqual(r.json["environments"][0]["max_in_flight"], 1)
        self.assertRegex(r.out, r"--max-concurrency 3, but no two invocations ran at once: at most "
                                r"1 runtime worker\(s\) waited in next")

    def test_timeout_fails_its_invocation_only(self):
        # Invocation 0 outlives the 1 s timeout on one worker while the other
        # worker serves 1 and 2; the environment is not reset, and the late
        # answer gets RIE's 410.
        r = run(["--max-concurrency", "2", "--timeout", "1"],
                [{"sleep_ms": 1300}, {"sleep_ms": 900}, {"sleep_ms": 900}])
        invs = r.json["invocations"]
        self.assertEqual([i["status"] for i in invs], ["timeout", "success", "success"], invs)
        self.assertEqual(invs[0]["error_type"], "Sandbox.Timedout")
        self.assertEqual(len({i["pid"] for i in invs}), 1)
        self.assertEqual(len(r.json["environments"]), 1)
        self.assertRegex(r.out, r"Task timed out after 1\.00 seconds")
        self.assertNotIn("environment reset", r.out)
        late = invs[0]["request_id"]
        self.assertEqual(r.posts().get(late), 410, r.posts())
        self.assertIn("late response for timed-out request %s: 410" % late, r.out)
        self.assertEqual(r.rc, 1)  # a timeout fails the run (--fail-on default)

    def test_slow_invocation_among_many(self):
        # One invocation of 600 ms while the other workers serve 79 quick
        # ones: its request id must still be known when it answers.
        r = run(["--max-concurrency", "4", "--quiet"],
                [{"sleep_ms": 600}] + [{"sleep_ms": 0}] * 79)
        self.assertEqual(r.rc, 0, r.out[-2000:])
        self.assertEqual({i["status"] for i in r.json["invocations"]}, {"success"})
        self.assertEqual(len(r.json["invocations"]), 80)
        self.assertNotIn("unknown request id", r.out)
        self.assertEqual(set(r.posts().values()), {202})

    def test_crash_ends_every_invocation_in_flight(self):
        # Invocation 1 aborts the process while 0 runs: both fail, the
        # environment is reset, 2 runs in a new one (cold).
        r = run(["--max-concurrency", "2", "--invocations", "3"],
                [{"sleep_ms": 800}, {"sleep_ms": 100, "crash": True}, {"sleep_ms": 10}])
        invs = r.json["invocations"]
        self.assertEqual([i["status"] for i in invs], ["crash", "crash", "success"], invs)
        self.assertEqual(invs[0]["pid"], invs[1]["pid"])
        self.assertNotEqual(invs[2]["pid"], invs[0]["pid"])
        self.assertTrue(invs[2]["cold"])
        self.assertEqual(len(r.json["environments"]), 2)
        self.assertEqual(r.json["environments"][0]["ended_by"], "crash")
        self.assertIn("Runtime exited with error: signal: aborted", r.out)

    def test_official_client(self):
        # aws-lambda-cpp unchanged: four threads, each in its own run_handler
        # (its own CURL handle), are four workers.
        r = run(["--max-concurrency", "4", "--invocations", "8"], [{"sleep_ms": 400}],
                function="alc_lmi")
        self.assertEqual(r.rc, 0, r.err)
        spans = [tuple(int(x) for x in m.groups()) for m in
                 re.finditer(r"^alc-lmi span \S+ (\d+) (\d+) \d+$", r.out, re.M)]
        self.assertEqual(len(spans), 8)
        self.assertGreaterEqual(most_at_once(spans), 3, spans)
        self.assertGreaterEqual(r.json["environments"][0]["max_in_flight"], 3)
        with open(os.path.join(HERE, "..", "functions", "alc_lmi.cpp")) as f:
            shared_line = next(i for i, l in enumerate(f, 1) if "SHARED_SOCKET" in l)
        sites = r.json["shim"]["1"]["shared_sites"]
        self.assertEqual([s["site_location"]["line"] for s in sites], [shared_line], sites)
        self.assertEqual(len(sites[0]["invocations"]) >= 2, True)
        # The workers' own Runtime API clients are the runtime's, not shared.
        owned = r.json["shim"]["1"]["runtime_client_fds"]
        self.assertEqual({f.get("runtime_client") for f in owned}, {"aws-lambda-cpp"}, owned)
        self.assertGreaterEqual(sum(1 for f in owned if f["kind"] == "tcp"), 4)
        self.assertNotRegex(r.out, r"open at .*runtime\.cpp")

    def test_serve(self):
        # RIE's invoke endpoint: six concurrent requests, three at a time.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.json")
            e = dict(os.environ)
            e["TMPDIR"] = tmp
            with open(os.path.join(tmp, "out"), "w") as out:
                p = subprocess.Popen(RUN + ["--json", path, "--quiet", "--serve", "0",
                                            "--max-concurrency", "3", "--invocations", "6",
                                            fn("lmi_shared")],
                                     stdout=out, stderr=subprocess.STDOUT, env=e)
                try:
                    port = None
                    end = time.monotonic() + 15
                    while port is None and time.monotonic() < end:
                        with open(os.path.join(tmp, "out")) as f:
                            m = re.search(r"serving POST http://127\.0\.0\.1:(\d+)/", f.read())
                        port = m and int(m.group(1))
                        time.sleep(0.05)
                    self.assertIsNotNone(port)
                    codes = []

                    def call():
                        req = urllib.request.Request(
                            "http://127.0.0.1:%d/2015-03-31/functions/function/invocations" % port,
                            data=b'{"sleep_ms": 500}', method="POST")
                        with urllib.request.urlopen(req, timeout=20) as r:
                            codes.append((r.status, json.loads(r.read())))

                    start = time.monotonic()
                    threads = [threading.Thread(target=call) for _ in range(6)]
                    for t in threads:
                        t.start()
                    for t in threads:
                        t.join(30)
                    elapsed = time.monotonic() - start
                    self.assertEqual(p.wait(timeout=30), 0)
                finally:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
            with open(path) as f:
                doc = json.load(f)
        self.assertEqual(len(codes), 6, codes)
        self.assertEqual({c for c, _ in codes}, {200})
        self.assertEqual(len({b["worker"] for _, b in codes}), 3, codes)
        self.assertLess(elapsed, 6 * 0.5 * 0.75, elapsed)
        self.assertEqual(doc["environments"][0]["max_in_flight"], 3)

    def test_interrupt(self):
        # Ctrl-C with two invocations in flight: the run ends in order.
        with tempfile.TemporaryDirectory() as tmp:
            ev = os.path.join(tmp, "ev.jsonl")
            with open(ev, "w") as f:
                f.write('{"sleep_ms": 5000}\n')
            path = os.path.join(tmp, "run.json")
            e = dict(os.environ)
            e["TMPDIR"] = tmp
            outp = os.path.join(tmp, "out")
            with open(outp, "w") as out:
                p = subprocess.Popen(RUN + ["--json", path, "--events", ev, "--invocations", "4",
                                            "--timeout", "10", "--max-concurrency", "2",
                                            fn("lmi_shared")],
                                     stdout=out, stderr=subprocess.STDOUT, env=e)
                try:
                    end = time.monotonic() + 15
                    text = ""
                    while time.monotonic() < end and text.count("START RequestId") < 2:
                        time.sleep(0.05)
                        with open(outp) as f:
                            text = f.read()
                    self.assertEqual(text.count("START RequestId"), 2, text)
                    pid = int(re.search(r"lmi init: pid=(\d+)", text).group(1))
                    p.send_signal(signal.SIGINT)
                    self.assertEqual(p.wait(timeout=15), 128 + signal.SIGINT)
                finally:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
            with open(path) as f:
                doc = json.load(f)
            self.assertTrue(doc["incomplete"])
            self.assertEqual(len(doc["in_flight"]), 2, doc["in_flight"])
            self.assertEqual(doc["invocations"], [])
            with self.assertRaises(ProcessLookupError):
                os.kill(pid, 0)
            self.assertEqual([n for n in os.listdir(tmp) if n.startswith("serverless-shim-")], [])

    def test_template(self):
        # SAM's CapacityProviderConfig gives the concurrency, as SAM CLI does.
        with tempfile.TemporaryDirectory() as tmp:
            t = os.path.join(tmp, "template.yaml")
            with open(t, "w") as f:
                f.write("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                        "    Properties:\n      Timeout: 5\n      CapacityProviderConfig:\n"
                        "        LambdaManagedInstancesCapacityProviderConfig:\n"
                        "          CapacityProviderArn: !Ref Provider\n"
                        "          PerExecutionEnvironmentMaxConcurrency: 3\n")
            r = run(["--template", t, "--invocations", "6"], [{"sleep_ms": 300}])
        self.assertEqual(r.rc, 0, r.err)
        self.assertRegex(r.out, r"AWS_LAMBDA_MAX_CONCURRENCY=3 workers=3")
        self.assertRegex(r.out, r"max concurrency 3 \(Lambda Managed Instances\)")
        self.assertEqual(r.json["config"]["max_concurrency"], 3)
        self.assertEqual(r.json["environments"][0]["max_in_flight"], 3)
        self.assertEqual(r.json["config"]["init_timeout_ms"], 130000)

    def test_process_dies_while_an_invocation_waits(self):
        # One worker (the emulator has two lanes): invocation 1 waits for it
        # while 0 runs; the process dies. 0 fails with it; 1 never started,
        # so it goes to the next process and succeeds there.
        with tempfile.TemporaryDirectory() as tmp:
            r = run(["--max-concurrency", "2", "--env", "AWS_LAMBDA_MAX_CONCURRENCY=1",
                     "--env", "LMI_ABORT_AFTER_MS=200",
                     "--env", "LMI_ABORT_ONCE=%s" % os.path.join(tmp, "aborted")],
                    [{"sleep_ms": 600}, {"sleep_ms": 600}])
        invs = sorted(r.json["invocations"], key=lambda i: i["status"])
        # Whichever took the one worker first dies with the process.
        self.assertEqual([i["status"] for i in invs], ["crash", "success"], invs)
        self.assertTrue(invs[1]["cold"])
        self.assertNotEqual(invs[0]["pid"], invs[1]["pid"])
        self.assertNotIn("not_started", invs[1])
        self.assertEqual([e["invocations"] for e in r.json["environments"]], [1, 1])
        self.assertEqual(r.json["environments"][0]["ended_by"], "crash")

    def test_bad_options(self):
        for args, what in ((["--max-concurrency", "0"], "--max-concurrency"),
                           (["--max-concurrency", "65"], "--max-concurrency"),
                           (["--max-concurrency", "2", "--freeze=sigstop"], "--freeze"),
                           (["--max-concurrency", "2", "--on-timeout=keep"], "--on-timeout=keep")):
            p = subprocess.run(RUN + args + [fn("lmi_shared")], capture_output=True, text=True,
                               timeout=20)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertIn(what, lines[0])


if __name__ == "__main__":
    unittest.main()
