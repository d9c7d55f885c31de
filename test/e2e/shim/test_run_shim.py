"""End-to-end tests of the shim through `serverless-tidy run` (Phase B: the
real emulator drives the invocation boundaries, the ShimObserver adds the
ledger fields to the --json document and the summary).

    SERVERLESS_TIDY=... SHIM_FUNCTIONS=... SHIM_SOURCES=... python3 test_run_shim.py <test>
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # test/e2e: servers.py
from servers import RedisServer  # noqa: E402

TOOL = os.environ["SERVERLESS_TIDY"]
FN = os.environ["SHIM_FUNCTIONS"]
SRC = os.environ.get("SHIM_SOURCES", os.path.join(HERE, "functions"))


def line_of(source, marker):
    with open(os.path.join(SRC, source)) as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return "%s:%d" % (source, i)
    raise AssertionError("marker %s not in %s" % (marker, source))


def run(args, n=10):
    out = tempfile.mktemp(suffix=".json")
    cmd = [TOOL, "run", "--invocations", str(n), "--timeout", "5", "--json", out] + args
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=120)
    print(proc.stdout[-4000:])
    with open(out) as f:
        doc = json.load(f)
    os.unlink(out)
    return proc, doc


def check(cond, what, doc=None):
    if not cond:
        if doc is not None:
            print(json.dumps(doc, indent=1)[:6000])
        raise AssertionError(what)


def test_leak_fd():
    proc, doc = run([FN + "/leak_fd"], 10)
    inv = doc["invocations"]
    check(len(inv) == 10 and all(i["status"] == "success" for i in inv), "10 successful invocations", doc)
    check(all("fds_opened" in i and "fds_open_after" in i for i in inv), "ledger fields present", doc)
    after = [i["fds_open_after"] for i in inv]
    check(all(b - a == 1 for a, b in zip(after, after[1:])), "+1 fd per invocation: %s" % after, doc)
    site = line_of("leak_fd.c", "LEAK-SITE")
    check("+1.0 fd/invocation from " + site in proc.stdout, "summary names the site " + site)
    check("EMFILE projected at invocation" in proc.stdout, "summary projects EMFILE")


def test_no_shim():
    proc, doc = run(["--no-shim", FN + "/leak_fd"], 3)
    check(all("fds_opened" not in i for i in doc["invocations"]), "--no-shim: no ledger fields", doc)
    check("fd/invocation" not in proc.stdout, "--no-shim: no ledger summary")


def test_redis_per_call():
    with RedisServer() as redis:
        proc, doc = run(["--env", "REDIS_PORT=%d" % redis.port, FN + "/redis_per_call"], 6)
        conns = [len(i.get("connections_opened", [])) for i in doc["invocations"]]
        check(all(c == 1 for c in conns), "one new connection per invocation: %s" % conns, doc)
        check("new connection per invocation to 127.0.0.1:%d" % redis.port in proc.stdout,
              "summary names the peer")


def test_memory():
    # 400,000 ledger records (100 MB) in one invocation: Max Memory Used with
    # the shim stays within a few MB of the run without it (the ledger's pages
    # were charged to the function: +100 MB, an OOM at the default 128 MB).
    used = {}
    for flags in ([], ["--no-shim"]):
        proc, doc = run(["--memory", "512", "--timeout", "60", "--env", "EVENTS=200000"] + flags +
                        [FN + "/many_events"], 3)
        check(proc.returncode == 0 and all(i["status"] == "success" for i in doc["invocations"]),
              "3 successful invocations", doc)
        used[bool(flags)] = max(e["max_memory_used_mb"] for e in doc["environments"])
        if not flags:
            # Ring mode (the emulator drains while the function runs): every
            # record arrived, none dropped, none torn.
            procs = [p for env in doc["shim"].values() for p in env["processes"]]
            main = [p for p in procs if p["main"]][0]
            check(main["ring"] and main["dropped"] == 0 and main["torn"] == 0 and main["records"] >= 400000,
                  "ring mode, all 400,000 records: %s" % main, doc)
    print("Max Memory Used: %d MB with the shim, %d MB without" % (used[False], used[True]))
    check(used[False] - used[True] <= 3, "the shim's pages are not the function's memory: %s" % used)


if __name__ == "__main__":
    globals()["test_" + sys.argv[1]]()
    print("PASS", sys.argv[1])
