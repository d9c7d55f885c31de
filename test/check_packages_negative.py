#!/usr/bin/env python3
"""scripts/check-packages.py must fail, naming the package, when the setup script does not
install a package whose header the tests include. Usage: REPO SCRATCH_SETUP_FILE"""
import re
import subprocess
import sys

repo, scratch = sys.argv[1], sys.argv[2]
text = open(repo + "/scripts/setup-debian.sh", encoding="utf-8").read()
if not re.search(r"\blibpqxx-dev\b", text):
    sys.exit("setup-debian.sh does not list libpqxx-dev: the checker tests include <pqxx/pqxx>")
open(scratch, "w", encoding="utf-8").write(re.sub(r"\blibpqxx-dev\b", "", text))
r = subprocess.run([sys.executable, repo + "/scripts/check-packages.py", "--repo", repo, "--setup", scratch],
                   capture_output=True, text=True)
print(r.stdout + r.stderr)
if r.returncode != 1 or "missing package libpqxx-dev" not in r.stdout:
    sys.exit("expected exit 1 naming libpqxx-dev, got exit %d" % r.returncode)
print("ok: the check fails when libpqxx-dev is missing from the setup script")
