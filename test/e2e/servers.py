"""Real servers on loopback for end-to-end tests: redis-server and PostgreSQL.

Each server runs in its own process group in a temporary directory and is
always stopped: by the context manager, by atexit, and by killing the group.

    with RedisServer() as r, PostgresServer() as pg:
        r.port, r.info_clients(), pg.port, pg.conninfo
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

_LIVE = []


def _stop_all():
    for s in list(_LIVE):
        s.stop()


atexit.register(_stop_all)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port, proc, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d not listening after %.0fs" % (port, timeout))


class _Server:
    proc = None
    tmp = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _kill_group(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass

    def stop(self):
        self._kill_group()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        if self in _LIVE:
            _LIVE.remove(self)


class RedisServer(_Server):
    def __init__(self, binary="redis-server"):
        self.binary = binary
        self.port = None

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="st-redis-")
        self.port = free_port()  # redis has no port 0
        _LIVE.append(self)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.tmp, "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_port(self.port, self.proc)

    def command(self, *args):
        """One RESP command; returns the raw reply as text."""
        payload = "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(payload.encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if data.startswith(b"$"):
                    n = int(data[1:data.index(b"\r\n")])
                    if len(data) >= data.index(b"\r\n") + 2 + n + 2:
                        break
                elif data.endswith(b"\r\n"):
                    break
        return data.decode(errors="replace")

    def connected_clients(self):
        """connected_clients from INFO clients, minus the connection asking."""
        for line in self.command("INFO", "clients").splitlines():
            if line.startswith("connected_clients:"):
                return int(line.split(":")[1]) - 1
        raise RuntimeError("no connected_clients in INFO")


class PostgresServer(_Server):
    BIN = "/usr/lib/postgresql/15/bin"

    def __init__(self, user="postgres"):
        self.user = user
        self.port = None

    def _as_user(self, argv):
        if os.geteuid() == 0:
            return ["runuser", "-u", self.user, "--"] + argv
        return argv

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="st-pg-")
        data = os.path.join(self.tmp, "data")
        if os.geteuid() == 0:
            shutil.chown(self.tmp, self.user, self.user)
            os.chmod(self.tmp, 0o700)
        _LIVE.append(self)
        subprocess.run(self._as_user([self.BIN + "/initdb", "-D", data, "-A", "trust", "-U", "postgres",
                                      "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = free_port()
        # postgres (not pg_ctl) in the foreground, in its own process group, so
        # killing the group always takes every backend with it.
        self.proc = subprocess.Popen(
            self._as_user([self.BIN + "/postgres", "-D", data, "-c", "listen_addresses=127.0.0.1",
                           "-c", "port=%d" % self.port, "-c", "unix_socket_directories=" + self.tmp,
                           "-c", "fsync=off"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_port(self.port, self.proc)
        self.conninfo = "host=127.0.0.1 port=%d user=postgres dbname=postgres connect_timeout=5" % self.port

    def stop(self):
        # SIGINT is postgres's "fast shutdown"; then the group is killed anyway.
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        super().stop()
