#!/usr/bin/env python3
"""Shim overhead, side by side on one machine in one run:
plain, with libserverless-shim.so (recording sites), with a baseline shim
(--baseline-shim, e.g. an older build), under
`strace -f -e trace=desc,network -o /dev/null`, under `valgrind --track-fds=yes`.

    bench/shim/run.py --shim build/lib/Shim/libserverless-shim.so \
        [--baseline-shim old/libserverless-shim.so] [--iters 20000] [--reps 5] \
        [--modes syscall,cheap] [--threads 1,8]

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


def run_once(argv, env):
    """(wall seconds of the process, seconds of the workload's loop, peak RSS KB,
    CPU seconds of the process: user + system)."""
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
    return dt, float(fields.get("seconds", "nan")), int(fields.get("peak_rss_kb", "0")), ru.ru_utime + ru.ru_stime


def ledger_stats(ledger):
    recs = dropped = files = 0
    for f in os.listdir(ledger):
        if f.startswith("ledger."):
            with open(os.path.join(ledger, f), "rb") as fh:
                h = fh.read(40)
            cap, cursor, drop = struct.unpack_from("<QQQ", h, 16)
            recs += min(cursor, cap) if cap else cursor
            dropped += drop
            files += 1
    return recs, dropped, files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    ap.add_argument("--baseline-shim", help="a second shim to compare with (e.g. before a change)")
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--slow-reps", type=int, default=1, help="reps for strace/valgrind")
    ap.add_argument("--modes", default="syscall,cheap")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--no-slow", action="store_true", help="skip strace and valgrind")
    a = ap.parse_args()
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
                configs.append(("shim (sites, 12 frames)", lambda: ([exe], shim_env(a.shim)), a.reps, "new"))
                configs.append(("shim (no stacks)", lambda: ([exe], shim_env(a.shim, 0)), a.reps, None))
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
                best, loop, rss, stats, cpu = {}, {}, {}, {}, {}
                for rep in range(max(c[2] for c in configs)):
                    for name, mk, reps, tag in configs:
                        if rep >= reps or (name.startswith(("strace", "valgrind")) and
                                           not shutil.which(name.split()[0])):
                            continue
                        argv, env = mk()
                        dt, lp, mx, cp = run_once(argv + args, env)
                        best[name] = min(best.get(name, dt), dt)
                        cpu[name] = min(cpu.get(name, cp), cp)
                        loop[name] = min(loop.get(name, lp), lp)
                        rss[name] = max(rss.get(name, 0), mx)
                        if tag:
                            stats[name] = ledger_stats(ledger)
                base, lbase, cbase = best["plain"], loop["plain"], cpu["plain"]
                print("workload %s, %d thread(s) x %d iterations (best of %d, interleaved)" %
                      (mode, threads, a.iters, a.reps))
                print("  %-34s %9s %7s %8s %7s %8s %7s %10s" % ("configuration", "process s", "ratio", "loop s",
                                                                 "ratio", "CPU s", "ratio", "peak RSS"))
                for name, _, _, _ in configs:
                    if name in best:
                        print("  %-34s %9.3f %6.2fx %8.3f %6.2fx %8.3f %6.2fx %7.1f MB" % (
                            name, best[name], best[name] / base, loop[name], loop[name] / lbase,
                            cpu[name], cpu[name] / cbase, rss[name] / 1024.0))
                for name, (recs, dropped, files) in stats.items():
                    print("  %s: %d records in %d ledger(s), %d dropped" % (name, recs, files, dropped))
                sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
