"""End-to-end tests of libserverless-shim.so (Phase A: through shimdriver.py,
which plays the emulator's side of lib/Runtime/ShimProtocol.h).

    SHIM_LIB=... SHIM_REPORT=... SHIM_FUNCTIONS=... SHIM_SOURCES=... python3 test_shim.py <test>
"""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # test/e2e: servers.py
sys.path.insert(0, HERE)
from servers import PostgresServer, RedisServer  # noqa: E402
from shimdriver import Drainer, Emulator  # noqa: E402

SHIM = os.environ["SHIM_LIB"]
REPORT = os.environ["SHIM_REPORT"]
FN = os.environ["SHIM_FUNCTIONS"]
SRC = os.environ.get("SHIM_SOURCES", os.path.join(HERE, "functions"))
DRAIN = os.environ.get("SHIM_DRAIN", os.path.join(os.path.dirname(REPORT), "serverless-shim-drain"))


def line_of(source, marker):
    with open(os.path.join(SRC, source)) as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return "%s:%d" % (source, i)
    raise AssertionError("marker %s not in %s" % (marker, source))


def check(cond, what, data=None):
    if not cond:
        if data is not None:
            import json
            print(json.dumps(data, indent=1)[:6000])
        raise AssertionError(what)


def run_invocations(argv, n, env=None, **kw):  # kw: Emulator's (drain=DRAIN: ring mode)
    emu = Emulator(argv, SHIM, env=env, **kw).start()
    try:
        responses = [emu.invoke() for _ in range(n)]
        return emu, responses
    except BaseException:
        emu.kill()
        raise


def test_leak_fd():
    emu, resp = run_invocations([FN + "/leak_fd"], 12)
    emu.shutdown()
    check(all(r is not None for r in resp), "all invocations answered")
    rep = emu.report(REPORT)
    after = [i["fds_open_after"] for i in rep["invocations"]]
    check(all(b - a == 1 for a, b in zip(after, after[1:])), "+1 fd per invocation: %s" % after, rep)
    check(all(i["fds_opened"] == 1 and i["fds_closed"] == 0 for i in rep["invocations"]), "1 opened, 0 closed", rep)
    check(abs(rep["fds_per_invocation"] - 1.0) < 1e-6, "growth 1.0", rep)
    site = line_of("leak_fd.c", "LEAK-SITE") + " (handler)"
    check(rep["leak_sites"] and rep["leak_sites"][0]["site"] == site, "leak site %s" % site, rep)
    want = 12 + (1024 - after[-1])
    check(rep["emfile_projected_at"] == want, "EMFILE at %d" % want, rep)
    text = emu.summary(REPORT)
    print(text)
    check("+1.0 fd/invocation from %s; EMFILE" % site in text and "EMFILE projected at invocation %s" % format(want, ",") in text,
          "summary in words")
    # The kept-alive Runtime API socket is not a connection nor a leak.
    check(all(not i["connections_opened"] for i in rep["invocations"]), "runtime socket not counted", rep)


def test_redis_per_call():
    with RedisServer() as r:
        emu, resp = run_invocations([FN + "/redis_per_call"], 8, env={"REDIS_PORT": str(r.port)})
        clients = r.connected_clients()
        emu.shutdown()
    rep = emu.report(REPORT)
    site = line_of("redis_per_call.c", "CONN-SITE") + " (handler)"
    peer = "127.0.0.1:%d" % r.port
    for inv in rep["invocations"]:
        check([{"peer": c["peer"], "site": c["site"]} for c in inv["connections_opened"]] ==
              [{"peer": peer, "site": site}],
              "one connection to %s from %s per invocation" % (peer, site), rep)
    check(clients == 8, "redis INFO clients agrees: %d" % clients)
    check(any(c["peer"] == peer and c["per_invocation"] == 1.0 for c in rep["connection_sites"]), "connection site", rep)
    text = emu.summary(REPORT)
    print(text)
    check("1 new connection per invocation to %s from %s" % (peer, site) in text, "summary in words")
    check(abs(rep["fds_per_invocation"] - 1.0) < 1e-6, "the leaked client is +1 fd/invocation", rep)


def test_correct():
    with RedisServer() as r:
        emu, resp = run_invocations([FN + "/correct"], 10, env={"REDIS_PORT": str(r.port)})
        emu.shutdown()
    rep = emu.report(REPORT)
    after = [i["fds_open_after"] for i in rep["invocations"]]
    check(len(set(after[1:])) == 1, "0 growth after warm-up: %s" % after, rep)
    check(rep["fds_per_invocation"] == 0 and not rep["leak_sites"], "no growth, no leak site", rep)
    check(all(not i["connections_opened"] for i in rep["invocations"]), "no per-invocation connection", rep)
    check(all(i["fds_opened"] == 2 and i["fds_closed"] == 2 for i in rep["invocations"]), "2 opened/2 closed", rep)
    text = emu.summary(REPORT)
    print(text)
    check("0 fd growth per invocation" in text, "summary in words")


def test_sigterm_pg():
    with PostgresServer() as pg:
        emu, resp = run_invocations([FN + "/pg_held"], 3, env={"PG_CONNINFO": pg.conninfo})
        check(all(r is not None for r in resp), "pg invocations answered")
        emu.shutdown()
    rep = emu.report(REPORT, "--sigterm")
    fds = rep["shutdown"]["open_fds"]
    site = line_of("pg_held.c", "PG-SITE") + " (main)"
    peer = "127.0.0.1:%d" % pg.port
    check(any(f["kind"] == "tcp" and f["peer"] == peer and f["site"] == site for f in fds),
          "pg connection open at SIGTERM from %s" % site, rep)
    check(not any(f["peer"].endswith(":%s" % emu.httpd.server_address[1]) for f in fds),
          "runtime API socket not listed", rep)
    print(emu.summary(REPORT))


def _blocked(mode, call_pred, marker, func):
    with RedisServer() as r:
        emu = Emulator([FN + "/block_poll"], SHIM, env={"REDIS_PORT": str(r.port), "BLOCK_MODE": mode},
                       timeout_ms=700).start()
        try:
            resp = emu.invoke()
            check(resp is None, "the invocation times out")
        finally:
            emu.shutdown(grace_ms=100)
    rep = emu.report(REPORT, "--sigterm")
    blocked = rep["invocations"][0]["blocked_past_deadline"]
    site = line_of("block_poll.c", marker) + " (%s)" % func
    check(any(call_pred(b) and b["site"] == site for b in blocked), "blocked at %s" % site, rep)
    print(emu.summary(REPORT))
    return blocked


def test_blocked_poll():
    b = _blocked("poll", lambda b: b["call"] == "poll" and b["blocked_ms"] >= 600, "POLL-SITE", "handler")
    print(b)


def test_blocked_cond():
    # Not an interposed call: located from the thread's stack alone.
    _blocked("cond", lambda b: "cond" in b["call"] or "futex" in b["call"], "COND-SITE", "wait_for_flush")


def test_robust():
    emu, resp = run_invocations([FN + "/robust"], 5, env={"PLUGIN_SO": FN + "/libplugin.so"})
    emu.shutdown()
    check(all(r == '{"errno_bad":0}' for r in resp), "errno preserved, no failures: %s" % resp)
    rep = emu.report(REPORT)
    after = [i["fds_open_after"] for i in rep["invocations"]]
    check(all(b - a == 1 for a, b in zip(after, after[1:])), "exactly the plugin's fd leaks: %s" % after, rep)
    site = line_of("plugin.c", "PLUGIN-SITE") + " (plugin_open)"
    check([s["site"] for s in rep["leak_sites"]] == [site], "dlopen'd site symbolized: %s" % site, rep)
    for inv in rep["invocations"]:
        check(inv["fds_opened"] == inv["fds_closed"] + 1, "threads: opens and closes balance", rep)
    procs = rep["processes"]
    check(sum(p["forked"] for p in procs) >= 5, "fork children tracked in their own ledgers", rep)
    check(any(p["exe"] == "/usr/bin/true" for p in procs), "exec'd child has its own ledger", rep)
    print(emu.summary(REPORT))


def test_no_shim():
    emu = Emulator([FN + "/leak_fd"], SHIM, shim_enabled=False).start()
    try:
        check(emu.invoke() is not None and emu.invoke() is not None, "runs without the shim")
    finally:
        emu.shutdown()
    check(not os.listdir(emu.ledger), "no ledger without the shim")


def test_standalone():
    # No emulator: one phase; the report lists what is open at exit.
    d = tempfile.mkdtemp(prefix="st-standalone-")
    try:
        code = "import os\nfor i in range(7): os.open('/etc/hostname', os.O_RDONLY)\n"
        env = dict(os.environ, LD_PRELOAD=SHIM, SERVERLESS_SHIM_LEDGER=d)
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        out = subprocess.run([REPORT, d], check=True, capture_output=True, text=True).stdout
        print(out)
        check(re.search(r"7 open at exit from .* \(file\)", out) or "7 open at exit" in out, "7 open at exit")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_dropped():
    # A full ledger (1,024 records) in invocation 2: the held file's close in
    # invocation 3 is among the dropped records. Nothing may be claimed from
    # what was not recorded: no growth, no leak site, no "open at SIGTERM".
    emu, resp = run_invocations([FN + "/many_events"], 5, env={"SERVERLESS_SHIM_CAPACITY": "1024"})
    emu.shutdown()
    check(all(r is not None for r in resp), "all invocations answered")
    rep = emu.report(REPORT, "--sigterm")
    check(rep["records_dropped"] > 0, "records dropped", rep)
    check(rep.get("last_complete_invocation") == 1, "invocation 1 recorded whole, 2 not", rep)
    check(all("ledger_incomplete" in i for i in rep["invocations"][1:]), "later invocations marked", rep)
    check("ledger_incomplete" not in rep["invocations"][0], "invocation 1 not marked", rep)
    check(not rep["leak_sites"] and rep["fds_per_invocation"] == 0 and rep["emfile_projected_at"] is None,
          "no growth claimed from incomplete invocations", rep)
    sd = rep["shutdown"]
    check(sd["open_fds"] == [] and "dropped" in sd.get("open_fds_unknown", ""), "open at SIGTERM unknown", rep)
    check(not any(e["kind"] == "open-at-shutdown" for e in rep["evidence"]), "no open-at-shutdown evidence", rep)
    text = subprocess.run([REPORT, emu.ledger, "--invocations", str(emu.inv), "--sigterm"], check=True,
                          capture_output=True, text=True).stdout
    print(text)
    check("open at SIGTERM: unknown (the ledger dropped" in text, "summary says unknown")
    check(line_of("many_events.c", "HELD-SITE") not in text, "the held file is not reported")


def test_dropped_standalone():
    # Standalone (one phase): a file kept open across 3,000 open/close pairs
    # and closed at the end, 1,024 records: its close is dropped.
    d = tempfile.mkdtemp(prefix="st-dropped-")
    try:
        code = ("import os\nkeep = os.open('/etc/hostname', os.O_RDONLY)\n"
                "for i in range(3000): os.close(os.open('/dev/null', os.O_RDONLY))\nos.close(keep)\n")
        env = dict(os.environ, LD_PRELOAD=SHIM, SERVERLESS_SHIM_LEDGER=d, SERVERLESS_SHIM_CAPACITY="1024")
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        out = subprocess.run([REPORT, d], check=True, capture_output=True, text=True).stdout
        print(out)
        check("open at exit: unknown (the ledger dropped" in out, "open at exit unknown")
        check("open at exit from" not in out, "no descriptor claimed open")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _header(ledger_dir):
    """The header fields of the ledger with the most records in ledger_dir
    (lib/Runtime/ShimProtocol.h: cursor at 24, unwind counters at 680)."""
    import struct
    best = None
    for f in os.listdir(ledger_dir):
        if not f.startswith("ledger."):
            continue
        with open(os.path.join(ledger_dir, f), "rb") as fh:
            h = fh.read(4096)
        cap, cursor, dropped = struct.unpack_from("<QQQ", h, 16)
        slow, mismatch = struct.unpack_from("<QQ", h, 680)
        if best is None or cursor > best["cursor"]:
            best = {"cursor": cursor, "dropped": dropped, "slow": slow, "mismatch": mismatch,
                    "exe": h[104:616].split(b"\0")[0].decode()}
    check(best is not None, "a ledger in %s" % ledger_dir)
    return best


def test_unwind():
    # The cached-CFI unwinder against libgcc's on every stack (check mode
    # takes both and counts differences), -O2 code without frame pointers.
    d = tempfile.mkdtemp(prefix="st-unwind-")
    try:
        env = dict(os.environ, LD_PRELOAD=SHIM, SERVERLESS_SHIM_LEDGER=d, SERVERLESS_SHIM_UNWIND="check",
                   SERVERLESS_SHIM_FRAMES="16", PLUGIN_SO=FN + "/libplugin.so")
        subprocess.run([FN + "/unwind_stress"], env=env, check=True, stdout=subprocess.DEVNULL)
        h = _header(d)
        print(h)
        check(h["cursor"] > 3000 and h["dropped"] == 0, "records written: %s" % h)
        check(h["mismatch"] == 0, "fast and libgcc stacks identical: %s" % h)
        # Signal-frame stacks and the first stacks in the new object go to libgcc.
        check(h["slow"] < 20, "the fast unwinder took nearly every stack: %s" % h)
        rep = json.loads(subprocess.run([REPORT, d, "--json"], check=True, capture_output=True, text=True).stdout)
        main = [p for p in rep["processes"] if p["main"]][0]
        check(main["unwind_mismatches"] == 0, "reader shows the counters", rep)
        # Default mode: the dlopen'd object's frames are symbolized.
        shutil.rmtree(d)
        os.mkdir(d)
        del env["SERVERLESS_SHIM_UNWIND"]
        subprocess.run([FN + "/unwind_stress"], env=env, check=True, stdout=subprocess.DEVNULL)
        rep = json.loads(subprocess.run([REPORT, d, "--json"], check=True, capture_output=True, text=True).stdout)
        check(rep["fds_opened_total"] == rep["fds_closed_total"], "balanced", rep)
        out = subprocess.run([REPORT, d], check=True, capture_output=True, text=True).stdout
        check("open at exit from" not in out, "nothing open: " + out)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_memory():
    # 200,000 records (50 MB of ledger): the function's peak RSS stays small
    # (written records are unmapped behind the cursor), and no record is lost.
    d = tempfile.mkdtemp(prefix="st-memory-")
    try:
        code = ("import os\nfor i in range(100000): os.close(os.open('/dev/null', os.O_RDONLY))\n"
                "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])\n")
        plain = int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                   text=True).stdout)
        env = dict(os.environ, LD_PRELOAD=SHIM, SERVERLESS_SHIM_LEDGER=d)
        shim = int(subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                                  text=True).stdout)
        h = _header(d)
        print("peak RSS plain %d KB, with the shim %d KB, %s" % (plain, shim, h))
        check(h["cursor"] >= 200000 and h["dropped"] == 0, "all records kept: %s" % h)
        check(shim - plain < 8 * 1024, "ledger pages not in the function's RSS: %d KB vs %d KB" % (shim, plain))
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---- Ring mode (ShimProtocol.h "Ring mode", lib/Shim/LedgerDrain.h) ----------
def _ring_run(argv, drain_opts=(), env=None, report_args=("--no-symbolize",)):
    """Runs argv with the shim in ring mode and serverless-shim-drain draining;
    returns (drainer stats, report JSON, ledger dir)."""
    d = tempfile.mkdtemp(prefix="st-ringled-")
    dr = Drainer(DRAIN, d, *drain_opts)
    e = dict(os.environ, LD_PRELOAD=SHIM, **dr.env())
    e.update(env or {})
    subprocess.run(argv, env=e, check=True, stdout=subprocess.DEVNULL)
    st = dr.finish()
    rep = json.loads(subprocess.run([REPORT, d, "--json"] + list(report_args), check=True,
                                    capture_output=True, text=True).stdout)
    return st, rep, d


def _main(rep):
    return [p for p in rep["processes"] if p["main"]][0]


def _user_open(rep):
    return [f for f in rep["open_at_exit"] if f["call"] != "inherited"]


def test_ring_wrap():
    # 40,000 records through one 128-record segment: the ring wraps ~300
    # times while the drainer empties it; every record arrives, none dropped.
    st, rep, d = _ring_run([FN + "/ring_stress", "1", "20000", "loop"],
                           ("--segments", "1", "--segment-records", "128", "--poll-ms", "2"))
    try:
        m = _main(rep)
        print(st, m)
        check(m["ring"] and m["dropped"] == 0 and m["torn"] == 0, "ring, nothing lost", rep)
        check(st["records"] == sum(p["records"] for p in rep["processes"]), "drained = read", rep)
        check(m["records"] >= 40000, "all 40,000 records of the loop: %d" % m["records"], rep)
        check(rep["fds_opened_total"] == rep["fds_closed_total"] >= 20000, "20,000 pairs, balanced", rep)
        check(not _user_open(rep) and "open_at_exit_unknown" not in rep, "nothing open", rep)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_ring_full_waits():
    # The drainer is stopped (SIGSTOP): the function fills its 128-record
    # segment and must wait -- not drop -- until the drainer runs again.
    d = tempfile.mkdtemp(prefix="st-ringled-")
    prog = os.path.join(d, "progress")
    open(prog, "wb").close()
    dr = Drainer(DRAIN, d, "--segments", "1", "--segment-records", "128", "--poll-ms", "20")
    try:
        os.kill(dr.p.pid, signal.SIGSTOP)
        e = dict(os.environ, LD_PRELOAD=SHIM, **dr.env())
        fn = subprocess.Popen([FN + "/ring_stress", "1", "1000", "loop", prog], env=e, stdout=subprocess.DEVNULL)
        time.sleep(1.5)
        with open(prog, "rb") as f:
            done = struct.unpack_from("<Q", f.read(8))[0]
        running = fn.poll() is None
        os.kill(dr.p.pid, signal.SIGCONT)
        rc = fn.wait(timeout=60)
        st = dr.finish()
        print("pairs done while the drainer was stopped: %d; %s" % (done, st))
        check(running and done < 1000, "the function waited for the stopped drainer (%d pairs done)" % done)
        check(rc == 0, "the function finished once the drainer ran")
        rep = json.loads(subprocess.run([REPORT, d, "--json", "--no-symbolize"], check=True, capture_output=True,
                                        text=True).stdout)
        m = _main(rep)
        check(m["dropped"] == 0 and m["torn"] == 0, "nothing dropped", rep)
        check(rep["fds_opened_total"] == rep["fds_closed_total"] >= 1000, "all 1,000 pairs recorded", rep)
        check(not _user_open(rep), "nothing open", rep)
    finally:
        if dr.p.poll() is None:
            os.kill(dr.p.pid, signal.SIGCONT)
            dr.finish()
        shutil.rmtree(d, ignore_errors=True)


def test_ring_sigkill():
    # 4 threads loop until SIGKILL. Every pair completed before the kill (the
    # function's own counters) is in the ledger; a record being written at the
    # kill is torn, and then nothing is claimed open.
    for attempt in range(3):
        d = tempfile.mkdtemp(prefix="st-ringled-")
        prog = os.path.join(d, "progress")
        open(prog, "wb").close()
        dr = Drainer(DRAIN, d, "--segment-records", "256")
        try:
            e = dict(os.environ, LD_PRELOAD=SHIM, **dr.env())
            fn = subprocess.Popen([FN + "/ring_stress", "4", "0", "loop", prog], env=e, stdout=subprocess.DEVNULL)
            time.sleep(0.8 + 0.3 * attempt)
            fn.kill()
            fn.wait()
            with open(prog, "rb") as f:
                done = struct.unpack_from("<4Q", f.read(32))
            st = dr.finish()
            rep = json.loads(subprocess.run([REPORT, d, "--json", "--no-symbolize"], check=True,
                                            capture_output=True, text=True).stdout)
            m = _main(rep)
            print("pairs completed %s = %d; %s; opened %d closed %d torn %d" % (
                done, sum(done), st, rep["fds_opened_total"], rep["fds_closed_total"], m["torn"]))
            check(sum(done) > 1000, "the function ran", rep)
            check(m["dropped"] == 0, "nothing dropped", rep)
            check(m["torn"] == st["torn"], "torn counted in the ledger", rep)
            check(rep["fds_closed_total"] >= sum(done), "every completed close was read", rep)
            check(rep["fds_opened_total"] >= rep["fds_closed_total"], "opens before closes", rep)
            if m["torn"]:
                check("open_at_exit_unknown" in rep and not rep["open_at_exit"],
                      "a torn record: what was open is unknown", rep)
            else:
                check("open_at_exit_unknown" not in rep and len(_user_open(rep)) <= 4,
                      "at most one open per thread at the kill", rep)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def test_ring_order():
    # 8 producer threads open /dev/null and hand the descriptor to a consumer
    # thread that closes it: the numbers are reused across threads (and
    # across ring segments). Ordered by time, every close precedes the open
    # that reuses its number: balanced, nothing open.
    st, rep, d = _ring_run([FN + "/ring_stress", "8", "5000", "handoff"])
    try:
        m = _main(rep)
        print(st, m, rep["fds_opened_total"], rep["fds_closed_total"])
        check(m["ring"] and m["dropped"] == 0 and m["torn"] == 0, "ring, nothing lost", rep)
        check(rep["fds_opened_total"] >= 40000, "40,000 opens", rep)
        check(rep["fds_opened_total"] == rep["fds_closed_total"], "every close matched its open", rep)
        check(not _user_open(rep), "nothing open at exit: %s" % _user_open(rep)[:5], rep)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_ring_fork():
    # test_robust in ring mode: fork children and an exec'd image each get a
    # ring of their own, drained like the parent's.
    emu, resp = run_invocations([FN + "/robust"], 5, env={"PLUGIN_SO": FN + "/libplugin.so"}, drain=DRAIN)
    emu.shutdown()
    check(all(r == '{"errno_bad":0}' for r in resp), "errno preserved, no failures: %s" % resp)
    rep = emu.report(REPORT)
    after = [i["fds_open_after"] for i in rep["invocations"]]
    check(all(b - a == 1 for a, b in zip(after, after[1:])), "exactly the plugin's fd leaks: %s" % after, rep)
    procs = rep["processes"]
    check(all(p["ring"] for p in procs), "every image wrote a ring", rep)
    check(sum(p["forked"] for p in procs) >= 5, "fork children tracked in their own ledgers", rep)
    check(any(p["exe"] == "/usr/bin/true" for p in procs), "exec'd child has its own ledger", rep)
    check(not [f for f in os.listdir(emu.drainer.ring) if f.startswith("ring.")], "rings removed")


def test_ring_emulator():
    # test_leak_fd in ring mode, the function frozen (SIGSTOP) after each
    # invocation while the drainer runs, then SIGKILLed without SIGTERM.
    emu = Emulator([FN + "/leak_fd"], SHIM, drain=DRAIN).start()
    try:
        resp = []
        for _ in range(12):
            resp.append(emu.invoke())
            os.killpg(emu.proc.pid, signal.SIGSTOP)
            time.sleep(0.03)
            os.killpg(emu.proc.pid, signal.SIGCONT)
    finally:
        emu.ctl.set_state(emu.inv, 5)
        emu.kill()
        emu.shutdown()
    check(all(r is not None for r in resp), "all invocations answered")
    rep = emu.report(REPORT, "--sigkill")
    after = [i["fds_open_after"] for i in rep["invocations"]]
    check(_main(rep)["ring"], "ring mode", rep)
    check(all(b - a == 1 for a, b in zip(after, after[1:])), "+1 fd per invocation: %s" % after, rep)
    check(all(i["fds_opened"] == 1 and i["fds_closed"] == 0 for i in rep["invocations"]), "1 opened, 0 closed", rep)
    check(len(rep["leak_sites"]) == 1 and "leak_fd.c" in rep["leak_sites"][0]["site"], "the leak site", rep)


if __name__ == "__main__":
    name = sys.argv[1]
    t0 = time.monotonic()
    globals()["test_" + name]()
    print("PASS %s (%.1fs)" % (name, time.monotonic() - t0))
