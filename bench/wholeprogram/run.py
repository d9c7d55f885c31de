#!/usr/bin/env python3
"""Whole-program `serverless-tidy check -p` against run-clang-tidy with the plugin, side by side.

Generates a compile DB of N translation units (copies of test/wholeprogram/orders, each copy
in its own namespace: every TU includes the real hiredis, libpq, curl and rdkafka headers),
then times, interleaved over --reps rounds on the same DB:
  * run-clang-tidy-19 -j J -load <plugin> -checks=-*,serverless-*   (per TU, no merge)
  * serverless-tidy check -p BUILD -j J --no-cache                  (summarise + merge + judge)
  * serverless-tidy merge FACTS                                      (merge + judge alone)
and reports the best wall time of each, the merge share, and fact file size vs source size.

Usage: bench/wholeprogram/run.py --build-dir build [--copies 6] [--jobs 2] [--reps 3]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--build-dir", default="build")
ap.add_argument("--copies", type=int, default=6, help="copies of the 7-TU project (6 -> 42 TUs)")
ap.add_argument("--jobs", type=int, default=2)
ap.add_argument("--reps", type=int, default=3)
a = ap.parse_args()

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.path.abspath(a.build_dir)
tool = os.path.join(build, "bin", "serverless-tidy")
plugin = os.path.join(build, "lib", "libserverless-tidy-plugin.so")
src_proj = os.path.join(root, "test", "wholeprogram", "orders")
sdk = os.path.join(root, "test", "checkers", "Inputs", "sdk")

work = tempfile.mkdtemp(prefix="st-wp-bench-")
try:
    db, src_bytes = [], 0
    for c in range(a.copies):
        d = os.path.join(work, "src%d" % c)
        os.makedirs(d)
        for f in os.listdir(src_proj):
            text = open(os.path.join(src_proj, f)).read()
            # Each copy is its own program: its own namespace, so USRs differ.
            text = re.sub(r"\bnamespace app\b", "namespace app%d" % c, text).replace("app::", "app%d::" % c)
            open(os.path.join(d, f), "w").write(text)
            src_bytes += len(text)
            if f.endswith(".cpp"):
                db.append({"directory": d, "file": os.path.join(d, f),
                           "arguments": ["clang++-19", "-std=c++17", "-isystem", sdk, "-I/usr/include/postgresql",
                                         "-c", f, "-o", "/dev/null"]})
    bdir = os.path.join(work, "build")
    os.makedirs(bdir)
    json.dump(db, open(os.path.join(bdir, "compile_commands.json"), "w"))
    facts = os.path.join(work, "facts")

    def timed(argv):
        t0 = time.monotonic()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.monotonic() - t0

    configs = [
        ("run-clang-tidy-19 -j%d -load plugin" % a.jobs,
         ["run-clang-tidy-19", "-quiet", "-j", str(a.jobs), "-p", bdir, "-clang-tidy-binary",
          "/usr/lib/llvm-19/bin/clang-tidy", "-load", plugin, "-checks=-*,serverless-*"]),
        ("serverless-tidy check -p -j%d" % a.jobs,
         [tool, "check", "-p", bdir, "-j%d" % a.jobs, "--no-cache", "--quiet"]),
    ]
    best = {}
    for _ in range(a.reps):
        for name, argv in configs:
            best[name] = min(best.get(name, 1e9), timed(argv))
    # Facts once more, into a directory, for merge timing and size.
    subprocess.run([tool, "check", "-p", bdir, "-j%d" % a.jobs, "--no-cache", "--quiet", "--shard", "1/1",
                    "--facts-dir", facts], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    merge = min(timed([tool, "merge", facts, "--quiet"]) for _ in range(a.reps))
    fact_bytes = sum(os.path.getsize(os.path.join(facts, f)) for f in os.listdir(facts))
    # What the compiler reads: each TU preprocessed (the system headers it includes).
    pp_bytes = 0
    for e in db:
        pp = subprocess.run(e["arguments"][:-4] + ["-E", e["file"]], cwd=e["directory"],
                            capture_output=True).stdout
        pp_bytes += len(pp)
    base = best[configs[0][0]]
    print("%d TUs (%d copies of the 7-TU orders project), -j%d, best of %d" % (len(db), a.copies, a.jobs, a.reps))
    print("%-44s %9s %7s" % ("command", "seconds", "ratio"))
    for name, _ in configs:
        print("%-44s %9.2f %6.2fx" % (name, best[name], best[name] / base))
    tot = best[configs[1][0]]
    print("merge + judge (serverless-tidy merge): %.3f s = %.1f%% of check -p" % (merge, 100 * merge / tot))
    print("fact files: %d bytes; project sources %d bytes (%.0f%%); preprocessed TUs %d bytes (%.2f%%)"
          % (fact_bytes, src_bytes, 100.0 * fact_bytes / src_bytes, pp_bytes, 100.0 * fact_bytes / pp_bytes))
finally:
    shutil.rmtree(work, ignore_errors=True)
