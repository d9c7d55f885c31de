#!/usr/bin/env python3
"""Runs one serverless-* check on a lit test file and FileChecks the result.

Usage (from a lit RUN line, through the %check_serverless substitution):

  check_serverless.py [-check-suffix=S[,T]] <source> <check> <temp>
                      [-- <clang-tidy args> [-- <compiler args>]]

Like clang-tidy's check_clang_tidy.py (written anew for this project):
  * CHECK-MESSAGES[-S] lines are matched against clang-tidy's warnings with
    -implicit-check-not={{warning|error}}: so every warning must be expected;
  * CHECK-NOTES[-S] lines are matched against warnings and notes, with notes
    also implicit-check-not'ed;
  * CHECK-FIXES[-S] lines are matched against the file after -fix.
The runner is chosen by the lit configuration: the --load plugin in
clang-tidy-19, or the serverless-tidy tool, so both are tested to give the
same findings.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys


def run(cmd, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kw)
    return proc.returncode, proc.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-check-suffix", "-check-suffixes", default="")
    parser.add_argument("-runner", required=True,
                        help="command prefix running clang-tidy with the module")
    parser.add_argument("-filecheck", required=True)
    parser.add_argument("-expect-clang-tidy-error", action="store_true")
    parser.add_argument("source")
    parser.add_argument("check")
    parser.add_argument("temp")
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    args = parser.parse_args(argv)

    # After the first "--": clang-tidy arguments, then "--" and compiler flags.
    tidy_extra, compile_args = extra, []
    if "--" in extra:
        i = extra.index("--")
        tidy_extra, compile_args = extra[:i], extra[i + 1:]

    # "-check-suffixes=,STRICT": the plain prefixes and the STRICT ones.
    suffixes = args.check_suffix.split(",") if args.check_suffix else [""]
    with open(args.source, encoding="utf-8") as f:
        text = f.read()

    def prefixes(kind):
        out = []
        for s in suffixes:
            p = kind + ("-" + s if s else "")
            if re.search(r"\b" + re.escape(p) + r"(-NEXT|-SAME|-NOT|-DAG)?:", text):
                out.append(p)
        return out

    messages, notes, fixes = prefixes("CHECK-MESSAGES"), prefixes("CHECK-NOTES"), prefixes("CHECK-FIXES")
    if not (messages or notes or fixes) and not args.expect_clang_tidy_error:
        sys.exit("check_serverless.py: '%s' has no CHECK-MESSAGES, CHECK-NOTES or "
                 "CHECK-FIXES lines for suffix '%s'; a test that checks nothing "
                 "cannot fail" % (args.source, args.check_suffix))

    ext = os.path.splitext(args.source)[1] or ".cpp"
    temp = args.temp + ext
    os.makedirs(os.path.dirname(os.path.abspath(temp)), exist_ok=True)
    # Keep line numbers: replace CHECK comments by empty comments.
    cleaned = re.sub(r"// *CHECK-[A-Z0-9\-]*:[^\r\n]*", "//", text)
    with open(temp, "w", encoding="utf-8") as f:
        f.write(cleaned)
    original = temp + ".orig"
    with open(original, "w", encoding="utf-8") as f:
        f.write(cleaned)

    if not compile_args:
        compile_args = ["-std=c++17"] if ext != ".c" else ["-std=c11"]
    elif not any(a.startswith("-std=") for a in compile_args):
        compile_args = (["-std=c++17"] if ext != ".c" else ["-std=c11"]) + compile_args
    checks_arg = [] if any(a.startswith("-checks") or a.startswith("--checks")
                           for a in tidy_extra) else ["--checks=-*," + args.check]
    cmd = shlex.split(args.runner) + [temp, "-fix", "--header-filter=.*"] + \
        checks_arg + tidy_extra + ["--"] + compile_args
    code, output = run(cmd)
    print("Running:", " ".join(shlex.quote(c) for c in cmd))
    print("------------------------ clang-tidy output -----------------------")
    print(output)
    print("------------------------------------------------------------------")
    if code != 0 and not args.expect_clang_tidy_error:
        # clang-tidy exits 1 only on compiler errors (without -fix-errors).
        sys.exit("clang-tidy failed with exit code %d" % code)
    if args.expect_clang_tidy_error and code == 0:
        sys.exit("clang-tidy was expected to fail")

    def filecheck(input_text, prefix_list, implicit):
        path = temp + ".out." + "-".join(prefix_list)
        with open(path, "w", encoding="utf-8") as f:
            f.write(input_text)
        fc = [args.filecheck, "-input-file=" + path, args.source,
              "-check-prefixes=" + ",".join(prefix_list), "-dump-input=fail",
              # A variant that expects no finding has only -NOT lines.
              "-allow-empty"]
        if implicit:
            fc.append("-implicit-check-not=" + implicit)
        code, out = run(fc)
        if code != 0:
            print(out)
            sys.exit("FileCheck failed for " + ",".join(prefix_list))

    if fixes:
        with open(temp, encoding="utf-8") as f:
            fixed = f.read()
        filecheck(fixed, fixes, None)
        diff_code, diff = run(["diff", "-u", original, temp])
        print("------------------------------ Fixes -----------------------------")
        print(diff)
        print("------------------------------------------------------------------")
    if messages:
        only = "\n".join(l for l in output.splitlines() if ": note:" not in l)
        filecheck(only, messages, "{{warning|error}}:")
    if notes:
        only = "\n".join(l for l in output.splitlines() if "note: FIX-IT applied" not in l)
        filecheck(only, notes, "{{note|warning|error}}:")


if __name__ == "__main__":
    main()
