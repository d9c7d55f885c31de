#!/usr/bin/env python3
"""Cost of the serverless-* checks relative to parsing, side by side on one
large TU: clang++-19 -fsyntax-only (the baseline: the parse happens anyway),
clang-tidy-19 with no checks (clang-tidy's own overhead), with each serverless
check alone and with all four, through the --load plugin. Best of N runs
(user+sys CPU time of the child, so a busy second core does not count).

usage: run.py <build-dir> [runs] [--callgrind]

--callgrind counts instructions with valgrind instead of timing: slower
(about a minute per row) but deterministic, so small shares are visible
above the noise of a shared machine."""
import os
import resource
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
argv = [a for a in sys.argv[1:] if a != "--callgrind"]
use_callgrind = "--callgrind" in sys.argv
build = os.path.abspath(argv[0] if argv else os.path.join(root, "build"))
runs = int(argv[1]) if len(argv) > 1 else 5
plugin = os.path.join(build, "lib", "libserverless-tidy-plugin.so")
tmp = tempfile.mkdtemp(prefix="sls-bench-")
tu = os.path.join(tmp, "big.cpp")
subprocess.check_call([sys.executable, os.path.join(here, "gen_tu.py"), tu, "5000"])
flags = ["-std=c++17", "-isystem", os.path.join(root, "test/checkers/Inputs/sdk"),
         "-I/usr/include/postgresql"]


def instructions(cmd):
    # clang++ forks cc1: trace children and keep the largest count (cc1's).
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           "--trace-children=yes"] + cmd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          universal_newlines=True)
    counts = [int(l.split("Collected :")[1].strip()) for l in proc.stderr.splitlines()
              if "Collected :" in l]
    return max(counts) / 1e9


def cpu(cmd):
    best = None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = t if best is None else min(best, t)
    return best


tidy = ["clang-tidy-19", "--load=" + plugin, tu]
rows = [("clang++-19 -fsyntax-only", ["clang++-19", "-fsyntax-only", tu] + flags)]
rows.append(("clang-tidy-19, one trivial check", ["clang-tidy-19", tu, "--checks=-*,misc-unused-alias-decls", "--"] + flags))
for c in ["serverless-handler-scope-client", "serverless-unclosed-resource",
          "serverless-missing-deadline", "serverless-missing-shutdown-hook"]:
    rows.append((c, tidy + ["--checks=-*," + c, "--"] + flags))
rows.append(("all four serverless-*", tidy + ["--checks=-*,serverless-*", "--"] + flags))

with open(tu) as f:
    nlines = sum(1 for _ in f)
unit = "G instructions" if use_callgrind else "s"
measure = instructions if use_callgrind else cpu
print(f"TU: {nlines} lines (+ hiredis, libpq, curl, rdkafka, AWS stand-in headers), "
      + ("instruction counts (callgrind)" if use_callgrind else f"CPU time, best of {runs}"))
base = None
tidy_base = None
for name, cmd in rows:
    t = measure(cmd)
    if base is None:
        base = t
    if name.startswith("clang-tidy-19, one trivial"):
        tidy_base = t
    extra = f"  (+{(t - tidy_base) / base * 100:.1f}% of the parse over clang-tidy with a trivial check)" if tidy_base and (name.startswith("serverless") or name.startswith("all")) else ""
    print(f"{name:36s} {t:7.3f} {unit}  {t / base:5.3f}x{extra}")
