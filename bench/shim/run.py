#!/usr/bin/env python3
"""Shim overhead, side by side on one machine in one run:
plain, with libserverless-shim.so (recording sites), under
`strace -f -e trace=desc,network -o /dev/null`, under `valgrind --track-fds=yes`.

    bench/shim/run.py --shim build/lib/Shim/libserverless-shim.so [--iters 20000] [--reps 5]

Runs are interleaved and each configuration reports its best (least
disturbed) wall time; ratios are against plain.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--slow-reps", type=int, default=1, help="reps for strace/valgrind")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="st-bench-")
    try:
        exe = os.path.join(tmp, "workload")
        subprocess.run(["cc", "-O2", "-g", os.path.join(HERE, "workload.c"), "-o", exe], check=True)
        ledger = os.path.join(tmp, "ledger")

        def shim_env(frames=None):
            shutil.rmtree(ledger, ignore_errors=True)
            os.mkdir(ledger)
            e = dict(os.environ, LD_PRELOAD=os.path.abspath(a.shim), SERVERLESS_SHIM_LEDGER=ledger)
            if frames is not None:
                e["SERVERLESS_SHIM_FRAMES"] = str(frames)
            return e

        configs = [
            ("plain", lambda: ([exe], None), a.reps),
            ("shim (sites, 12 frames)", lambda: ([exe], shim_env()), a.reps),
            ("shim (no stacks)", lambda: ([exe], shim_env(0)), a.reps),
            ("strace -f -e trace=desc,network", lambda: (["strace", "-f", "-e", "trace=desc,network", "-o",
                                                           "/dev/null", exe], None), a.slow_reps),
            ("valgrind --track-fds=yes", lambda: (["valgrind", "-q", "--track-fds=yes", "--log-file=/dev/null",
                                                   exe], None), a.slow_reps),
        ]
        best = {}
        for rep in range(max(c[2] for c in configs)):
            for name, mk, reps in configs:
                if rep >= reps or (name.startswith(("strace", "valgrind")) and not shutil.which(name.split()[0])):
                    continue
                argv, env = mk()
                t0 = time.monotonic()
                subprocess.run(argv + [str(a.iters)], env=env, check=True, stdout=subprocess.DEVNULL)
                dt = time.monotonic() - t0
                best[name] = min(best.get(name, dt), dt)
        base = best["plain"]
        print("workload: %d iterations of open/read/close + loopback socket/connect/accept/close" % a.iters)
        print("%-36s %10s %8s" % ("configuration", "seconds", "ratio"))
        for name, _, _ in configs:
            if name in best:
                print("%-36s %10.3f %7.2fx" % (name, best[name], best[name] / base))
        recs = 0
        for f in os.listdir(ledger):
            if f.startswith("ledger."):
                with open(os.path.join(ledger, f), "rb") as fh:
                    fh.seek(24)
                    recs += int.from_bytes(fh.read(8), "little")
        print("ledger records in the last shim run: %d" % recs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
