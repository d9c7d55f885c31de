#!/usr/bin/env python3
"""Growth curves of the serverless-* checks on the shapes of issue 17, side
by side with clang++-19 -fsyntax-only on the same TU (bench/checks/gen_shapes.py):

  long   one handler of S statements (fopen, redisConnect + redisCommand,
         open every 10 statements, early returns, some leaks)
  heavy  a TU of L lines nearly all in handler scope
  chain  a call chain D deep with a finding at each level

usage:
  growth.py BUILD [--shape long|heavy|chain]... [--sizes 1000,2000,...]
            [--runs N] [--callgrind]
      prints, per size: the parse (clang++-19 -fsyntax-only), the checks
      (clang-tidy-19 --load plugin -checks=-*,serverless-*), their ratio,
      peak RSS of both and, with --callgrind, instruction counts instead of
      CPU time (user+sys of the child, best of --runs). The last column is
      the checks' growth from the previous size (2.0 per doubling is linear).
  growth.py BUILD --guard [--base N]
      the regression guard (ctest label `bench`): for each shape, the
      instruction counts (callgrind) of clang-tidy with the serverless
      checks on sizes N, 2N, 4N of the light variant (declarations only, so
      the parse is small and the checks' work dominates). The second
      difference cancels the constant costs (model loading, start-up):
      growth = (I(4N) - I(2N)) / (I(2N) - I(N)), 2 when linear, 4 when
      quadratic. Fails (exit 1) when a shape's growth exceeds --limit
      (default 2.3). Deterministic: no timing is involved.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GEN = os.path.join(HERE, "gen_shapes.py")
SDK = os.path.join(ROOT, "test", "checkers", "Inputs", "sdk")
LIGHT = os.path.join(HERE, "light")
DEFAULT_SIZES = {"long": [1000, 2000, 5000, 10000, 20000],
                 "heavy": [5000, 10000, 20000, 50000],
                 "chain": [100, 200, 500, 1000]}
UNIT = {"long": "statements", "heavy": "lines", "chain": "deep"}


def generate(tmp, shape, size, light):
    out = os.path.join(tmp, "%s-%d%s.cpp" % (shape, size, "-light" if light else ""))
    subprocess.check_call([sys.executable, GEN] + (["--light"] if light else [])
                          + [shape, out, str(size)])
    return out


def flags(light):
    return ["-std=c++17", "-isystem", LIGHT if light else SDK]


def commands(build, tu, light):
    plugin = os.path.join(build, "lib", "libserverless-tidy-plugin.so")
    parse = ["clang++-19", "-fsyntax-only", tu] + flags(light)
    tidy = ["clang-tidy-19", "--load=" + plugin, "--checks=-*,serverless-*", tu, "--"] + flags(light)
    return parse, tidy


def instructions(cmd):
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           "--trace-children=yes"] + cmd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          universal_newlines=True)
    counts = [int(l.split("Collected :")[1].strip()) for l in proc.stderr.splitlines()
              if "Collected :" in l]
    if not counts:
        sys.exit("callgrind failed for %s:\n%s" % (" ".join(cmd), proc.stderr[-2000:]))
    return max(counts)


def cpu_and_rss(cmd, runs):
    """Best user+sys seconds of `runs` runs, and the largest peak RSS (MB)."""
    best, rss = None, 0
    for _ in range(runs):
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        t = ru.ru_utime + ru.ru_stime
        best = t if best is None else min(best, t)
        rss = max(rss, ru.ru_maxrss / 1024.0)
    return best, rss


def curves(a):
    tmp = tempfile.mkdtemp(prefix="sls-growth-")
    for shape in a.shape or ["long", "heavy", "chain"]:
        sizes = [int(s) for s in a.sizes.split(",")] if a.sizes else DEFAULT_SIZES[shape]
        print("\nshape %s (%s), %s" % (shape, UNIT[shape],
              "instruction counts (callgrind)" if a.callgrind
              else "user+sys CPU best of %d, peak RSS" % a.runs), flush=True)
        if a.callgrind:
            print("| size | parse (G instr) | checks (G instr) | ratio | checks growth |")
            print("|---|---|---|---|---|")
        else:
            print("| size | parse s | checks s | ratio | parse RSS MB | checks RSS MB | RSS ratio | checks growth |")
            print("|---|---|---|---|---|---|---|---|")
        prev = None
        for size in sizes:
            tu = generate(tmp, shape, size, False)
            parse, tidy = commands(a.build, tu, False)
            if a.callgrind:
                p, t = instructions(parse) / 1e9, instructions(tidy) / 1e9
                growth = "%.2f (x%.1f size)" % (t / prev[1], size / prev[0]) if prev else "-"
                print("| %d | %.3f | %.3f | %.2fx | %s |" % (size, p, t, t / p, growth), flush=True)
            else:
                (p, prss), (t, trss) = cpu_and_rss(parse, a.runs), cpu_and_rss(tidy, a.runs)
                growth = "%.2f (x%.1f size)" % (t / prev[1], size / prev[0]) if prev else "-"
                print("| %d | %.2f | %.2f | %.2fx | %.0f | %.0f | %.2fx | %s |"
                      % (size, p, t, t / p, prss, trss, trss / prss, growth), flush=True)
            prev = (size, t)
            os.unlink(tu)


def guard(a):
    tmp = tempfile.mkdtemp(prefix="sls-guard-")
    base = {"long": a.base, "heavy": a.base, "chain": a.base // 4}
    failed = []
    # The nine runs are independent: two at a time (the counts do not
    # depend on it), so the guard stays well under a minute.
    jobs = [(shape, size) for shape in ["long", "heavy", "chain"]
            for size in (base[shape], 2 * base[shape], 4 * base[shape])]

    def count(job):
        tu = generate(tmp, job[0], job[1], True)
        try:
            return instructions(commands(a.build, tu, True)[1])
        finally:
            os.unlink(tu)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(jobs, pool.map(count, jobs)))
    for shape in ["long", "heavy", "chain"]:
        n = base[shape]
        counts = [results[(shape, size)] for size in (n, 2 * n, 4 * n)]
        d1, d2 = counts[1] - counts[0], counts[2] - counts[1]
        growth = d2 / d1 if d1 > 0 else float("inf")
        ok = growth <= a.limit
        print("%-6s %s=%d,%d,%d  instructions %s  growth per doubling %.2f  %s"
              % (shape, UNIT[shape], n, 2 * n, 4 * n,
                 ",".join("%.1fM" % (c / 1e6) for c in counts), growth,
                 "ok" if ok else "FAIL (limit %.2f)" % a.limit), flush=True)
        if not ok:
            failed.append(shape)
    if failed:
        print("growth guard failed for: %s" % ", ".join(failed))
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("--shape", action="append", choices=["long", "heavy", "chain"])
    ap.add_argument("--sizes")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--guard", action="store_true")
    ap.add_argument("--base", type=int, default=250)
    ap.add_argument("--limit", type=float, default=2.3)
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    guard(a) if a.guard else curves(a)


if __name__ == "__main__":
    main()
