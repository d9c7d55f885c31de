#!/usr/bin/env python3
# The emulator abuse suite (docs/reliability.md, "Runtime emulator"): what a
# broken function or any local process can throw at the Runtime API, and
# signals at every moment. Every test asserts that the emulator either keeps
# serving the function promptly (its invocations succeed, well inside their
# timeout) or ends cleanly, and that nothing is left behind: no process, no
# cgroup, no shim ledger, no temp directory. Everything is on loopback and
# bounded in count and time; a missing binary fails the suite (no skips).
#
# Configuration as for test_run.py (SERVERLESS_RUN, SERVERLESS_FUNCTIONS).
# SOAK_INVOCATIONS overrides the soak's 10,000 invocations.
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from rtlib import (RUN, SIGNAME, Background, check_prerequisites, fd_count, fn, http,
                   read_response, request, rss_kb)

# Every response the API gives to junk; None = closed without a response.
REJECTED = (None, 400, 403, 404, 405, 408, 411, 413, 414, 431, 503)


def setUpModule():
    check_prerequisites()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 <= hard or (soft < hard and hard < 4096):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))


class Base(unittest.TestCase):
    # A run that lasts while the test abuses it: invocations every ~50 ms
    # with a 1 s timeout, so a starved Runtime API shows up as timeouts.
    def serving(self, extra=(), function="echo", fargs=()):
        b = Background(["--invocations", "100000", "--idle", "50", "--timeout", "1"]
                       + list(extra), fn(function), fargs)
        self.addCleanup(b.cleanup)
        b.wait_line(r"^REPORT RequestId")
        return b

    def reports(self, b):
        with open(b.out_path, "rb") as f:
            return f.read().count(b"\nREPORT RequestId: ")

    def assertServed(self, b, max_ms=500):
        """After the abuse the run still serves (5 more invocations); then it
        is ended (SIGTERM): every invocation succeeded, promptly, and
        nothing is left."""
        n0 = self.reports(b)
        end = time.monotonic() + 15
        while self.reports(b) < n0 + 5 and time.monotonic() < end and b.p.poll() is None:
            time.sleep(0.02)
        self.assertGreaterEqual(self.reports(b), n0 + 5, b.out()[-3000:])
        b.signal(signal.SIGTERM)
        rc = b.wait(20)
        self.assertEqual(rc, 128 + signal.SIGTERM, b.err())
        doc = b.json()
        self.assertIsNotNone(doc, b.err())
        inv = doc["invocations"]
        self.assertGreaterEqual(len(inv), n0 + 5)
        bad = [i for i in inv if i["status"] != "success"]
        self.assertEqual(bad, [], b.out()[-3000:])
        slow = [i["duration_ms"] for i in inv if i["duration_ms"] > max_ms]
        self.assertEqual(slow, [], "invocations slower than %d ms while abused" % max_ms)
        self.assertLessEqual(len(doc["in_flight"]), 1)
        self.assertClean(b)
        return doc

    def assertClean(self, b, extra_pids=()):
        left = b.leftovers(extra_pids)
        self.assertEqual(left, [], "left behind:\n" + "\n".join(left))

    def assertJsonError(self, status, body):
        if status is None or not body:
            return
        err = json.loads(body.decode("utf-8"))
        self.assertIn("errorType", err)


class MalformedHttp(Base):
    def test_junk_requests(self):
        b = self.serving()
        addr = b.api()[0]
        junk = [
            b"\x00\x01\x02\x03\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64) + b"\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET /2018-06-01/runtime/invocation/next\r\n\r\n",
            b"GET / HTTP/1.1\r\nNoColonHere\r\n\r\n",
            b"GET / HTTP/1.1\nHost: x\n\n",
            b" / HTTP/1.1\r\n\r\n",
            b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(3000)) + b"\r\n",
            b"GET / HTTP/1.1\r\nX-Long: " + b"v" * 9000 + b"\r\n\r\n",
            b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\nContent-Length: 5\r\n"
            b"Content-Length: 6\r\n\r\nhello!",
            b"POST /x HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello",
            b"POST /x HTTP/1.1\r\nContent-Length:  5 \r\n\r\nhello",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxx",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
            b"GET /../../etc/passwd HTTP/1.1\r\n\r\n",
            b"GET /%00%0a%0d HTTP/1.1\r\n\r\n",
            b"GET http://evil/2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
            b"\r\n\r\n\r\n\r\n",
        ]
        for raw in junk:
            t = time.monotonic()
            s = socket.create_connection(addr, timeout=3)
            s.sendall(raw)
            status, _, body = read_response(s, 3)
            if status == 100:  # "Expect: 100-continue", then the answer
                status, _, body = read_response(s, 3)
            s.close()
            self.assertIn(status, REJECTED, raw[:80])
            self.assertLess(time.monotonic() - t, 3.5, raw[:80])
            self.assertJsonError(status, body)
        # Two requests in one write: two answers.
        s = socket.create_connection(addr, timeout=3)
        s.sendall(request("GET", "/a") + request("GET", "/b"))
        data, end = b"", time.monotonic() + 3
        while data.count(b"HTTP/1.1 404 ") < 2 and time.monotonic() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        self.assertEqual(data.count(b"HTTP/1.1 404 "), 2, data)
        s.close()
        self.assertServed(b)
        # Rejections are printed escaped, one line each.
        for l in b.out().splitlines():
            if l.startswith("[runtime-api]"):
                self.assertTrue(all(0x20 <= ord(c) < 0x7f for c in l), repr(l))

    def test_wrong_methods(self):
        b = self.serving()
        addr = b.api()[0]
        paths = ["/2018-06-01/runtime/invocation/next",
                 "/2018-06-01/runtime/invocation/0000/response",
                 "/2018-06-01/runtime/init/error", "/2020-01-01/extension/register",
                 "/2020-01-01/extension/event/next", "/"]
        for path in paths:
            for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
                           "BREW", "HEAD", "PRI"):
                status, _, body = http(addr, request(method, path), timeout=3)
                # httplib itself answers 400 to methods it does not know.
                self.assertEqual(status, 400 if method == "BREW" else 405, (method, path))
                if method != "HEAD":
                    self.assertJsonError(status, body)
            # POST on next / GET on response are unknown resources.
            status, _, _ = http(addr, request("POST" if path.endswith("next") else "GET",
                                              path), timeout=3)
            self.assertIn(status, (400, 403, 404, 405, 411), path)
        self.assertServed(b)

    def test_big_bodies(self):
        b = self.serving()
        addr = b.api()[0]
        # 17 MiB in chunks: past the connection layer's bound, 413.
        s = socket.create_connection(addr, timeout=10)
        s.sendall(b"POST /2018-06-01/runtime/invocation/0000/response HTTP/1.1\r\n"
                  b"Host: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % (1 << 20) + b"x" * (1 << 20) + b"\r\n"
        try:
            for _ in range(17):
                s.sendall(chunk)
        except OSError:
            pass
        self.assertIn(read_response(s, 10)[0], (413, None))
        s.close()
        # A declared 1 TB: answered at once, without reading.
        t = time.monotonic()
        status, _, body = http(addr, b"POST /2018-06-01/runtime/invocation/0000/response "
                               b"HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\nxx", timeout=3)
        self.assertEqual(status, 413)
        self.assertLess(time.monotonic() - t, 2)
        self.assertServed(b)


    def test_chunked_response_above_limit(self):
        # A runtime (chunked_runtime.py) posting a chunked response above
        # 6 MiB: 413, and the invocation ends at once (not at its timeout).
        runtime = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chunked_runtime.py")
        for size in (7 << 20, 20 << 20):
            b = Background(["--invocations", "3", "--timeout", "3"], runtime, [str(size)])
            self.addCleanup(b.cleanup)
            rc = b.wait(30)
            self.assertEqual(rc, 1, b.out())
            inv = b.json()["invocations"]
            self.assertEqual([i["status"] for i in inv], ["invalid-response", "success", "success"])
            self.assertEqual(inv[0]["error_type"], "Function.ResponseSizeTooLarge")
            self.assertLess(inv[0]["duration_ms"], 2000)
            self.assertIn("chunked_runtime: posted %d bytes chunked -> 413" % size, b.out())
            self.assertClean(b)


class Bursts(Base):
    def test_connection_burst(self):
        b = self.serving()
        addr = b.api()[0]
        time.sleep(0.3)
        base_fds = fd_count(b.pid)
        socks = []
        for _ in range(800):
            socks.append(socket.create_connection(addr, timeout=5))
        # Past 256 idle connections the oldest are closed: a request on them
        # gets no answer; the newest ones are served.
        answered = 0
        for s in socks[-200:]:
            s.sendall(request("GET", "/burst"))
        for s in socks[-200:]:
            status = read_response(s, 5)[0]
            self.assertIn(status, (404, None))
            answered += status == 404
        self.assertGreater(answered, 150)
        for s in socks:
            s.close()
        # The emulator's descriptors come back down.
        end = time.monotonic() + 5
        while time.monotonic() < end and fd_count(b.pid) > base_fds + 4:
            time.sleep(0.1)
        self.assertLessEqual(fd_count(b.pid), base_fds + 4)
        self.assertServed(b)

    def test_request_burst(self):
        b = self.serving()
        addr = b.api()[0]
        errors = []

        def hammer():
            try:
                s = socket.create_connection(addr, timeout=5)
                for _ in range(100):
                    s.sendall(request("GET", "/2018-06-01/runtime/invocation/0/nothing"))
                    if read_response(s, 5)[0] != 404:
                        errors.append("not 404")
                s.close()
            except OSError as e:
                errors.append(str(e))

        threads = [threading.Thread(target=hammer) for _ in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertServed(b)
        self.assertGreaterEqual(b.out().count("[runtime-api]"), 200)
        self.assertIn("further ones are counted, not printed", b.out())


class SlowClients(Base):
    def dribble(self, addr, head, count, seconds):
        socks = []
        for _ in range(count):
            s = socket.create_connection(addr, timeout=5)
            s.sendall(head)
            socks.append(s)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for s in socks:
                try:
                    s.send(b"x")
                except OSError:
                    pass
            time.sleep(0.1)
        return socks

    def test_slow_headers(self):
        b = self.serving()
        addr = b.api()[0]
        socks = self.dribble(addr, b"GET /slow HTTP/1.1\r\nX-Slow: ", 300, 2.5)
        for s in socks:
            s.close()
        self.assertServed(b)

    def test_slow_bodies(self):
        b = self.serving()
        addr = b.api()[0]
        head = (b"POST /2018-06-01/runtime/invocation/slow/response HTTP/1.1\r\n"
                b"Host: x\r\nContent-Length: 100000\r\n\r\n")
        socks = self.dribble(addr, head, 200, 2.5)
        for s in socks:
            s.close()
        self.assertServed(b)

    def test_clients_that_never_read(self):
        b = self.serving()
        addr = b.api()[0]
        socks = []
        for _ in range(20):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(5)
            s.connect(addr)
            try:
                s.sendall(request("GET", "/never-read") * 2000)
            except OSError:
                pass
            socks.append(s)
        time.sleep(1)
        for s in socks:
            s.close()
        self.assertServed(b)


class Abandoned(Base):
    def test_abandoned_requests(self):
        b = self.serving()
        addr = b.api()[0]
        for raw in (b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost",
                    b"POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\n"
                    b"Content-Length: 100\r\n\r\n{\"partial\":",
                    request("GET", "/2018-06-01/runtime/invocation/next"),
                    request("GET", "/2020-01-01/extension/event/next",
                            headers=[b"Lambda-Extension-Identifier: nobody"])):
            for _ in range(20):
                s = socket.create_connection(addr, timeout=5)
                s.sendall(raw)
                if random.random() < 0.5:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset
                s.close()
            time.sleep(0.05)
        self.assertServed(b)


class NonUtf8(Base):
    def test_requests(self):
        b = self.serving()
        addr = b.api()[0]
        for raw in (request("GET", b"/\xff\xfe"),
                    request("\xff".encode("latin-1").decode("latin-1"), "/x"),
                    request("GET", "/x", headers=[b"\xff\xfe: \xff"]),
                    request("POST", b"/2018-06-01/runtime/invocation/\xc3\x28/error", b"{}",
                            [b"Lambda-Runtime-Function-Error-Type: \xff\x1b[31m"]),
                    request("POST", "/2020-01-01/extension/register", b'{"events":[]}',
                            [b"Lambda-Extension-Name: \xff\x00\x1b"]),
                    request("POST", "/2018-06-01/runtime/init/error", b"\xff\xff",
                            [b"Lambda-Runtime-Function-Error-Type: \xed\xa0\x80"])):
            status, _, body = http(addr, raw, timeout=3)
            self.assertIn(status, REJECTED, raw[:60])
            self.assertJsonError(status, body)
        self.assertServed(b)
        self.assertNotIn("\x1b", b.out())

    def test_command_line_and_files(self):
        with tempfile.TemporaryDirectory() as d:
            # A function path, a --json path and --handler with 0xff bytes.
            weird_dir = os.path.join(os.fsencode(d), b"fn\xff")
            os.mkdir(weird_dir)
            exe = os.path.join(weird_dir, b"echo")
            os.symlink(os.fsencode(fn("echo")), exe)
            out = os.path.join(os.fsencode(d), b"run\xff.json")
            p = subprocess.run([os.fsencode(a) for a in RUN] +
                               [b"--json", out, b"--handler", b"h\xff", b"--invocations", b"2",
                                exe, b"\xff"], capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out, "rb") as f:
                doc = json.loads(f.read().decode("utf-8"))
            self.assertEqual(doc["function"]["path"].encode("utf-8"),
                             os.path.join(os.fsencode(d), "fn\ufffd".encode(), b"echo"))
            self.assertEqual([i["status"] for i in doc["invocations"]], ["success"] * 2)
            self.assertNotIn(b"\xff", p.stdout.split(b"\n")[0])  # escaped in "[run] ..."
            # Not JSON (invalid UTF-8 is not JSON): one clear line, exit 2.
            ev = os.path.join(d, "ev.jsonl")
            with open(ev, "wb") as f:
                f.write(b'{"a":"\xff"}\n')
            p = subprocess.run(RUN + ["--events", ev, fn("echo")], capture_output=True,
                               timeout=10)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(p.stderr.count(b"\n"), 1, p.stderr)
            self.assertIn(b"line 1 is not JSON", p.stderr)
            # An option value with a newline stays one line.
            p = subprocess.run(RUN + ["--timeout", "1\n2", fn("echo")], capture_output=True,
                               timeout=10)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(p.stderr, b"serverless-tidy run: error: invalid value '1\\x0a2' "
                                       b"for --timeout: expected seconds in (0, 900]\n")


class Signals(Base):
    """Signals at random moments of a concurrency-4 run with forked
    children (test_reliability.Interrupts covers each phase on its own)."""

    def test_random_moments(self):
        rng = random.Random(15)
        sigs = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
        for k in range(6):
            sig = sigs[k % 3]
            b = Background(["--invocations", "400", "--concurrency", "4", "--idle", "50"],
                           fn("forker"))
            self.addCleanup(b.cleanup)
            delay = rng.uniform(0, 1.2) if k else 0.0
            end = time.monotonic() + delay
            while time.monotonic() < end:
                b.note_pids()
                time.sleep(0.01)
            b.signal(sig)
            rc = b.wait(20)
            kids = [int(x) for x in re.findall(r"(?:child|daemon)=(\d+)", b.out())]
            # Before the emulator has blocked the signals (the first
            # milliseconds, nothing created yet) the default action ends it.
            self.assertIn(rc, (128 + sig, -sig), "delay %.2f: %s" % (delay, b.err()))
            doc = b.json()
            if doc is not None:  # a signal before the run is set up: no document
                self.assertIs(doc["incomplete"], True)
                self.assertIn(SIGNAME[sig], doc["incomplete_reason"])
            self.assertClean(b, kids)

    def test_second_signal_is_immediate(self):
        b = Background(["--invocations", "2", "--extension", "x", "--shutdown-grace", "20000"],
                       fn("sigterm"), ["slow"])
        self.addCleanup(b.cleanup)
        b.wait_line(r"^sigterm: SIGTERM received, slow shutdown")
        b.signal(signal.SIGINT)
        b.signal(signal.SIGINT)
        rc = b.wait(15)
        self.assertEqual(rc, 130)
        self.assertIs(b.json()["incomplete"], True)
        self.assertClean(b)


class Soak(Base):
    """10,000 invocations at concurrency 4: the emulator's descriptors and
    memory stay flat (the shim is on: its default)."""

    def test_soak(self):
        n = int(os.environ.get("SOAK_INVOCATIONS", "10000"))
        b = Background(["--invocations", str(n), "--concurrency", "4", "--timeout", "2"],
                       fn("echo"), json_out=False)
        self.addCleanup(b.cleanup)
        samples = []  # (invocations done, rss kB, fds)
        while b.p.poll() is None:
            try:
                with open(b.out_path, "rb") as f:
                    done = f.read().count(b"\nREPORT RequestId: ")
                samples.append((done, rss_kb(b.pid), fd_count(b.pid)))
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        rc = b.wait(5)
        seconds = b.seconds
        self.assertEqual(rc, 0, b.err())
        self.assertRegex(b.out(), r"\[run\] summary: %d invocation\(s\): %d success; "
                         r"4 environment\(s\), 4 cold start\(s\)" % (n, n))
        self.assertLess(seconds, 60)
        steady = [s for s in samples if 0.1 * n <= s[0] <= 0.95 * n]
        self.assertGreater(len(steady), 5, samples)
        rss = [s[1] for s in steady]
        fds = [s[2] for s in steady]
        msg = "rss %s fds %s" % (rss, fds)
        # Descriptors: a few come and go (cgroup and /proc files read while
        # freezing, connections being closed); no trend.
        third = max(1, len(fds) // 3)
        self.assertLessEqual(max(fds) - min(fds), 10, msg)
        self.assertLessEqual(sum(fds[-third:]) / third, sum(fds[:third]) / third + 2, msg)
        # Memory: flat within 4 MB (the shim observer keeps ~50 bytes per
        # invocation: which environment process ran it).
        self.assertLess(max(rss) - rss[0], 4096, msg)  # kB
        print("\nsoak: %d invocations at concurrency 4 in %.1f s; emulator RSS %d-%d kB, "
              "fds %d-%d over %d samples" % (n, seconds, min(rss), max(rss), min(fds),
                                             max(fds), len(steady)))
        self.assertClean(b)


if __name__ == "__main__":
    unittest.main()
