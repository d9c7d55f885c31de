#!/usr/bin/env python3
# End-to-end tests of issue 16's "a ledger whose every line is true": the
# shim's summary and JSON for functions on the real aws-lambda-cpp client
# (test/e2e/functions/alc_ledger.cpp, built -O2 -g against the vendored,
# unchanged client), run through `serverless-tidy run` with the shim on.
# One class per item, one ctest each (runtime-e2e-<Class>):
#   UserSites        item 9  sites through DWARF inline chains, structured
#                            sites in the JSON, the no-debug-info hint
#   RuntimeClient    item 10 the client's own descriptors are not leaks
#   Wording          item 11 SIGKILL vs SIGTERM, in flight at the timeout,
#                            the whole call's blocked time, DNS, "0 growth"
#   ShimMemory       item 12 Max Memory Used without the shim's pages
#   Aggregate        item 13 one report for K environments
#   FailOnEvidence   item 14 --fail-on evidence kinds, --json refused early
# Configuration as test_run.py: SERVERLESS_RUN, SERVERLESS_FUNCTIONS.
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import unittest

RUN = [a for a in os.environ.get("SERVERLESS_RUN", "serverless-run-dev").split("|") if a]
FUNCTIONS = os.environ.get("SERVERLESS_FUNCTIONS", ".")
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "functions", "alc_ledger.cpp")


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

    def shim(self, env="1"):
        return self.json["shim"][env]


def run(args, events, function="alc_ledger", timeout=90, env=None, json_path=None):
    """Runs alc_ledger with one event per line of `events` (cycled)."""
    with tempfile.TemporaryDirectory() as tmp:
        ev = os.path.join(tmp, "events.jsonl")
        with open(ev, "w") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")
        path = json_path or os.path.join(tmp, "run.json")
        # The function's environment is the emulator's clean one: variables
        # reach it through --env only.
        extra = []
        for k, v in sorted((env or {}).items()):
            extra += ["--env", "%s=%s" % (k, v)]
        cmd = RUN + ["--json", path, "--quiet", "--events", ev] + extra + list(args) + [fn(function)]
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
        sys_out = p.stdout
        print(sys_out[-3000:])
        return Result(p.returncode, sys_out, p.stderr, doc, seconds)


class SilentServer:
    """A loopback server that accepts and never answers (bounded: at most 16
    connections, closed by stop())."""

    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(16)
        self.s.settimeout(0.2)
        self.port = self.s.getsockname()[1]
        self.conns, self.stopped = [], False
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()

    def _loop(self):
        while not self.stopped and len(self.conns) < 16:
            try:
                self.conns.append(self.s.accept()[0])
            except OSError:
                pass

    def stop(self):
        self.stopped = True
        self.t.join(2)
        for c in self.conns:
            c.close()
        self.s.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


class UserSites(unittest.TestCase):
    def test_inlined_helper_is_the_site(self):
        r = run(["--invocations", "4"], ["leak"])
        self.assertEqual(r.rc, 0, r.err)
        leaks = r.shim()["leak_sites"]
        self.assertEqual(len(leaks), 1, leaks)
        loc = leaks[0]["site_location"]
        line = line_of("LEAK-SITE")
        # leakOne() is inlined (always_inline) into the handler: the site is
        # its line, found through the PC's DWARF inline chain.
        self.assertEqual(loc["path"], os.path.realpath(SOURCE))
        self.assertEqual(loc["line"], line)
        self.assertIsInstance(loc["column"], int)
        self.assertEqual(loc["function"], "(anonymous namespace)::leakOne()")
        self.assertTrue(loc["debug_info"])
        chain = [f["function"] for f in loc["inline_chain"]]
        self.assertEqual(chain[0], "(anonymous namespace)::leakOne()")
        self.assertTrue(any(c.startswith("(anonymous namespace)::handler(") for c in chain[1:]), chain)
        # The display string is kept, with the right name for an anonymous namespace.
        self.assertEqual(leaks[0]["site"], "alc_ledger.cpp:%d ((anonymous namespace)::leakOne)" % line)
        self.assertIn("+1.0 fd/invocation from alc_ledger.cpp:%d ((anonymous namespace)::leakOne)" % line, r.out)

    def test_future_get_site_is_the_handler_line(self):
        r = run(["--invocations", "1", "--timeout", "1", "--fail-on", "none"], ["future"])
        self.assertEqual(r.rc, 0, r.err)
        blocked = r.json["invocations"][0]["blocked_past_deadline"]
        sites = [b["site"] for b in blocked]
        # Not a libstdc++ header line (atomic_futex.h, this_thread_sleep.h).
        for b in blocked:
            self.assertTrue(b["site"].startswith("alc_ledger.cpp:"), sites)
            self.assertFalse(b["site_location"]["path"].startswith("/usr/"), b)
        main = [b for b in blocked if b["site_location"]["line"] == line_of("FUTURE-SITE")]
        self.assertEqual(len(main), 1, sites)
        self.assertEqual(main[0]["site_location"].get("entry"), "std::future<int>::get")
        worker = [b for b in blocked if b["site_location"]["line"] == line_of("WORKER-SITE")]
        self.assertEqual(len(worker), 1, sites)
        self.assertEqual(worker[0]["call"], "nanosleep")

    def test_no_debug_info_hint(self):
        r = run(["--invocations", "4"], ["leak"], function="alc_ledger_nodebug")
        self.assertEqual(r.rc, 0, r.err)
        exe = os.path.realpath(fn("alc_ledger_nodebug"))
        self.assertIn(exe, r.shim()["no_debug_info"])
        self.assertRegex(r.out, r"hint: no line information for the sites in .*alc_ledger_nodebug "
                                r"\(built without -g\).*build with -g for file:line")
        loc = r.shim()["leak_sites"][0]["site_location"]
        # The symbol table may still name the file (STT_FILE), never a line.
        self.assertIsNone(loc["line"])
        self.assertFalse(loc["debug_info"])
        # Still named by function (the symbol table), not object+offset.
        self.assertIn("handler", loc["function"] or "")


class RuntimeClient(unittest.TestCase):
    def test_client_descriptors_are_not_the_users(self):
        r = run(["--invocations", "3"], ["clean"])
        self.assertEqual(r.rc, 0, r.err)
        shim = r.shim()
        client = shim["runtime_client_fds"]
        kinds = sorted(f["kind"] for f in client)
        # aws-lambda-cpp: its kept-alive Runtime API connection and libcurl's
        # wakeup socket pair, recognised by the frames that made them.
        self.assertEqual(kinds, ["tcp", "unix", "unix"], client)
        self.assertTrue(all(f["runtime_client"] == "aws-lambda-cpp" for f in client), client)
        self.assertTrue(all("aws::lambda_runtime::runtime::" in f["site_location"]["function"] for f in client))
        # stdio, inherited from the emulator, is all that is left.
        self.assertEqual([f for f in r.json["shutdown"][0]["open_fds"] if f["call"] != "inherited"], [])
        self.assertEqual(shim["leak_sites"], [])
        self.assertNotIn("get_next", "\n".join(l for l in r.out.splitlines() if "open at" in l))
        self.assertIn("nothing the function opened was still open at SIGKILL", r.out)
        self.assertIn("not counted: the Runtime API client's own descriptors (3 of aws-lambda-cpp)", r.out)
        self.assertEqual([e for e in r.json.get("evidence", []) if e["kind"] == "open-at-shutdown"], [])

    def test_users_descriptors_still_counted(self):
        r = run(["--invocations", "4"], ["leak"])
        self.assertEqual(r.rc, 0, r.err)
        opened = [f for f in r.json["shutdown"][0]["open_fds"] if f["call"] != "inherited"]
        self.assertEqual(len(opened), 4, opened)
        self.assertTrue(all(f["kind"] == "file" and "runtime_client" not in f for f in opened), opened)


class Wording(unittest.TestCase):
    def test_open_at_sigkill_without_sigterm(self):
        r = run(["--invocations", "2"], ["clean"], env={"ALC_HOLD": "1"})
        self.assertEqual(r.rc, 0, r.err)
        hold = line_of("HOLD-SITE")
        self.assertRegex(r.out, r"open at SIGKILL \(no SIGTERM was sent\): fd \d+ file /etc/hostname "
                                r"from alc_ledger.cpp:%d \(main\)" % hold)
        self.assertNotIn("at SIGTERM", r.out)
        self.assertEqual(r.json["shutdown"][0]["signal"], "SIGKILL")
        self.assertEqual(r.json["shutdown"][0]["open_fds_at"], "SIGKILL")

    def test_open_at_sigterm_with_an_extension(self):
        r = run(["--invocations", "2", "--extension", "ext"], ["clean"], env={"ALC_HOLD": "1"})
        self.assertEqual(r.rc, 0, r.err)
        self.assertRegex(r.out, r"open at SIGTERM: fd \d+ file /etc/hostname from alc_ledger.cpp:%d"
                         % line_of("HOLD-SITE"))
        self.assertEqual(r.json["shutdown"][0]["open_fds_at"], "SIGTERM")

    def test_in_flight_at_the_timeout_and_whole_call_blocked(self):
        with SilentServer() as srv:
            r = run(["--invocations", "4", "--timeout", "2.5", "--fail-on", "none"],
                    ["clean", "clean", "clean", "curl"],
                    env={"ALC_URL": "http://127.0.0.1:%d/" % srv.port})
        self.assertEqual(r.rc, 0, r.err)
        inv = r.json["invocations"]
        self.assertEqual([i["status"] for i in inv], ["success"] * 3 + ["timeout"])
        last = inv[3]
        # The socket curl holds is in flight at the timeout, not a leak.
        flight = last["in_flight_at_timeout"]
        self.assertIn("127.0.0.1:%d" % srv.port, [f["peer"] for f in flight if f["kind"] == "tcp"])
        self.assertEqual(r.shim()["leak_sites"], [])
        self.assertNotRegex(r.out, r"fd/invocation from")
        self.assertRegex(r.out, r"in flight at the timeout of invocation 3 \(not a leak\): fd \d+ tcp 127.0.0.1:%d "
                                r"from alc_ledger.cpp:%d" % (srv.port, line_of("CURL-SITE")))
        # Blocked time is curl_easy_perform's whole wait, not the last poll slice.
        b = [x for x in last["blocked_past_deadline"] if x["call"] == "poll"]
        self.assertEqual(len(b), 1, last["blocked_past_deadline"])
        self.assertEqual(b[0]["entry"], "curl_easy_perform")
        self.assertGreaterEqual(b[0]["blocked_ms"], 2000)
        self.assertLessEqual(b[0]["blocked_ms"], 3500)  # the deadline (2.5 s) and the capture's delay
        self.assertLess(b[0]["call_ms"], 1100)
        self.assertRegex(r.out, r"invocation 3 still blocked at the deadline in curl_easy_perform \(poll\) "
                                r"for [23],[0-9]{3} ms at alc_ledger.cpp:%d" % line_of("CURL-SITE"))

    def test_in_flight_not_open_at_shutdown_on_a_reset(self):
        # With an extension the timeout reset is a shutdown (SIGTERM): what
        # the killed call held is in flight, not "open at SIGTERM" evidence.
        with SilentServer() as srv:
            r = run(["--invocations", "1", "--timeout", "1.5", "--extension", "ext",
                     "--fail-on", "open-at-shutdown"], ["curl"],
                    env={"ALC_URL": "http://127.0.0.1:%d/" % srv.port})
        self.assertEqual(r.rc, 0, r.out)
        sd = r.json["shutdown"][0]
        self.assertEqual((sd["reason"], sd["open_fds_at"]), ("timeout", "SIGTERM"))
        tcp = [f for f in sd["open_fds"] if f["kind"] == "tcp"]
        self.assertTrue(tcp and all(f.get("in_flight_at_timeout") for f in tcp), sd["open_fds"])
        self.assertNotIn("open-at-shutdown", [e["kind"] for e in r.json["evidence"]])
        self.assertNotRegex(r.out, r"open at SIGTERM: .*tcp")
        self.assertRegex(r.out, r"in flight at the timeout of invocation 0 \(not a leak\): fd \d+ tcp")

    def test_no_growth_claim_from_one_invocation(self):
        r = run(["--invocations", "1"], ["clean"])
        self.assertEqual(r.rc, 0, r.err)
        self.assertNotIn("0 fd growth", r.out)
        self.assertIn("fd growth not measured: 1 invocation(s)", r.out)

    def test_address_literal_is_no_dns_lookup(self):
        r = run(["--invocations", "3"], ["dns"])
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual([i["dns_lookups"] for i in r.json["invocations"]], [0, 0, 0])
        self.assertNotIn("DNS lookup", r.out)


class ShimMemory(unittest.TestCase):
    def test_shim_adds_no_megabytes(self):
        used = {}
        for flags in ([], ["--no-shim"]):
            r = run(["--invocations", "3"] + flags, ["clean"])
            self.assertEqual(r.rc, 0, r.err)
            used[bool(flags)] = r.json["environments"][0]["max_memory_used_mb"]
        # The ledger's sparse file used to be read ahead on every fault
        # (read_ahead_kb of holes into the page cache: +8 MB per process).
        self.assertLessEqual(used[False] - used[True], 1, used)


class Aggregate(unittest.TestCase):
    def test_one_report_for_k_environments(self):
        r = run(["--invocations", "6", "--concurrency", "2"], ["leak"])
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.out.count("shim ("), 1, r.out)
        self.assertIn("shim (2 environments, 6 invocations):", r.out)
        self.assertIn("fd growth +1.0 fd/invocation (weighted mean over 2 of 2 environments", r.out)
        self.assertIn("0 new connections opened in all", r.out)
        self.assertRegex(r.out, r"peak \d+ descriptors open after an invocation \(environment [12]\)")
        # Both environments leak alike: their lines are given once.
        self.assertIn("environments 1, 2 (all alike):", r.out)
        self.assertEqual(r.out.count("fd/invocation from alc_ledger.cpp:%d" % line_of("LEAK-SITE")), 1, r.out)

    def test_invocation_numbers_match_the_json(self):
        r = run(["--invocations", "2", "--concurrency", "2", "--timeout", "1", "--fail-on", "none"],
                ["future"])
        self.assertEqual(r.rc, 0, r.err)
        for inv in r.json["invocations"]:
            self.assertTrue(inv["blocked_past_deadline"], inv)
            self.assertIn("invocation %d still blocked at the deadline in std::future<int>::get" % inv["index"],
                          r.out)
        self.assertEqual(sorted(i["index"] for i in r.json["invocations"]), [0, 1])


class FailOnEvidence(unittest.TestCase):
    def test_fd_growth_and_emfile_fail_the_run(self):
        for kind in ("fd-growth", "emfile-projected"):
            r = run(["--invocations", "4", "--fail-on", kind], ["leak"])
            self.assertEqual(r.rc, 1, (kind, r.out))
            self.assertIn("[run] --fail-on: evidence " + kind, r.out)
            self.assertIn("[run] result: FAILED (exit 1)", r.out)
            self.assertIn(kind, [e["kind"] for e in r.json["evidence"]])
            self.assertEqual(r.json["exit_code"], 1)

    def test_absent_evidence_passes(self):
        r = run(["--invocations", "4", "--fail-on", "connection-per-invocation,blocked-at-deadline"], ["leak"])
        self.assertEqual(r.rc, 0, r.out)
        r = run(["--invocations", "3", "--fail-on", "fd-growth,open-at-shutdown"], ["clean"])
        self.assertEqual(r.rc, 0, r.out)

    def test_open_at_shutdown_and_blocked_at_deadline(self):
        r = run(["--invocations", "2", "--fail-on", "open-at-shutdown"], ["clean"], env={"ALC_HOLD": "1"})
        self.assertEqual(r.rc, 1, r.out)
        r = run(["--invocations", "1", "--timeout", "1", "--fail-on", "blocked-at-deadline"], ["future"])
        self.assertEqual(r.rc, 1, r.out)
        self.assertIn("[run] --fail-on: evidence blocked-at-deadline", r.out)

    def test_unknown_kind_is_refused(self):
        p = subprocess.run(RUN + ["--fail-on", "fd-growthh", fn("alc_ledger")], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown status or evidence kind", p.stderr)

    def test_unwritable_json_refused_before_the_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            for path in (os.path.join(tmp, "no-such-dir", "run.json"), tmp):
                start = time.monotonic()
                p = subprocess.run(RUN + ["--json", path, "--invocations", "3", "--init-timeout", "5",
                                          fn("alc_ledger")],
                                   capture_output=True, text=True, timeout=30)
                took = time.monotonic() - start
                self.assertEqual(p.returncode, 3, p.stderr)
                self.assertIn("--json", p.stderr)
                # Nothing ran: no run banner, no REPORT, no function output.
                self.assertNotIn("invocation(s)", p.stdout)
                self.assertNotIn("REPORT", p.stdout)
                self.assertLess(took, 2.0)
            self.assertFalse(os.path.exists(os.path.join(tmp, "no-such-dir")))
        # A writable path that did not exist is not left behind by the check.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.json")
            p = subprocess.run(RUN + ["--json", path, "--bogus-option", fn("alc_ledger")],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2)
            self.assertFalse(os.path.exists(path))


if __name__ == "__main__":
    unittest.main()
