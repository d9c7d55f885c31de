"""End-to-end tests of `serverless-tidy verify` over a real multi-file function.

    SERVERLESS_TIDY=... VERIFY_FUNCTIONS=... VERIFY_SOURCES=... LAMBDA_LOOP_DIR=... \
        python3 test_verify.py <test>

The function (functions/bad, functions/fixed) is built by CMake with -O0 -g
over test/e2e/functions/lambda_loop; here each test writes a compilation
database for its sources (the static half), starts redis-server on loopback
(the peer) and runs `verify`. Expected lines are found by markers in the
sources, never hard-coded.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # test/e2e: servers.py
from servers import PostgresServer, RedisServer  # noqa: E402

TOOL = os.environ["SERVERLESS_TIDY"]
FN = os.environ["VERIFY_FUNCTIONS"]
SRC = os.environ.get("VERIFY_SOURCES", os.path.join(HERE, "functions"))
LOOP = os.environ["LAMBDA_LOOP_DIR"]
FILES = ["main.cpp", "cache.cpp", "audit.cpp", "rare.cpp", "db.cpp", "notify.cpp"]
CHECK_HS = "serverless-handler-scope-client"
CHECK_UR = "serverless-unclosed-resource"
CHECK_MD = "serverless-missing-deadline"
CHECK_SH = "serverless-missing-shutdown-hook"


class HttpServer:
    """A loopback HTTP endpoint for the function's notifications (stands in
    for a web API); counts the requests it answered."""

    def __enter__(self):
        import http.server
        import threading
        outer = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints: a reused client reconnects never

            def do_GET(self):
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

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


def line_of(variant, source, marker):
    path = os.path.join(SRC, variant, source)
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return os.path.realpath(path), i
    raise AssertionError("marker %s not in %s" % (marker, path))


def check(cond, what, doc=None):
    if not cond:
        if doc is not None:
            print(json.dumps(doc, indent=1)[:12000])
        raise AssertionError(what)


class Workspace:
    """A build directory with a compilation database of one variant."""

    def __init__(self, variant, files=FILES, includes=()):
        self.variant = variant
        self.tmp = tempfile.mkdtemp(prefix="st-verify-")
        self.build = os.path.join(self.tmp, "build")
        os.makedirs(self.build)
        src = os.path.realpath(os.path.join(SRC, variant))
        incs = []
        for d in [LOOP, src, "/usr/include/postgresql"] + list(includes):
            incs += ["-I", d]
        db = [{"directory": src,
               "file": os.path.join(src, f),
               "arguments": ["/usr/bin/clang++-19", "-std=c++17"] + incs +
                            ["-c", os.path.join(src, f), "-o", os.path.join(self.build, f + ".o")]}
              for f in files]
        with open(os.path.join(self.build, "compile_commands.json"), "w") as f:
            json.dump(db, f, indent=1)

    def verify(self, args, peers=None, expect=None, binary=None):
        out = os.path.join(self.tmp, "verify.json")
        cmd = [TOOL, "verify", "-p", self.build, "-j", "1", "--json", out, "--timeout", "3"]
        if peers is not None:
            redis, pg, web = peers
            cmd += ["--env", "REDIS_PORT=%d" % redis.port,
                    "--env", "PG_CONNINFO=host=127.0.0.1 port=%d user=postgres dbname=postgres" % pg.port,
                    "--env", "NOTIFY_URL=http://127.0.0.1:%d/notify" % web.port]
        cmd += args + [os.path.join(FN, binary or self.variant)]
        print("$ " + " ".join(cmd))
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=280)
        print(proc.stdout[-6000:])
        print(proc.stderr[-4000:])
        if expect is not None:
            check(proc.returncode == expect, "exit %d, expected %d" % (proc.returncode, expect))
        doc = None
        if os.path.exists(out):
            with open(out) as f:
                doc = json.load(f)
        return proc, doc

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def findings_at(doc, check_name, path, line):
    return [f for f in doc["findings"]
            if f["check"] == check_name and f["file"] == path and f["line"] == line]


def one(doc, check_name, path, line):
    fs = findings_at(doc, check_name, path, line)
    check(len(fs) == 1, "one %s finding at %s:%d, got %d" % (check_name, path, line, len(fs)), doc)
    return fs[0]


def test_bad():
    ws = Workspace("bad")
    try:
        with RedisServer() as redis, PostgresServer() as pg, HttpServer() as web:
            proc, doc = ws.verify(["--invocations", "5"], (redis, pg, web), expect=1)
        check(doc["schema"] == "serverless-tidy-verify/1", "schema", doc)
        check(sorted(doc.keys()) == ["findings", "runtime_only", "schema"], "top-level keys", doc)
        for f in doc["findings"]:
            check(os.path.isabs(f["file"]), "absolute file: %s" % f["file"], doc)
            check(f["verdict"] in ("confirmed", "not-reproduced", "not-exercised"), "verdict word", doc)
        # Deterministic order: file, line, column, check.
        keys = [(f["file"], f["line"], f["column"], f["check"]) for f in doc["findings"]]
        check(keys == sorted(keys), "findings sorted", doc)

        # A redis client per invocation: a new connection to the peer in each
        # of the 5 invocations (4 warm), and the descriptor left open.
        cache, cline = line_of("bad", "cache.cpp", "CACHE-SITE")
        hs = one(doc, CHECK_HS, cache, cline)
        check(hs["verdict"] == "confirmed", "handler-scope-client confirmed", doc)
        ev = hs["evidence"]
        check(ev["peer"] == "127.0.0.1:%d" % redis.port, "peer is the redis server", doc)
        check(ev["connections"] == 5 and ev["warm_invocations"] == 4, "5 connections, 4 warm", doc)
        check(len({i["request_id"] for i in ev["invocations"]}) == 5, "5 request ids", doc)
        ur = one(doc, CHECK_UR, cache, cline)
        check(ur["verdict"] == "confirmed" and ur["evidence"]["runtime_kind"] == "tcp",
              "leaked redis connection confirmed as tcp descriptors", doc)
        check(ur["evidence"]["left_open"] == 5, "5 left open", doc)
        check(ur["evidence"]["emfile_projected_at"] > 5, "EMFILE projected", doc)
        # redisCommand on a context without a timeout: with the peer replaced
        # by a loopback tarpit (REDIS_PORT reaches the function through
        # --env), the invocation times out blocked in that call.
        _, kline = line_of("bad", "cache.cpp", "COMMAND-SITE")
        md = one(doc, CHECK_MD, cache, kline)
        check(md["verdict"] == "confirmed", "missing deadline confirmed by the tarpit", doc)
        check(md["evidence"]["invocation"]["status"] == "timeout" and md["evidence"]["scenario"] == "tarpit",
              "a timed-out invocation of the tarpit run", doc)
        check("in place of 127.0.0.1:%d" % redis.port in md["evidence"]["tarpit"], "the tarpit stood in for redis", doc)
        check(md["evidence"]["blocked_ms"] >= 1000, "blocked for most of the 3 s timeout", doc)
        stack = md["evidence"]["stack"]
        check(any(fr.startswith("%s:%d " % (cache, kline)) for fr in stack) and
              any("main.cpp" in fr and "(handle)" in fr for fr in stack),
              "the blocked stack runs from the handler to the call", doc)
        # redisConnect: a loopback connect to the tarpit completes, so the
        # fault does not reproduce it, and verify says so.
        for f in findings_at(doc, CHECK_MD, cache, cline):
            check(f["verdict"] == "not-reproduced" and "tarpit" in f["evidence"]["reason"], "connect: honest", doc)

        # The audit log: opened on a header line (app.h) through a call in
        # audit.cpp; whichever line the finding is on, the ledger's inline
        # chain reaches it.
        audit_call = line_of("bad", "audit.cpp", "AUDIT-CALL")
        audit_open = line_of("bad", "app.h", "AUDIT-OPEN")
        au = findings_at(doc, CHECK_UR, *audit_call) + findings_at(doc, CHECK_UR, *audit_open)
        check(len(au) >= 1, "an unclosed-resource finding for the audit log", doc)
        for f in au:
            check(f["verdict"] == "confirmed" and f["evidence"]["runtime_kind"] == "stream",
                  "audit log leak confirmed (stream)", doc)
            check(f["evidence"]["left_open"] == 5, "one stream per invocation", doc)

        # The export never runs with the default event.
        rare, rline = line_of("bad", "rare.cpp", "RARE-SITE")
        check(one(doc, CHECK_UR, rare, rline)["verdict"] == "not-exercised", "rare export not exercised", doc)

        # The init-scope session: open when SIGTERM came, still open at the end.
        main, mline = line_of("bad", "main.cpp", "SESSION-SITE")
        sh = one(doc, CHECK_SH, main, mline)
        check(sh["verdict"] == "confirmed", "shutdown hook confirmed", doc)
        held = sh["evidence"]["open_at_shutdown"]
        check(held[0]["peer"] == "127.0.0.1:%d" % redis.port and held[0]["acquired"] == "init",
              "the session connection was open at shutdown", doc)

        # A PostgreSQL connection per invocation (closed each time: no leak,
        # still a new connection to the server per call).
        db, dline = line_of("bad", "db.cpp", "DB-SITE")
        pgf = one(doc, CHECK_HS, db, dline)
        check(pgf["verdict"] == "confirmed" and pgf["evidence"]["peer"] == "127.0.0.1:%d" % pg.port and
              pgf["evidence"]["kind"] == "postgres-connection", "per-invocation PGconn confirmed", doc)
        check(findings_at(doc, CHECK_UR, db, dline) == [], "PQfinish'd: no leak finding", doc)

        # An HTTP client per call: curl_easy_init makes no descriptor; the
        # connects inside curl_easy_perform on the handle made there (the
        # ledger records the handle at creation) confirm it.
        notify, nline = line_of("bad", "notify.cpp", "NOTIFY-INIT")
        cu = one(doc, CHECK_HS, notify, nline)
        check(cu["verdict"] == "confirmed" and cu["evidence"]["match"] == "handle" and
              cu["evidence"]["peer"] == "127.0.0.1:%d" % web.port and cu["evidence"]["connections"] == 5,
              "per-invocation CURL handle confirmed through its function", doc)
        check(web.requests >= 5, "the endpoint saw the requests")
        # curl_easy_perform without a timeout, its endpoint replaced by a tarpit.
        _, pline = line_of("bad", "notify.cpp", "NOTIFY-PERFORM")
        pf = one(doc, CHECK_MD, notify, pline)
        check(pf["verdict"] == "confirmed" and "in place of 127.0.0.1:%d" % web.port in pf["evidence"]["tarpit"],
              "curl_easy_perform blocked at the deadline on the tarpit", doc)

        check(doc["runtime_only"] == [], "nothing unexplained", doc)
        # Terminal: a line per finding, then the table.
        check("cache.cpp:%d:" % cline in proc.stdout, "terminal names the cache site")
        check("confirmed [%s]" % CHECK_HS in proc.stdout, "terminal verdict line")
        check("not reproduced" in proc.stdout and "runtime only" in proc.stdout, "summary table")
    finally:
        ws.close()


def test_fixed():
    ws = Workspace("fixed")
    try:
        with RedisServer() as redis, PostgresServer() as pg, HttpServer() as web:
            proc, doc = ws.verify(["--invocations", "5"], (redis, pg, web), expect=0)
        check(doc["findings"] == [], "the fixed function has no finding", doc)
        check(doc["runtime_only"] == [], "and no runtime evidence of a defect", doc)
    finally:
        ws.close()


def test_events():
    # The export runs when the event asks for it: the same finding goes from
    # not exercised to confirmed.
    ws = Workspace("bad")
    events = os.path.join(ws.tmp, "events.jsonl")
    with open(events, "w") as f:
        for i in range(4):
            f.write(json.dumps({"export": True, "n": i}) + "\n")
    try:
        with RedisServer() as redis, PostgresServer() as pg, HttpServer() as web:
            proc, doc = ws.verify(["--events", events], (redis, pg, web), expect=1)
        rare, rline = line_of("bad", "rare.cpp", "RARE-SITE")
        f = one(doc, CHECK_UR, rare, rline)
        check(f["verdict"] == "confirmed" and f["evidence"]["left_open"] == 4, "export leak confirmed", doc)
        check(len(f["evidence"]["invocations"]) == 4, "4 invocations from 4 events", doc)
    finally:
        ws.close()


def test_nodebug():
    # The same function built without -g: the ledger's stacks have no source
    # lines, so nothing can be placed -- every verdict is not-reproduced with
    # that reason, none is "not exercised", and stderr says to build with -g.
    ws = Workspace("bad")
    try:
        with RedisServer() as redis, PostgresServer() as pg, HttpServer() as web:
            proc, doc = ws.verify(["--invocations", "3"], (redis, pg, web), expect=0, binary="bad-nodebug")
        check(doc["findings"], "the static half still finds the defects", doc)
        for f in doc["findings"]:
            check(f["verdict"] == "not-reproduced", "no verdict without line information", doc)
        rare, rline = line_of("bad", "rare.cpp", "RARE-SITE")
        check("-g" in one(doc, CHECK_UR, rare, rline)["evidence"]["reason"], "the reason names -g", doc)
        check("build the function with -g" in proc.stderr, "a warning says so")
    finally:
        ws.close()


def test_alc():
    # The real aws-lambda-cpp client: the handler registered with run_handler
    # reaches store.cpp in another file; its leaks are confirmed, and the
    # client's own descriptors (Runtime API connection, libcurl's wakeup
    # pair) are neither evidence nor runtime-only entries.
    ws = Workspace("alc", files=["main.cpp", "store.cpp"], includes=[os.environ["ALC_INCLUDE"]])
    try:
        with RedisServer() as redis:
            cmd_peers = ["--env", "REDIS_PORT=%d" % redis.port]
            proc, doc = ws.verify(["--invocations", "4"] + cmd_peers, None, expect=1, binary="alc")
        store, rline = line_of("alc", "store.cpp", "ALC-REDIS")
        hs = one(doc, CHECK_HS, store, rline)
        check(hs["verdict"] == "confirmed" and hs["evidence"]["peer"] == "127.0.0.1:%d" % redis.port and
              hs["evidence"]["connections"] == 4, "redis client per invocation confirmed", doc)
        check(one(doc, CHECK_UR, store, rline)["verdict"] == "confirmed", "its leak confirmed", doc)
        _, lline = line_of("alc", "store.cpp", "ALC-LOG")
        lg = one(doc, CHECK_UR, store, lline)
        check(lg["verdict"] == "confirmed" and lg["evidence"]["runtime_kind"] == "stream" and
              lg["evidence"]["left_open"] == 4, "the log leak confirmed", doc)
        check(doc["runtime_only"] == [], "nothing of the runtime client reported", doc)
    finally:
        ws.close()


def test_handles():
    # Clients made on one line and connected on another (issue 19's handle
    # -> site mapping): a libcurl handle made per invocation in
    # app::make_client (client.cpp), kept in a list and performed by
    # app::send (net.cpp), where make_client is never on the stack -- joined
    # through the handle the ledger recorded at curl_easy_init; and a
    # pqxx::connection, which connects inside libpq under its constructor,
    # joined at the constructor's line through the stack.
    ws = Workspace("handles", files=["main.cpp", "client.cpp", "net.cpp"], includes=[os.environ["ALC_INCLUDE"]])
    try:
        with PostgresServer() as pg, HttpServer() as web:
            peers = ["--env", "NOTIFY_URL=http://127.0.0.1:%d/notify" % web.port,
                     "--env", "PGHOST=127.0.0.1", "--env", "PGPORT=%d" % pg.port]
            proc, doc = ws.verify(["--invocations", "4"] + peers, None, expect=1, binary="handles")
        init = line_of("handles", "client.cpp", "HANDLE-INIT")
        call = line_of("handles", "main.cpp", "HANDLE-CALL")
        hs = findings_at(doc, CHECK_HS, *init) + findings_at(doc, CHECK_HS, *call)
        check(len(hs) >= 1, "a handler-scope-client finding for the HTTP client", doc)
        for f in hs:
            ev = f["evidence"]
            check(f["verdict"] == "confirmed" and ev["peer"] == "127.0.0.1:%d" % web.port and ev["connections"] == 4,
                  "a new connection to the endpoint in each of 4 invocations", doc)
            if f["file"] == init[0]:
                check(ev["match"] == "handle", "make_client's finding joined through the handle", doc)
        check(web.requests == 4, "the endpoint answered 4 requests")
        db = one(doc, CHECK_HS, *line_of("handles", "main.cpp", "PQXX-SITE"))
        check(db["verdict"] == "confirmed" and db["evidence"]["match"] == "line" and
              db["evidence"]["peer"] == "127.0.0.1:%d" % pg.port and db["evidence"]["connections"] == 4,
              "pqxx::connection per invocation joined at its constructor's line", doc)
        check(not any(r["kind"] == "connection-per-invocation" for r in doc["runtime_only"]),
              "no connection left unexplained", doc)
        # The handles are kept and never cleaned up (no check flags a handle
        # stored in a global list): their sockets grow, reported where the
        # handles were made, not inside send().
        growth = [r for r in doc["runtime_only"] if r["kind"] == "fd-growth"]
        check(len(growth) == 1 and (growth[0]["file"], growth[0]["line"]) == init and
              growth[0]["evidence"]["runtime_kind"] == "tcp", "the handles' sockets grow at make_client", doc)
    finally:
        ws.close()


def test_sarif():
    ws = Workspace("bad")
    sarif = os.path.join(ws.tmp, "verify.sarif")
    try:
        with RedisServer() as redis, PostgresServer() as pg, HttpServer() as web:
            proc, doc = ws.verify(["--invocations", "3", "--sarif", sarif, "--fail-on", "none"], (redis, pg, web), expect=0)
        with open(sarif) as f:
            log = json.load(f)
        results = log["runs"][0]["results"]
        check(len(results) == len(doc["findings"]), "one result per finding", log)
        for r, f in zip(results, doc["findings"]):
            check(r["ruleId"] == f["check"], "same order", log)
            check(r["properties"]["verdict"] == f["verdict"], "verdict in properties", log)
            check("summary" in r["properties"]["evidence"], "evidence in properties", log)
        v = subprocess.run([sys.executable, os.environ["SARIF_VALIDATE"], "--prefix", os.environ["NPM_PREFIX"], sarif],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=600)
        print(v.stdout)
        check(v.returncode == 0, "the SARIF Multitool accepts the log")
    finally:
        ws.close()


def test_options():
    ws = Workspace("bad")
    try:
        # Bad input: exit 2 with one line naming it, before anything runs.
        p = subprocess.run([TOOL, "verify", os.path.join(FN, "bad")], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        check(p.returncode == 2 and "-p" in p.stderr, "no -p: exit 2")
        p = subprocess.run([TOOL, "verify", "-p", ws.build, "--fail-on", "sometimes", os.path.join(FN, "bad")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        check(p.returncode == 2 and "--fail-on" in p.stderr, "bad --fail-on: exit 2")
        p = subprocess.run([TOOL, "verify", "-p", ws.build, os.path.join(FN, "no-such-fn")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        check(p.returncode == 2 and "no-such-fn" in p.stderr, "missing binary: exit 2")
        with RedisServer() as redis, PostgresServer() as pg, HttpServer() as web:
            # --fail-on any fails on any finding; the same run twice gives the
            # same document (deterministic order and evidence).
            _, d1 = ws.verify(["--invocations", "3", "--fail-on", "any"], (redis, pg, web), expect=1)
            _, d2 = ws.verify(["--invocations", "3", "--fail-on", "none"], (redis, pg, web), expect=0)

            def strip(d):  # ids, ports, pids and blocked times are per run; order and verdicts are not
                return ([(f["check"], f["file"], f["line"], f["column"], f["verdict"], sorted(f["evidence"]))
                         for f in d["findings"]],
                        [(r["kind"], r["file"], r["line"]) for r in d["runtime_only"]])
            check(strip(d1) == strip(d2), "deterministic")
            # --max-seconds bounds the whole verification.
            t0 = time.monotonic()
            p3, d3 = ws.verify(["--invocations", "400", "--idle", "100", "--max-seconds", "8", "--fail-on", "none"],
                               (redis, pg, web), expect=0)
            took = time.monotonic() - t0
            check(took < 30, "--max-seconds 8 bounded the run (took %.1f s)" % took)
            check(d3 is not None and "--max-seconds reached" in p3.stderr, "a cut run still reports, and says so")
            hs = [f for f in d3["findings"] if f["check"] == CHECK_HS]
            check(hs and hs[0]["verdict"] == "confirmed", "what was observed before the cut is joined", d3)
    finally:
        ws.close()


def test_runtime_only():
    # With serverless-unclosed-resource off, the audit log's growth is
    # evidence no finding explains: reported as runtime only, at the frame
    # where the descriptor is made (the header line). Two environments side
    # by side: the per-invocation redis client is confirmed from both.
    ws = Workspace("bad")
    try:
        with RedisServer() as redis, PostgresServer() as pg, HttpServer() as web:
            proc, doc = ws.verify(["--checks=-*,serverless-handler-scope-client,serverless-missing-shutdown-hook",
                                   "--invocations", "6", "--concurrency", "2"], (redis, pg, web), expect=1)
        check(all(f["check"] != CHECK_UR for f in doc["findings"]), "the check is off", doc)
        path, aline = line_of("bad", "app.h", "AUDIT-OPEN")
        ro = [r for r in doc["runtime_only"] if r["kind"] == "fd-growth" and r["file"] == path and r["line"] == aline]
        check(len(ro) == 1, "audit log growth reported as runtime only at app.h", doc)
        check(ro[0]["evidence"]["runtime_kind"] == "stream" and ro[0]["evidence"]["left_open"] == 6,
              "one stream per invocation", doc)
        check("runtime-only [fd-growth]" in proc.stdout, "terminal line for it")
        cache, cline = line_of("bad", "cache.cpp", "CACHE-SITE")
        hs = one(doc, CHECK_HS, cache, cline)
        check(hs["verdict"] == "confirmed" and hs["evidence"]["environments"] == 2 and
              hs["evidence"]["connections"] == 6, "6 connections from 2 environments", doc)
        # The redis descriptors leak too, but a finding claims that site.
        check(not any(r["file"] == cache for r in doc["runtime_only"]), "claimed sites are not runtime only", doc)
    finally:
        ws.close()


def test_html():
    # One self-contained page: per finding its code and verdict, and the
    # three per-invocation charts drawn (an SVG polyline with a point per
    # invocation): parsed here, then rendered in headless Chromium
    # (render_charts: the DOM as the browser builds it, and screenshots whose
    # pixels show each chart's series).
    from html.parser import HTMLParser

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.charts, self.findings, self.external, self.scripts = {}, [], [], 0
            self.chart = None
            self.pre = None
            self.code = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "svg" and a.get("class") == "chart":
                self.chart = a["id"]
                self.charts[self.chart] = {"points": int(a["data-points"]), "polyline": 0}
            if tag == "polyline" and self.chart:
                self.charts[self.chart]["polyline"] = len(a["points"].split())
            if tag == "div" and a.get("class") == "finding":
                self.findings.append(a.get("data-verdict"))
            if tag == "pre" and a.get("class") == "code":
                self.pre = []
            if tag == "script":
                self.scripts += 1
            for k in ("src", "href"):
                if k in a:
                    self.external.append(a[k])

        def handle_endtag(self, tag):
            if tag == "svg":
                self.chart = None
            if tag == "pre" and self.pre is not None:
                self.code.append("".join(self.pre))
                self.pre = None

        def handle_data(self, data):
            if self.pre is not None:
                self.pre.append(data)

    ws = Workspace("bad")
    page = os.path.join(ws.tmp, "verify.html")
    try:
        with RedisServer() as redis, PostgresServer() as pg, HttpServer() as web:
            proc, doc = ws.verify(["--invocations", "4", "--html", page, "--fail-on", "none"], (redis, pg, web), expect=0)
        p = Page()
        with open(page) as f:
            p.feed(f.read())
        check(sorted(p.charts) == ["chart-connections", "chart-fds", "chart-rss"], "three charts: %s" % p.charts)
        for name, c in p.charts.items():
            check(c["points"] == 4 and c["polyline"] == 4, "%s: a point per invocation: %s" % (name, c))
        check(p.findings == [f["verdict"] for f in doc["findings"]], "a block per finding, same order and verdicts")
        check(any("CACHE-SITE" in c for c in p.code), "the cache site's code is shown")
        check(p.scripts == 0 and p.external == [], "self-contained: %s" % p.external)
        render_charts(page, ws.tmp, 4)
    finally:
        ws.close()


def read_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit, non-interlaced RGB or
    RGBA PNG (what Chromium's --screenshot writes)."""
    import struct
    import zlib
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "%s is a PNG" % path)
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, color, _, _, interlace = ihdr
    check(depth == 8 and color in (2, 6) and interlace == 0, "8-bit RGB(A) PNG: %s" % (ihdr,))
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytes(stride), 0
    add = lambda a, b: (a + b) & 255  # noqa: E731
    for _ in range(h):
        ft, line = raw[i], raw[i + 1:i + 1 + stride]
        i += 1 + stride
        if ft == 2:  # Up, most rows of a screenshot: no dependency along the row
            line = bytes(map(add, line, prev))
        elif ft != 0:
            line = bytearray(line)
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                if ft == 1:
                    line[x] = (line[x] + a) & 255
                elif ft == 3:
                    line[x] = (line[x] + (a + b) // 2) & 255
                else:
                    c = prev[x - bpp] if x >= bpp else 0
                    p_ = a + b - c
                    pa, pb, pc = abs(p_ - a), abs(p_ - b), abs(p_ - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            line = bytes(line)
        rows.append(line if bpp == 3 else bytes(v for k, v in enumerate(line) if k % 4 != 3))
        prev = line
    return w, h, rows


def pixel(rows, x, y):
    return rows[y][3 * x:3 * x + 3]


def chromium(args, tmp):
    """Headless Chromium (Debian's `chromium`, scripts/setup-debian.sh), in its
    own session, bounded, with a throw-away profile."""
    exe = shutil.which("chromium")
    check(exe is not None, "chromium is not installed (scripts/setup-debian.sh installs it)")
    profile = tempfile.mkdtemp(prefix="st-chromium-", dir=tmp)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
           "--user-data-dir=" + profile, "--window-size=1200,900"] + args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=90)
    finally:
        try:
            os.killpg(p.pid, 9)  # its zygote and helpers, if any stayed
        except ProcessLookupError:
            pass
        p.wait()
    check(p.returncode == 0, "chromium %s failed (%d): %s" % (args[-2:], p.returncode, err[-2000:]))
    return out


SERIES = (0xcc, 0x33, 0x33)  # svg.chart .series / .point (lib/Verify/Html.cpp)


def render_charts(page, tmp, invocations):
    # The page as Chromium parses it: each chart an SVG with one series
    # (a polyline) of one point per invocation, and a marker per point.
    from html.parser import HTMLParser

    class Dom(HTMLParser):
        def __init__(self):
            super().__init__()
            self.charts, self.chart = {}, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "svg" and a.get("class") == "chart":
                self.chart = a["id"]
                self.charts[self.chart] = {"series": [], "points": 0}
            elif tag == "polyline" and self.chart and a.get("class") == "series":
                self.charts[self.chart]["series"].append(len(a["points"].split()))
            elif tag == "circle" and self.chart and a.get("class") == "point":
                self.charts[self.chart]["points"] += 1

        def handle_endtag(self, tag):
            if tag == "svg":
                self.chart = None

    url = "file://" + os.path.abspath(page)
    d = Dom()
    d.feed(chromium(["--dump-dom", url], tmp))
    check(sorted(d.charts) == ["chart-connections", "chart-fds", "chart-rss"], "three charts in the DOM: %s" % d.charts)
    for name, c in d.charts.items():
        check(c["series"] == [invocations] and c["points"] == invocations,
              "%s: one series of %d points in the DOM: %s" % (name, invocations, c))

    # Drawn: a screenshot of the page as it is shows the series colour; a
    # second one, of a copy whose style gives each chart's series its own
    # colour, shows each of the three colours: every chart's one series is
    # on the screen, not just in the markup.
    with open(page) as f:
        html = f.read()

    def shot(name, extra_style):
        variant = os.path.join(tmp, name + ".html")
        with open(variant, "w") as f:
            f.write(html.replace("</style>", extra_style + "</style>", 1))
        png = os.path.join(tmp, name + ".png")
        chromium(["--screenshot=" + png, "file://" + variant], tmp)
        return read_png(png)

    def count(rows, w, h, rgb):
        n = 0
        for y in range(h):
            row = rows[y]
            for x in range(0, 3 * w, 3):
                if abs(row[x] - rgb[0]) <= 40 and abs(row[x + 1] - rgb[1]) <= 40 and abs(row[x + 2] - rgb[2]) <= 40:
                    n += 1
        return n

    w, h, base = shot("page", "")
    n = count(base, w, h, SERIES)
    check(n > 300, "the screenshot shows the series colour (%d pixels)" % n)
    check(len({pixel(base, x, y) for y in range(0, h, 9) for x in range(0, w, 9)}) > 10, "the page is not blank")
    colours = {"chart-fds": (0, 0, 255), "chart-connections": (0, 160, 0), "chart-rss": (255, 0, 255)}
    style = "".join("#%s .series{stroke:rgb%s}#%s .point{fill:rgb%s}" % (c, rgb, c, rgb) for c, rgb in colours.items())
    w, h, each = shot("series", style)
    check(count(each, w, h, SERIES) < n / 10, "restyled: the original series colour is gone")
    for chart, rgb in colours.items():
        k = count(each, w, h, rgb)
        check(k > 100, "%s: its series is drawn (%d pixels of its colour)" % (chart, k))
        print("%s: %d series pixels" % (chart, k))


if __name__ == "__main__":
    globals()["test_" + sys.argv[1]]()
    print("PASS", sys.argv[1])
