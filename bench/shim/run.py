#!/usr/bin/env python3
"""Shim overhead, side by side on one machine in one run:
plain, with libserverless-shim.so (recording sites), with a baseline shim
(--baseline-shim, e.g. an older build), under
`strace -f -e trace=desc,network -o /dev/null`, under `valgrind --track-fds=yes`.

    bench/shim/run.py --shim build/lib/Shim/libserverless-shim.so \
        [--drain build/lib/Shim/serverless-shim-drain] \
        [--baseline-shim old/libserverless-shim.so] [--iters 20000] [--reps 5] \
        [--modes syscall,cheap] [--threads 1,8] [--no-file]

With --drain (the default when serverless-shim-drain is beside the shim) the
shim also runs in ring mode, as under `serverless-tidy run`: the function
writes bounded ring segments in /dev/shm that serverless-shim-drain (the
emulator's drainer) empties into the ledger while it runs; its CPU time is
printed beside the function's ("drain CPU s"). "file" is the growing ledger
file (standalone use without a drainer).

Workloads (bench/shim/workload.c): `syscall` = open/read/close of a file plus a
loopback socket/connect/accept/close per iteration (7 records, 4 with a stack);
`cheap` = open("/dev/null")/close (2 records, 1 with a stack), where the
shim's cost per event shows most. With --threads T each of T threads runs the
iterations.

Runs are interleaved and each configuration reports its best (least
disturbed) wall time of the whole process (start-up included: the shim's
ledger creation, maps copy and inherited-fd scan) and of the workload's loop
alone (what each recorded event costs), and the process's CPU time (user +
system: steadier than wall time on a loaded machine, but blind to the kernel's
write-back of the ledger, done by its own threads); ratios are against plain. The peak
RSS of the function (VmHWM at its exit: the ledger pages it has mapped count)
and the records the last shim run wrote are printed too.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_once(argv, env, drain=None):
    """(wall seconds of the process, seconds of the workload's loop, peak RSS KB,
    CPU seconds of the process: user + system, CPU seconds of the drainer)."""
    drainer = None
    if drain:
        ring = tempfile.mkdtemp(prefix="st-bench-ring-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        drainer = subprocess.Popen([drain, ring, env["SERVERLESS_SHIM_LEDGER"]], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, universal_newlines=True)
        if drainer.stdout.readline().strip() != "ready":
            raise SystemExit("serverless-shim-drain did not start")
        env = dict(env, SERVERLESS_SHIM_RING=ring)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, universal_newlines=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    if p.returncode != 0:
        raise SystemExit("%s failed: %d" % (" ".join(argv), p.returncode))
    fields = dict(f.split("=", 1) for f in out.split() if "=" in f)
    dcpu = 0.0
    if drainer:
        drainer.stdin.close()
        dout = drainer.stdout.read()
        drainer.wait()
        shutil.rmtree(ring, ignore_errors=True)
        dcpu = float(dict(f.split("=", 1) for f in dout.split() if "=" in f).get("cpu_s", "nan"))
    return (dt, float(fields.get("seconds", "nan")), int(fields.get("peak_rss_kb", "0")), ru.ru_utime + ru.ru_stime,
            dcpu)


def ledger_stats(ledger):
    recs = dropped = files = waits = 0
    for f in os.listdir(ledger):
        if f.startswith("ledger."):
            with open(os.path.join(ledger, f), "rb") as fh:
                h = fh.read(720)
            cap, cursor, drop = struct.unpack_from("<QQQ", h, 16)
            recs += min(cursor, cap) if cap else cursor
            dropped += drop
            files += 1
            if len(h) >= 720:  # ShimLedgerHeader.ring_waits (ring mode)
                waits += struct.unpack_from("<Q", h, 712)[0]
    return recs, dropped, files, waits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    ap.add_argument("--baseline-shim", help="a second shim to compare with (e.g. before a change)")
    ap.add_argument("--drain", help="serverless-shim-drain: also run the shim in ring mode (default: beside --shim)")
    ap.add_argument("--no-file", action="store_true", help="skip the new shim's file mode (no drainer)")
    ap.add_argument("--no-nostacks", action="store_true", help="skip the 'no stacks' configurations")
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--slow-reps", type=int, default=1, help="reps for strace/valgrind")
    ap.add_argument("--modes", default="syscall,cheap")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--no-slow", action="store_true", help="skip strace and valgrind")
    a = ap.parse_args()
    if not a.drain:
        cand = os.path.join(os.path.dirname(os.path.abspath(a.shim)), "serverless-shim-drain")
        a.drain = cand if os.access(cand, os.X_OK) else None
    tmp = tempfile.mkdtemp(prefix="st-bench-")
    try:
        exe = os.path.join(tmp, "workload")
        subprocess.run(["cc", "-O2", "-g", "-pthread", os.path.join(HERE, "workload.c"), "-o", exe],
                       check=True)
        ledger = os.path.join(tmp, "ledger")

        def shim_env(lib, frames=None):
            shutil.rmtree(ledger, ignore_errors=True)
            os.mkdir(ledger)
            e = dict(os.environ, LD_PRELOAD=os.path.abspath(lib), SERVERLESS_SHIM_LEDGER=ledger)
            if frames is not None:
                e["SERVERLESS_SHIM_FRAMES"] = str(frames)
            return e

        for mode in a.modes.split(","):
            for threads in [int(t) for t in a.threads.split(",")]:
                args = [str(a.iters), mode, str(threads)]
                configs = [("plain", lambda: ([exe], None), a.reps, None)]
                if a.drain:
                    configs.append(("shim ring (sites, 12 frames)",
                                    lambda: ([exe], shim_env(a.shim), a.drain), a.reps, "ring"))
                    if not a.no_nostacks:
                        configs.append(("shim ring (no stacks)", lambda: ([exe], shim_env(a.shim, 0), a.drain),
                                        a.reps, None))
                if not a.no_file:
                    configs.append(("shim file (sites, 12 frames)", lambda: ([exe], shim_env(a.shim)), a.reps, "new"))
                    if not a.no_nostacks:
                        configs.append(("shim file (no stacks)", lambda: ([exe], shim_env(a.shim, 0)), a.reps, None))
                if a.baseline_shim:
                    configs.append(("baseline shim (sites, 12 frames)",
                                    lambda: ([exe], shim_env(a.baseline_shim)), a.reps, "base"))
                if not a.no_slow:
                    configs.append(("strace -f -e trace=desc,network",
                                    lambda: (["strace", "-f", "-e", "trace=desc,network", "-o", "/dev/null", exe],
                                             None), a.slow_reps, None))
                    configs.append(("valgrind --track-fds=yes",
                                    lambda: (["valgrind", "-q", "--track-fds=yes", "--log-file=/dev/null", exe],
                                             None), a.slow_reps, None))
                best, loop, rss, stats, cpu, dcpu = {}, {}, {}, {}, {}, {}
                for rep in range(max(c[2] for c in configs)):
                    for name, mk, reps, tag in configs:
                        if rep >= reps or (name.startswith(("strace", "valgrind")) and
                                           not shutil.which(name.split()[0])):
                            continue
                        made = mk()
                        argv, env = made[0], made[1]
                        dt, lp, mx, cp, dc = run_once(argv + args, env, made[2] if len(made) > 2 else None)
                        dcpu[name] = min(dcpu.get(name, dc), dc)
                        best[name] = min(best.get(name, dt), dt)
                        cpu[name] = min(cpu.get(name, cp), cp)
                        loop[name] = min(loop.get(name, lp), lp)
                        rss[name] = max(rss.get(name, 0), mx)
                        if tag:
                            stats[name] = ledger_stats(ledger)
                base, lbase, cbase = best["plain"], loop["plain"], cpu["plain"]
                print("workload %s, %d thread(s) x %d iterations (best of %d, interleaved)" %
                      (mode, threads, a.iters, a.reps))
                print("  %-34s %9s %7s %8s %7s %8s %7s %10s %11s" % ("configuration", "process s", "ratio", "loop s",
                                                                      "ratio", "CPU s", "ratio", "peak RSS",
                                                                      "drain CPU s"))
                for name, _, _, _ in configs:
                    if name in best:
                        print("  %-34s %9.3f %6.2fx %8.3f %6.2fx %8.3f %6.2fx %7.1f MB %11s" % (
                            name, best[name], best[name] / base, loop[name], loop[name] / lbase,
                            cpu[name], cpu[name] / cbase, rss[name] / 1024.0,
                            "%.3f" % dcpu[name] if dcpu.get(name) else ""))
                for name, (recs, dropped, files, waits) in stats.items():
                    print("  %s: %d records in %d ledger(s), %d dropped%s" % (
                        name, recs, files, dropped, ", writers waited %d times" % waits if "ring" in name else ""))
                sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
