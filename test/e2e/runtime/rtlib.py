# Helpers shared by the emulator's reliability and abuse tests
# (test_reliability.py, test_abuse.py): start a run in the background, find
# its Runtime API address, speak raw HTTP to it, send it signals, and list
# whatever a run left behind (processes, cgroups, shim ledgers, temp dirs).
#
# Configuration, as for test_run.py:
#   SERVERLESS_RUN        the emulator command, "|"-separated
#   SERVERLESS_FUNCTIONS  the directory of the test function binaries
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

RUN = [a for a in os.environ.get("SERVERLESS_RUN", "serverless-run-dev").split("|") if a]
FUNCTIONS = os.environ.get("SERVERLESS_FUNCTIONS", ".")


def fn(name):
    return os.path.join(FUNCTIONS, name)


def check_prerequisites():
    """Fails loudly (never skips) when the binaries are missing."""
    exe = RUN[0]
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)) and not shutil.which(exe):
        raise AssertionError("SERVERLESS_RUN=%r: %s is not an executable" % (RUN, exe))
    for name in ("echo", "sleeper", "forker", "sigterm", "hang_init", "leaky_client",
                 "flood", "abandon", "weird", "crasher"):
        if not os.access(fn(name), os.X_OK):
            raise AssertionError("test function %s missing (SERVERLESS_FUNCTIONS=%s)"
                                 % (name, FUNCTIONS))


def proc_stat(pid):
    """(state, ppid) of pid, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return rest[0], int(rest[1])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st[0] != "Z"


def descendants(root):
    """Every live process whose parent chain leads to root."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st and st[0] != "Z":
                parent[int(d)] = st[1]
    out = []
    for p in parent:
        q, seen = p, 0
        while q in parent and seen < 64:
            q = parent[q]
            seen += 1
            if q == root:
                out.append(p)
                break
    return out


def cgroup_dirs(emulator_pid):
    """cgroup directories a run with this pid created and did not remove."""
    name = "serverless-tidy-%d" % emulator_pid
    found = []
    for top in glob.glob("/sys/fs/cgroup/*"):
        for dirpath, dirnames, _ in os.walk(top):
            if dirpath.count("/") - top.count("/") > 4:
                dirnames[:] = []
                continue
            if name in dirnames:
                found.append(os.path.join(dirpath, name))
                dirnames.remove(name)
    return found


def ledgers_of(pids, tmpdir=None):
    """Shim ledger files written by these function pids (in /tmp or tmpdir)."""
    out = []
    for base in {"/tmp", tmpdir or "/tmp"}:
        for p in pids:
            out += glob.glob(os.path.join(base, "serverless-shim-*", "ledger",
                                          "ledger.%d.*" % p))
    return out


class Background:
    """A run in the background; stdout/stderr go to files (a function that
    survived its emulator would otherwise hold a pipe open forever)."""

    def __init__(self, args, function, fargs=(), json_out=True, env=None):
        self.dir = tempfile.mkdtemp(prefix="rt-e2e-")
        self.tmp = os.path.join(self.dir, "tmp")  # TMPDIR of the emulator
        os.mkdir(self.tmp)
        self.json_path = os.path.join(self.dir, "run.json") if json_out else None
        cmd = list(RUN)
        if json_out:
            cmd += ["--json", self.json_path]
        cmd += list(args) + [function] + list(fargs)
        self.out_path = os.path.join(self.dir, "out")
        self.err_path = os.path.join(self.dir, "err")
        e = dict(os.environ)
        e["TMPDIR"] = self.tmp
        if env:
            e.update(env)
        self.start = time.monotonic()
        with open(self.out_path, "wb") as o, open(self.err_path, "wb") as er:
            self.p = subprocess.Popen(cmd, stdout=o, stderr=er, stdin=subprocess.DEVNULL,
                                      env=e)
        self.pid = self.p.pid
        self.seen_pids = set()

    def out(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def err(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_line(self, pattern, timeout=10):
        """Waits until stdout has a line matching pattern; returns the match."""
        rx = re.compile(pattern, re.M)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.note_pids()
            m = rx.search(self.out())
            if m:
                return m
            if self.p.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("no line /%s/ within %ss; rc=%s\n--- out\n%s\n--- err\n%s"
                             % (pattern, timeout, self.p.poll(), self.out()[-3000:],
                                self.err()[-2000:]))

    def note_pids(self):
        self.seen_pids.update(descendants(self.pid))

    def api(self, timeout=10, count=1):
        """The Runtime API addresses (host, port) of the run's functions."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = set()
            for c in descendants(self.pid):
                self.seen_pids.add(c)
                try:
                    with open("/proc/%d/environ" % c, "rb") as f:
                        for kv in f.read().split(b"\0"):
                            if kv.startswith(b"AWS_LAMBDA_RUNTIME_API="):
                                h, p = kv.split(b"=", 1)[1].decode().split(":")
                                found.add((h, int(p)))
                except OSError:
                    pass
            if len(found) >= count:
                return sorted(found)
            time.sleep(0.02)
        raise AssertionError("no Runtime API address found for run %d" % self.pid)

    def signal(self, sig):
        self.note_pids()
        os.kill(self.pid, sig)

    def wait(self, timeout=60):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_everything()
            raise AssertionError("the run did not end within %ss\n--- out\n%s\n--- err\n%s"
                                 % (timeout, self.out()[-3000:], self.err()[-2000:]))
        self.seconds = time.monotonic() - self.start
        return rc

    def json(self):
        if not self.json_path or not os.path.exists(self.json_path):
            return None
        with open(self.json_path, "rb") as f:
            data = f.read()
        if not data:
            return None
        return json.loads(data.decode("utf-8"))  # strict: must be valid UTF-8

    def leftovers(self, extra_pids=()):
        """Everything this run left behind, as readable strings."""
        time.sleep(0.05)
        problems = []
        pids = set(self.seen_pids) | set(extra_pids)
        for p in sorted(pids):
            if alive(p):
                problems.append("process %d still running" % p)
        problems += ["cgroup %s left" % d for d in cgroup_dirs(self.pid)]
        problems += ["ledger %s left" % l for l in ledgers_of(pids, self.tmp)]
        problems += ["temp %s left" % t for t in os.listdir(self.tmp)]
        return problems

    def kill_everything(self):
        """Test cleanup after a failure: only what this run started."""
        self.note_pids()
        for p in [self.pid] + sorted(self.seen_pids):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def cleanup(self):
        if self.p.poll() is None:
            # A failed test: let the emulator clean up (SIGTERM) before
            # SIGKILL, which would leave its cgroups behind.
            self.note_pids()
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.p.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.kill_everything()
        shutil.rmtree(self.dir, ignore_errors=True)


def http(addr, raw, timeout=5.0):
    """Sends raw bytes on a new connection and reads one response.
    Returns (status, headers, body) or (None, {}, b"") when the server closed
    without answering or did not answer within timeout."""
    s = socket.create_connection(addr, timeout=timeout)
    try:
        if raw:
            s.sendall(raw)
        return read_response(s, timeout, head=raw.startswith(b"HEAD "))
    finally:
        s.close()


def read_response(s, timeout=5.0, head=False):
    s.settimeout(timeout)
    data = b""
    end = time.monotonic() + timeout
    try:
        while b"\r\n\r\n" not in data:
            if time.monotonic() > end:
                return None, {}, b""
            chunk = s.recv(65536)
            if not chunk:
                return None, {}, b""
            data += chunk
        top, body = data.split(b"\r\n\r\n", 1)
        lines = top.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
        n = 0 if head else int(headers.get("content-length", "0"))
        while len(body) < n and time.monotonic() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body
    except (socket.timeout, ConnectionError):
        return None, {}, b""


def request(method, path, body=b"", headers=()):
    if isinstance(path, str):
        path = path.encode()
    h = b"".join(x + b"\r\n" for x in headers)
    if (body or method == "POST") and not any(x.lower().startswith(b"content-length")
                                              for x in headers):
        h += b"Content-Length: %d\r\n" % len(body)
    return method.encode() + b" " + path + b" HTTP/1.1\r\nHost: x\r\n" + h + b"\r\n" + body


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    return -1


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


SIGNAME = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}
