#!/usr/bin/env python3
"""Writes BUILD/compile_commands.json for every .cpp of a test project.
Usage: make_db.py PROJECT_DIR BUILD_DIR SDK_INPUTS [extra compiler flags...]"""
import json
import os
import sys

project, build, sdk = (os.path.abspath(a) for a in sys.argv[1:4])
extra = sys.argv[4:]
os.makedirs(build, exist_ok=True)
files = sorted(f for f in os.listdir(project) if f.endswith(".cpp"))
db = [{"directory": project, "file": os.path.join(project, f),
       "arguments": ["clang++-19", "-std=c++17", "-isystem", sdk, "-I/usr/include/postgresql"] + extra +
                    ["-c", f, "-o", os.path.join(build, f + ".o")]} for f in files]
with open(os.path.join(build, "compile_commands.json"), "w") as out:
    json.dump(db, out, indent=1)
