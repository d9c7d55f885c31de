#!/usr/bin/env python3
# End-to-end test of issue 16, item 10 for Node.js: the official Node.js
# runtime interface client (npm aws-lambda-ric, unchanged) under
# `serverless-tidy run` with the shim. libuv's own descriptors (each event
# loop's epoll and eventfd, the signal pipes, the EMFILE spare /dev/null)
# and the client's Runtime API connection are the runtime's, not leaks and
# not "open at shutdown"; a handler's own leak still is.
#
# aws-lambda-ric is installed from the npm registry into NODE_RIC_DIR (the
# build tree's npm-ric/) on first use, under a lock: its install builds
# libcurl and aws-lambda-cpp from the package's sources (about 5 minutes on
# 2 cores, once per build tree; needs cmake, autoconf, automake, libtool:
# scripts/setup-debian.sh). Missing node or npm fails the test, never skips.
# Configuration as test_run.py: SERVERLESS_RUN; NODE_RIC_DIR.
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import unittest

RUN = [a for a in os.environ.get("SERVERLESS_RUN", "serverless-run-dev").split("|") if a]
RIC_DIR = os.environ.get("NODE_RIC_DIR", os.path.join(tempfile.gettempdir(), "npm-ric"))
RIC_VERSION = "3.3.0"  # the last release for Node 20 (4.x needs Node 22)

HANDLERS = {
    "quiet": "export const handler = async (event) => ({ ok: true });\n",
    # A descriptor per invocation, never closed: the user's leak.
    "leaky": ("import fs from 'node:fs';\n"
              "export const handler = async (event) => ({ fd: fs.openSync('/etc/hostname', 'r') });\n"),
}


def ensure_ric():
    """The path of aws-lambda-ric's bin/index.mjs, installing it once."""
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            raise AssertionError("%s not found: install nodejs and npm (scripts/setup-debian.sh)" % tool)
    os.makedirs(RIC_DIR, exist_ok=True)
    marker = os.path.join(RIC_DIR, "installed-%s" % RIC_VERSION)
    entry = os.path.join(RIC_DIR, "node_modules", "aws-lambda-ric", "bin", "index.mjs")
    with open(os.path.join(RIC_DIR, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            for tool in ("cmake", "autoreconf", "libtool", "make"):
                if not shutil.which(tool) and not (tool == "libtool" and shutil.which("libtoolize")):
                    raise AssertionError("%s not found: aws-lambda-ric builds libcurl and "
                                         "aws-lambda-cpp when installed (scripts/setup-debian.sh)" % tool)
            with open(os.path.join(RIC_DIR, "package.json"), "w") as f:
                f.write('{"name": "serverless-tidy-node-ric", "private": true}\n')
            r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save",
                                "aws-lambda-ric@%s" % RIC_VERSION],
                               cwd=RIC_DIR, capture_output=True, text=True, timeout=1500)
            if r.returncode != 0 or not os.path.exists(entry):
                raise AssertionError("could not install aws-lambda-ric@%s from the npm registry:\n%s"
                                     % (RIC_VERSION, (r.stdout + r.stderr)[-3000:]))
            open(marker, "w").close()
    return entry


class Result:
    def __init__(self, rc, out, err, doc):
        self.rc, self.out, self.err, self.json = rc, out, err, doc


def run(handler, args):
    entry = ensure_ric()
    with tempfile.TemporaryDirectory() as tmp:
        task = os.path.join(tmp, "task")
        os.mkdir(task)
        with open(os.path.join(task, "index.mjs"), "w") as f:
            f.write(HANDLERS[handler])
        boot = os.path.join(task, "bootstrap")
        with open(boot, "w") as f:
            f.write("#!/bin/sh\nexec node %s index.handler\n" % entry)
        os.chmod(boot, 0o755)
        path = os.path.join(tmp, "run.json")
        e = dict(os.environ)
        e["TMPDIR"] = tmp
        p = subprocess.run(RUN + ["--json", path, "--quiet"] + list(args) + [boot],
                           capture_output=True, text=True, timeout=120, env=e)
        doc = None
        if os.path.exists(path) and os.path.getsize(path):
            with open(path) as f:
                doc = json.load(f)
        print(p.stdout[-3000:])
        print(p.stderr[-2000:])
        return Result(p.returncode, p.stdout, p.stderr, doc)


class NodeRic(unittest.TestCase):
    def check_runtime_fds(self, r):
        shim = r.json["shim"]["1"]
        owned = shim["runtime_client_fds"]
        libuv = [f for f in owned if f.get("runtime_client") == "aws-lambda-ric (Node.js/libuv)"]
        kinds = {f["kind"] for f in libuv}
        self.assertTrue({"epoll", "eventfd", "pipe"} <= kinds, owned)
        # ... and the Runtime API connection (the native client's libcurl socket).
        self.assertTrue(any(f["kind"] == "tcp" and f not in libuv for f in owned), owned)
        for f in shim["open_at_exit"]:
            if f["kind"] in ("epoll", "eventfd", "pipe") and f["call"] != "inherited":
                self.assertIn(f, owned)
        self.assertRegex(r.out, r"not counted: the Runtime API client's own descriptors "
                                r"\(\d+ of aws-lambda-ric \(Node\.js/libuv\), 1 of runtime-api-connection\)")
        self.assertNotIn("hint: no line information", r.out)

    def test_runtime_descriptors_are_not_the_users(self):
        r = run("quiet", ["--invocations", "4", "--fail-on",
                          "error,crash,open-at-shutdown,fd-growth"])
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual([i["status"] for i in r.json["invocations"]], ["success"] * 4)
        self.assertIn("nothing the function opened was still open at SIGKILL (no SIGTERM was sent)",
                      r.out)
        self.assertEqual(r.json["evidence"], [])
        self.check_runtime_fds(r)
        # With an extension the runtime gets SIGTERM: nothing of libuv's either.
        r = run("quiet", ["--invocations", "2", "--extension", "sim", "--fail-on",
                          "error,open-at-shutdown"])
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("nothing the function opened was still open at SIGTERM", r.out)
        self.check_runtime_fds(r)

    def test_a_handlers_leak_is_still_reported(self):
        r = run("leaky", ["--invocations", "5", "--fail-on", "fd-growth"])
        self.assertEqual(r.rc, 1, r.err)
        self.assertRegex(r.out, r"\+1\.0 fd/invocation from \S+ \(uv__fs_open\)")
        self.assertRegex(r.out, r"open at SIGKILL \(no SIGTERM was sent\): 5 fds file /etc/hostname")
        leaks = r.json["shim"]["1"]["leak_sites"]
        self.assertEqual([l["kind"] for l in leaks], ["file"], leaks)
        self.assertIn("fd-growth", [e["kind"] for e in r.json["evidence"]])
        self.check_runtime_fds(r)


if __name__ == "__main__":
    unittest.main()
