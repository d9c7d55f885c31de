#!/usr/bin/env python3
"""`serverless-tidy verify` over the five incident examples, with real peers.

    python3 examples/verify_examples.py [--build BUILD] [--out DIR] [INCIDENT ...]

For each incident (examples/incident-*/, built by examples/CMakeLists.txt into
BUILD/examples/<incident>/{bad,fixed}) this starts the incident's peers on
loopback, runs `verify` over the bad and the fixed function (the static half
over a compilation database of that variant's sources, taken from
BUILD/compile_commands.json), stops the peers, and at the end prints one
table: findings and verdicts per function, what the peer saw, wall time. The
reports (`--json`, and `--html` with the per-invocation charts) are
OUT/<incident>.<bad|fixed>.{json,html}.

Peers (test/e2e/servers.py starts redis-server and PostgreSQL; the others are
here): 000 a loopback HTTP endpoint standing in for DynamoDB; 001 PostgreSQL
with the `orders` row locked by another session (a slow database); 002 and
003 redis-server; 004 a Kafka "broker" that accepts connections and never
answers (a tarpit). Every peer is stopped on every way out: normal end,
an error, Ctrl-C or SIGTERM (then the running verify is interrupted first,
which ends its run in order). Nothing is left in /tmp.

Exit: 0 when every verify ran (exit 0 or 1: findings are what the examples
are for), 2 bad input (one line naming it), 3 a verify or a peer failed.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
from servers import PostgresServer, RedisServer  # noqa: E402

INCIDENTS = ["incident-000-dynamodb", "incident-001-postgres", "incident-002-redis",
             "incident-003-fd-leak", "incident-004-kafka"]
SOURCES = {"bad": "handler.cpp", "fixed": "handler_fixed.cpp"}


class Fail(Exception):
    """Bad input or a failed step: one line, then exit 2 or 3."""

    def __init__(self, msg, code=3):
        super().__init__(msg)
        self.code = code


class HttpEndpoint:
    """A loopback HTTP/1.1 endpoint standing in for DynamoDB: answers every
    POST with an empty item, keeps connections alive (as DynamoDB does), and
    counts the TCP connections it accepted and the requests it answered."""

    def __enter__(self):
        import http.server
        outer = self
        self.connections = 0
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                outer.connections += 1

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                outer.requests += 1
                body = b'{"Item":{}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def describe(self):
        return "HTTP endpoint (DynamoDB stand-in) on 127.0.0.1:%d" % self.port

    def seen(self):
        """Connections accepted and requests answered since the last look."""
        last = getattr(self, "_last", (0, 0))
        self._last = (self.connections, self.requests)
        return {"connections": self.connections - last[0], "requests": self.requests - last[1]}


class TarpitBroker:
    """A Kafka broker that accepts connections and never answers (what a
    client sees of brokers that stopped responding in time: librdkafka's
    REQTMOUT). Holds at most 64 connections; closes them all on exit."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.accepted = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self

    def _serve(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            if len(self.held) < 64:
                self.held.append(c)
            else:
                c.close()

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join(timeout=5)
        for c in self.held:
            c.close()
        self.sock.close()

    def describe(self):
        return "tarpit Kafka broker on 127.0.0.1:%d" % self.port

    def seen(self):
        """Connections accepted since the last look."""
        last, self._last = getattr(self, "_last", 0), self.accepted
        return {"connections": self.accepted - last}


class LockedDatabase:
    """PostgreSQL with an `orders` table whose row another session holds
    locked while the functions run: the slow database of incident 001 (a
    statement waits on the lock until something cancels it). The locking
    session is a psql process reading its commands from a pipe; it ends
    (and the lock with it) on exit."""

    PSQL = os.path.join(PostgresServer.BIN, "psql")

    def __enter__(self):
        self.pg = PostgresServer()
        self.pg.start()
        self.port = self.pg.port
        self.locker = None
        try:
            base = [self.PSQL, "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                    "-d", "postgres", "-v", "ON_ERROR_STOP=1"]
            # The port answers before the server accepts sessions ("the
            # database system is starting up"): retry for a few seconds.
            end = time.monotonic() + 15
            while True:
                p = subprocess.run(base + ["-c", "CREATE TABLE orders (id int PRIMARY KEY, status text);"
                                                 "INSERT INTO orders VALUES (1, 'new');"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, universal_newlines=True,
                                   timeout=30)
                if p.returncode == 0:
                    break
                if time.monotonic() > end:
                    raise Fail("incident-001: cannot create the orders table: %s" % p.stderr.strip())
                time.sleep(0.2)
            self.locker = subprocess.Popen(base + ["-t", "-A"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, universal_newlines=True,
                                           start_new_session=True)
            self.locker.stdin.write("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
            self.locker.stdin.flush()
            line = self.locker.stdout.readline().strip()
            if line != "locked":
                raise Fail("incident-001: the locking session did not take the lock (psql said %r)" % line)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.locker is not None and self.locker.poll() is None:
            try:
                self.locker.stdin.close()
            except OSError:
                pass
            try:
                self.locker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.locker.pid, signal.SIGKILL)
                self.locker.wait(timeout=5)
        self.pg.stop()

    def describe(self):
        return "PostgreSQL on 127.0.0.1:%d (pid %d, dir %s), orders row locked by psql (pid %d)" % (
            self.port, self.pg.proc.pid, self.pg.tmp, self.locker.pid)

    def seen(self):
        return {}


class Redis:
    def __enter__(self):
        self.r = RedisServer()
        self.r.start()
        self.port = self.r.port
        self.base = self._received()
        return self

    def __exit__(self, *exc):
        self.r.stop()

    def describe(self):
        return "redis-server on 127.0.0.1:%d (pid %d, dir %s)" % (self.port, self.r.proc.pid, self.r.tmp)

    def _received(self):
        for line in self.r.command("INFO", "stats").splitlines():
            if line.startswith("total_connections_received:"):
                return int(line.split(":")[1])
        return 0

    def seen(self):
        # Connections the server accepted since the last look (this look's
        # own connection and the previous look's excluded).
        now = self._received()
        n, self.base = max(0, now - self.base - 1), now
        return {"connections": n}


# Per incident: the peers, the verify options, and what the peer count means.
def peers_of(incident):
    if incident == "incident-000-dynamodb":
        return HttpEndpoint()
    if incident == "incident-001-postgres":
        return LockedDatabase()
    if incident in ("incident-002-redis", "incident-003-fd-leak"):
        return Redis()
    if incident == "incident-004-kafka":
        return TarpitBroker()
    raise Fail("unknown incident '%s' (one of: %s)" % (incident, ", ".join(INCIDENTS)), 2)


def verify_args(incident, peer):
    if incident == "incident-000-dynamodb":
        return ["--invocations", "5", "--env", "DYNAMODB_ENDPOINT=http://127.0.0.1:%d/" % peer.port]
    if incident == "incident-001-postgres":
        # Every invocation waits on the lock: three are enough, 2 s each.
        return ["--invocations", "3", "--timeout", "2",
                "--env", "PGHOST=127.0.0.1", "--env", "PGPORT=%d" % peer.port]
    if incident == "incident-002-redis":
        # Two environments side by side: connections x K.
        return ["--invocations", "6", "--concurrency", "2", "--env", "REDIS_PORT=%d" % peer.port]
    if incident == "incident-003-fd-leak":
        return ["--invocations", "5", "--env", "REDIS_PORT=%d" % peer.port]
    return ["--invocations", "3", "--timeout", "2", "--env", "KAFKA_BROKERS=127.0.0.1:%d" % peer.port]


def compile_db(build, incident, variant):
    """A build directory whose compile_commands.json has the variant's
    sources only (the entries CMake wrote for them)."""
    src = os.path.realpath(os.path.join(HERE, incident, SOURCES[variant]))
    path = os.path.join(build, "compile_commands.json")
    try:
        with open(path) as f:
            entries = json.load(f)
    except (OSError, ValueError) as e:
        raise Fail("%s: cannot read the compilation database: %s" % (path, e), 2)
    mine = [e for e in entries
            if os.path.realpath(os.path.join(e.get("directory", ""), e.get("file", ""))) == src]
    if not mine:
        raise Fail("%s: no entry for %s (configure the build with the examples: examples/CMakeLists.txt)"
                   % (path, src), 2)
    out = os.path.join(build, "examples", incident, variant + ".p")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "compile_commands.json"), "w") as f:
        json.dump(mine[:1], f, indent=1)
    return out


_child = None


def run_verify(tool, build, incident, variant, args, out_dir, quiet):
    global _child
    binary = os.path.join(build, "examples", incident, variant)
    if not os.access(binary, os.X_OK):
        raise Fail("%s: not built (cmake --build %s --target serverless-examples)" % (binary, build), 2)
    pdir = compile_db(build, incident, variant)
    report = os.path.join(out_dir, "%s.%s.json" % (incident, variant))
    page = os.path.join(out_dir, "%s.%s.html" % (incident, variant))
    # Not --quiet: verify's progress lines (stderr, kept) time the static half.
    cmd = [tool, "verify", "-p", pdir, "-j", "1", "--json", report, "--html", page] + args + [binary]
    print("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT + "/") else c for c in cmd), flush=True)
    t0 = time.monotonic()
    _child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        stdout, stderr = _child.communicate(timeout=300)
    except BaseException:
        # Interrupted (or the bound passed): verify ends its run in order on
        # SIGINT (kills the function, removes its files); then it is gone.
        _child.send_signal(signal.SIGINT)
        try:
            _child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _child.kill()
            _child.wait()
        # verify created the report before it ran (to refuse an unwritable
        # one); an interrupted run leaves it empty: not a report.
        for f in (report, page):
            if os.path.exists(f) and os.path.getsize(f) == 0:
                os.remove(f)
        raise
    finally:
        code = _child.returncode
        _child = None
    took = time.monotonic() - t0
    if not quiet:
        sys.stdout.write(stdout)
        sys.stdout.flush()
    if code not in (0, 1):
        sys.stderr.write(stderr)
        raise Fail("verify of %s/%s exited %d" % (incident, variant, code))
    with open(report) as f:
        doc = json.load(f)
    return doc, took, stdout, stderr


def static_seconds(stderr):
    """The static half's time from verify's first progress line
    (`... N findings in S s; running ...`), None when absent."""
    m = re.search(r"finding[s]? in ([0-9.]+) s; running", stderr)
    return float(m.group(1)) if m else None


def counts(doc):
    c = {"findings": len(doc["findings"]), "confirmed": 0, "not-reproduced": 0, "not-exercised": 0,
         "runtime-only": len(doc["runtime_only"])}
    for f in doc["findings"]:
        c[f["verdict"]] += 1
    return c


def verify_incident(tool, build, incident, out_dir, quiet=False):
    """Both variants of one incident against one set of peers. Returns
    {variant: {"doc", "seconds", "peer", "stdout", "stderr"}}."""
    results = {}
    with peers_of(incident) as peer:
        print("   peer: " + peer.describe(), flush=True)
        peer.seen()
        for variant in ("bad", "fixed"):
            doc, took, stdout, stderr = run_verify(tool, build, incident, variant, verify_args(incident, peer),
                                                   out_dir, quiet)
            results[variant] = {"doc": doc, "seconds": took, "static": static_seconds(stderr),
                                "peer": peer.seen(), "stdout": stdout, "stderr": stderr}
    return results


def table(all_results):
    lines = ["%-24s %-6s %8s %10s %15s %14s %13s %9s %8s %8s" % (
        "example", "fn", "findings", "confirmed", "not reproduced", "not exercised", "runtime only",
        "peer conn", "static s", "total s")]
    for incident, results in all_results:
        for variant in ("bad", "fixed"):
            r = results[variant]
            c = counts(r["doc"])
            conn = r["peer"].get("connections")
            st = r.get("static")
            lines.append("%-24s %-6s %8d %10d %15d %14d %13d %9s %8s %8.1f" % (
                incident, variant, c["findings"], c["confirmed"], c["not-reproduced"], c["not-exercised"],
                c["runtime-only"], "-" if conn is None else str(conn), "-" if st is None else "%.1f" % st,
                r["seconds"]))
    return "\n".join(lines) + "\n"


def _on_signal(signum, frame):
    # Unwinds through every `with` (peers stopped) and run_verify's handler
    # (verify interrupted first).
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", "build"))
    ap.add_argument("--tool", help="serverless-tidy (default: BUILD/bin/serverless-tidy)")
    ap.add_argument("--out", help="directory for the verify JSON reports (default: BUILD/examples/verify)")
    ap.add_argument("--quiet", action="store_true", help="only the table")
    ap.add_argument("incidents", nargs="*", help="default: all five")
    a = ap.parse_args(argv)
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, _on_signal)
    build = os.path.abspath(a.build)
    tool = a.tool or os.path.join(build, "bin", "serverless-tidy")
    try:
        if not os.access(tool, os.X_OK):
            raise Fail("%s: no serverless-tidy there (scripts/build.sh)" % tool, 2)
        names = a.incidents or INCIDENTS
        for n in names:
            if n not in INCIDENTS:
                raise Fail("unknown incident '%s' (one of: %s)" % (n, ", ".join(INCIDENTS)), 2)
        out = a.out or os.path.join(build, "examples", "verify")
        os.makedirs(out, exist_ok=True)
        all_results = []
        t0 = time.monotonic()
        for n in names:
            print("== %s" % n, flush=True)
            all_results.append((n, verify_incident(tool, build, n, out, a.quiet)))
        print("\n== serverless-tidy verify over the examples (%.0f s; reports in %s)" % (time.monotonic() - t0, out))
        sys.stdout.write(table(all_results))
        return 0
    except Fail as e:
        print("verify_examples: error: %s" % e, file=sys.stderr)
        return e.code
    except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as e:
        print("verify_examples: error: %s" % e, file=sys.stderr)
        return 3
    except KeyboardInterrupt as e:
        print("verify_examples: interrupted (%s); peers stopped" % (e or "SIGINT"), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
