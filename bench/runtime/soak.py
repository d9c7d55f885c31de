#!/usr/bin/env python3
"""Soak of `serverless-tidy run` over many invocations: the growth curve of
the emulator's cost per invocation and its RSS, with the shim (the default)
and side by side without it (--no-shim).

    soak.py --run "<emulator command, '|'-separated>" --function <echo> \
            [--sizes 1000,10000,100000] [--modes shim,no-shim] [--reps 1]

For each size N it runs the function N times (`--freeze none --quiet`, no
--json: nothing per invocation should be kept) and prints the wall time per
invocation, the emulator's RSS sampled every 50 ms (peak, and at the end of
the run) and its thread count. Cost must be linear and RSS flat: the per-
invocation time at 100,000 should be that at 1,000 (plus noise).

Growth guard (CI): `--guard N` runs N and 2N invocations with the shim (best
of --reps, interleaved) and fails (exit 1) when wall(2N)/wall(N) exceeds
--max-ratio (default 2.3: linear is 2.0 at most, a fixed start-up cost makes
it less) or the RSS in the middle of the 2N run exceeds that of the N run by
more than --max-rss-growth-kb (default 2048). A quadratic emulator (the
observer re-reading the whole ledger after each invocation) gives ~3-4.
"""
import argparse
import os
import subprocess
import sys
import threading
import time


def status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "Threads"):
                    out[k] = int(v.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return out


def run_once(run, function, n, shim, extra=()):
    cmd = run + ["--quiet", "--invocations", str(n), "--freeze", "none"] + list(extra)
    if not shim:
        cmd.append("--no-shim")
    cmd.append(function)
    samples = []
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = []
    t = threading.Thread(target=lambda: err.append(p.stderr.read()))
    t.start()
    while p.poll() is None:
        s = status(p.pid)
        if s and "VmRSS" in s:
            samples.append((time.monotonic() - start, s))
        time.sleep(0.05)
    wall = time.monotonic() - start
    t.join()
    if p.returncode != 0:
        raise SystemExit("run failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), b"".join(err).decode()[-2000:]))
    # The last sample taken while the run was still serving (before the
    # summary): 95% of the wall time.
    serving = [s for s in samples if s[0] <= wall * 0.95] or samples
    # Steady state for the guard: the middle of the run (start-up and the
    # end-of-run ledger analysis left out).
    middle = [s for s in samples if wall * 0.3 <= s[0] <= wall * 0.7] or serving
    return {
        "wall": wall,
        "per_inv_ms": wall * 1000.0 / n,
        "rss_early_kb": serving[min(len(serving) - 1, max(0, len(serving) // 20))][1]["VmRSS"] if serving else 0,
        "rss_end_kb": serving[-1][1]["VmRSS"] if serving else 0,
        "peak_kb": max((s[1].get("VmHWM", 0) for s in samples), default=0),
        "rss_middle_kb": max((s[1]["VmRSS"] for s in middle), default=0),
        "threads": max((s[1].get("Threads", 0) for s in samples), default=0),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--function", required=True)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--modes", default="shim,no-shim")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--guard", type=int, default=0, help="growth guard: run N and 2N, check the ratio")
    ap.add_argument("--max-ratio", type=float, default=2.3)
    ap.add_argument("--max-rss-growth-kb", type=int, default=2048)
    a = ap.parse_args()
    run = [x for x in a.run.split("|") if x]

    if a.guard:
        n = a.guard
        best = {}
        for _ in range(max(1, a.reps)):
            for size in (n, 2 * n):
                r = run_once(run, a.function, size, True)
                if size not in best or r["wall"] < best[size]["wall"]:
                    best[size] = r
        ratio = best[2 * n]["wall"] / best[n]["wall"]
        growth = best[2 * n]["rss_middle_kb"] - best[n]["rss_middle_kb"]
        print("growth guard (with the shim, best of %d): %d invocations %.3f s, %d invocations %.3f s: "
              "ratio %.2f (limit %.2f); RSS mid-run %d KB -> %d KB (%+d KB, limit %d)" %
              (a.reps, n, best[n]["wall"], 2 * n, best[2 * n]["wall"], ratio, a.max_ratio,
               best[n]["rss_middle_kb"], best[2 * n]["rss_middle_kb"], growth, a.max_rss_growth_kb))
        ok = ratio <= a.max_ratio and growth <= a.max_rss_growth_kb
        print("PASS" if ok else "FAIL: the emulator's cost grows faster than the invocations")
        return 0 if ok else 1

    modes = a.modes.split(",")
    print("%-8s %9s %9s %12s %14s %14s %12s %8s" % ("mode", "N", "wall s", "ms/invoc.", "RSS early MB",
                                                    "RSS end MB", "peak MB", "threads"))
    for size in [int(s) for s in a.sizes.split(",")]:
        for mode in modes:
            best = None
            for _ in range(max(1, a.reps)):
                r = run_once(run, a.function, size, mode == "shim")
                if best is None or r["wall"] < best["wall"]:
                    best = r
            print("%-8s %9d %9.2f %12.3f %14.1f %14.1f %12.1f %8d" % (
                mode, size, best["wall"], best["per_inv_ms"], best["rss_early_kb"] / 1024.0,
                best["rss_end_kb"] / 1024.0, best["peak_kb"] / 1024.0, best["threads"]))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
