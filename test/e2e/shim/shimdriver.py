"""A small stand-in for `serverless-tidy run` that plays the emulator's side
of the shim protocol (lib/Runtime/ShimProtocol.h): a Runtime API server on
loopback, the control page (state, deadline, capture request) and the ledger
dir, SIGTERM/SIGKILL shutdown. Used by the Phase A shim tests so they do not
depend on the emulator; the Phase B tests go through `serverless-tidy run`.
"""
import ctypes
import http.server
import atexit
import json
import mmap
import os
import queue
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time

PHASE_INIT, PHASE_INVOKE, PHASE_IDLE, PHASE_SHUTDOWN, PHASE_KILLED = 1, 2, 3, 4, 5
MAGIC, VERSION, SIZE = 0x4C525453, 1, 4096
# ShimControl offsets
OFF_SEQ, OFF_CAPTO, OFF_STATE, OFF_DEADLINE, OFF_CREQ, OFF_CDONE, OFF_AUTO = 8, 12, 16, 24, 32, 36, 40

_libc = ctypes.CDLL(None, use_errno=True)
SYS_futex, FUTEX_WAKE = 202, 1


class ControlPage:
    def __init__(self, path):
        self.path = path
        with open(path, "wb") as f:
            f.write(b"\0" * SIZE)
        self.f = open(path, "r+b")
        self.m = mmap.mmap(self.f.fileno(), SIZE)
        self.addr = ctypes.addressof(ctypes.c_char.from_buffer(self.m))
        struct.pack_into("<IIIIQqIII", self.m, 0, 0, VERSION, 0, 200, 0, 0, 0, 0, 1)
        struct.pack_into("<I", self.m, 0, MAGIC)

    def _wake(self, off):
        seq = struct.unpack_from("<I", self.m, off)[0]
        if off == OFF_SEQ:
            struct.pack_into("<I", self.m, OFF_SEQ, (seq + 1) & 0xffffffff)
        _libc.syscall(SYS_futex, ctypes.c_void_p(self.addr + off), FUTEX_WAKE, 0x7fffffff, None, None, 0)

    def set_state(self, inv, phase, deadline_ms=None):
        if deadline_ms is not None:
            struct.pack_into("<q", self.m, OFF_DEADLINE, deadline_ms)
        struct.pack_into("<Q", self.m, OFF_STATE, (inv << 8) | phase)
        self._wake(OFF_SEQ)

    def capture(self, timeout=1.0):
        req = (struct.unpack_from("<I", self.m, OFF_CREQ)[0] + 1) & 0xffffffff
        struct.pack_into("<I", self.m, OFF_CREQ, req)
        self._wake(OFF_SEQ)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if struct.unpack_from("<I", self.m, OFF_CDONE)[0] == req:
                return True
            time.sleep(0.005)
        return False

    def close(self):
        del self.addr
        try:
            self.m.close()
        except BufferError:
            pass
        self.f.close()


class Drainer:
    """serverless-shim-drain (the emulator's drainer of the shim's ring mode,
    lib/Shim/LedgerDrain.h) on a ring dir in /dev/shm and a ledger dir."""

    def __init__(self, tool, ledger, *opts):
        self.ring = tempfile.mkdtemp(prefix="st-ring-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        atexit.register(shutil.rmtree, self.ring, True)
        self.ledger = ledger
        self.p = subprocess.Popen([tool, self.ring, ledger] + list(opts), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, universal_newlines=True)
        line = self.p.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError("drainer did not start: %r" % line)
        self.stats = None

    def env(self):
        return {"SERVERLESS_SHIM_RING": self.ring, "SERVERLESS_SHIM_LEDGER": self.ledger}

    def finish(self):
        """Last look (the processes are gone); returns its numbers."""
        if self.stats is None:
            self.p.stdin.close()
            out = self.p.stdout.read()
            self.p.wait()
            self.stats = {k: float(v) if "." in v else int(v)
                          for k, v in (f.split("=", 1) for f in out.split() if "=" in f)}
        return self.stats


class Emulator:
    def __init__(self, argv, shim, env=None, timeout_ms=3000, fd_limit=1024, shim_enabled=True, drain=None):
        self.argv, self.shim, self.timeout_ms = argv, shim, timeout_ms
        self.tmp = tempfile.mkdtemp(prefix="st-shim-")
        # The ledger and control page live until the test process exits (the
        # report is read after shutdown), then go, pass or fail: these
        # directories used to pile up in /tmp.
        atexit.register(shutil.rmtree, self.tmp, True)
        self.ledger = os.path.join(self.tmp, "ledger")
        os.mkdir(self.ledger)
        self.ctl = ControlPage(os.path.join(self.tmp, "control"))
        self.events = queue.Queue()
        self.responses = queue.Queue()
        self.inv = 0
        self.extra_env = env or {}
        self.fd_limit = fd_limit
        self.shim_enabled = shim_enabled
        self.proc = None
        # drain: the serverless-shim-drain tool: ring mode, as `serverless-tidy run` does.
        self.drainer = Drainer(drain, self.ledger) if drain and shim_enabled else None

    # --- Runtime API ---------------------------------------------------------
    def _server(self):
        emu = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _reply(self, code, body=b"", headers=()):
                self.send_response(code)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path.endswith("/runtime/invocation/next"):
                    item = emu.events.get()
                    if item is None:
                        self.close_connection = True
                        return
                    inv, payload, deadline = item
                    emu.ctl.set_state(inv, PHASE_INVOKE, deadline)
                    self._reply(200, payload.encode(), [("Lambda-Runtime-Aws-Request-Id", "req-%d" % inv),
                                                        ("Lambda-Runtime-Deadline-Ms", str(deadline))])
                else:
                    self._reply(404)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n) if n else b""
                if "/response" in self.path or "/error" in self.path:
                    emu.ctl.set_state(emu.inv, PHASE_IDLE)
                    emu.responses.put(body.decode(errors="replace"))
                self._reply(202, b'{"status":"OK"}')

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self.httpd.server_address[1]

    def start(self):
        port = self._server()
        env = dict(os.environ)
        env.update(self.extra_env)
        env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:%d" % port
        if self.shim_enabled:
            env["LD_PRELOAD"] = self.shim
            env["SERVERLESS_SHIM_LEDGER"] = self.ledger
            env["SERVERLESS_SHIM_CONTROL"] = self.ctl.path
            if self.drainer:
                env.update(self.drainer.env())
        self.ctl.set_state(0, PHASE_INIT, 0)
        limit = self.fd_limit

        def pre():
            import resource
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        self.proc = subprocess.Popen(self.argv, env=env, preexec_fn=pre, start_new_session=True,
                                     stdin=subprocess.DEVNULL)
        return self

    def invoke(self, payload="{}", timeout_ms=None, on_deadline=None):
        """Returns the response body, or None if the deadline passed."""
        self.inv += 1
        t = timeout_ms or self.timeout_ms
        deadline = int(time.time() * 1000) + t
        self.events.put((self.inv, payload, deadline))
        try:
            return self.responses.get(timeout=t / 1000.0)
        except queue.Empty:
            # The deadline passed while the function still runs: ask the shim
            # for every thread's stack (it also does so by itself).
            if on_deadline:
                on_deadline(self)
            elif self.shim_enabled:
                self.ctl.capture(1.0)
            return None

    def shutdown(self, grace_ms=300):
        """SIGTERM, grace, SIGKILL, as the cloud does with an extension."""
        if self.proc.poll() is None:
            self.ctl.set_state(self.inv, PHASE_SHUTDOWN)
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace_ms / 1000.0)
            except subprocess.TimeoutExpired:
                self.ctl.set_state(self.inv, PHASE_KILLED)
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.events.put(None)
        self.httpd.shutdown()
        self.httpd.server_close()
        self.ctl.close()
        if self.drainer:
            self.drainer.finish()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.drainer:
            self.drainer.finish()

    def report(self, report_tool, *extra):
        out = subprocess.run([report_tool, self.ledger, "--json", "--invocations", str(self.inv),
                              "--fd-limit", str(self.fd_limit)] + list(extra),
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    def summary(self, report_tool):
        return subprocess.run([report_tool, self.ledger, "--invocations", str(self.inv),
                               "--fd-limit", str(self.fd_limit)], check=True, capture_output=True,
                              text=True).stdout
