#!/usr/bin/env python3
# Benchmark of `serverless-tidy run`: the Runtime API round trip and the
# emulator's own resource use over a long run.
#
#   bench_run.py --run "<emulator command, '|'-separated>" --function <echo> \
#                [--invocations 10000]
#
# For each freeze method (none: the pure API round trip; auto: with a freeze
# and thaw between invocations) it runs a trivial function N times and reports
#   - the warm invocation duration as the emulator measures it (event handed
#     to the runtime's pending `next` -> response received), median/p99/max;
#   - wall time per invocation for the whole run (next + response + freeze);
#   - the emulator's open fds and RSS sampled early (after 5% of the run) and
#     at the end: both must stay flat.
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time


def fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except FileNotFoundError:
        return None


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None


def bench(run, function, n, freeze, with_json):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run.json")
        cmd = run + ["--quiet", "--invocations", str(n), "--freeze", freeze]
        if with_json:
            cmd += ["--json", out]
        cmd += [function]
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples = []
        while p.poll() is None:
            f, r = fds(p.pid), rss_kb(p.pid)
            if f is not None and r is not None:
                samples.append((time.monotonic() - start, f, r))
            time.sleep(0.05)
        wall = time.monotonic() - start
        doc = None
        if with_json:
            with open(out) as f:
                doc = json.load(f)
    early = [s for s in samples if s[0] >= wall * 0.05][:1] or samples[:1]
    # The last sample taken while all environments were still serving.
    late = [s for s in samples if s[0] <= wall * 0.95][-1:] or samples[-1:]
    res = {"freeze": freeze, "json": with_json, "invocations": n}
    if doc:
        warm = sorted(i["duration_ms"] for i in doc["invocations"] if not i["cold"])
        res.update({
            "freeze_method": doc["config"]["freeze_method"],
            "success": sum(1 for i in doc["invocations"] if i["status"] == "success"),
            "warm_median_ms": statistics.median(warm),
            "warm_p99_ms": warm[int(len(warm) * 0.99) - 1],
            "warm_max_ms": warm[-1]})
    res.update({
        "wall_s": round(wall, 2),
        "wall_per_invocation_ms": round(wall * 1000 / n, 3),
        "emulator_fds_early": early[0][1] if early else None,
        "emulator_fds_end": late[0][1] if late else None,
        "emulator_rss_kb_early": early[0][2] if early else None,
        "emulator_rss_kb_end": late[0][2] if late else None,
        "samples": len(samples),
    })
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--function", required=True)
    ap.add_argument("--invocations", type=int, default=10000)
    ap.add_argument("--freeze", default="none,auto")
    a = ap.parse_args()
    run = [x for x in a.run.split("|") if x]
    for freeze in a.freeze.split(","):
        print(json.dumps(bench(run, a.function, a.invocations, freeze, True)))
    # Without --json nothing per invocation is kept: RSS must stay flat.
    print(json.dumps(bench(run, a.function, a.invocations, "auto", False)))


if __name__ == "__main__":
    main()
