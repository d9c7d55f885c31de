#!/usr/bin/env python3
"""Runs a command and prints `exit code: N` on stderr after it (then exits 0), so a lit test can
check the exact exit status (`not` only tells zero from non-zero).
Usage: exit_code.py COMMAND [ARGS...]"""
import subprocess
import sys

r = subprocess.run(sys.argv[1:])
sys.stdout.flush()
print("exit code: %d" % r.returncode, file=sys.stderr)
