"""A minimal LSP client for driving clangd over stdio (stdlib only).

Used by the serverless-clangd end-to-end tests and by bench/clangd. Messages
are framed with Content-Length headers; a reader thread queues everything the
server sends, answers server-to-client requests with a null result (clangd
asks for e.g. window/workDoneProgress/create), and every wait has a deadline
so a hung server fails the test instead of blocking it.
"""

import json
import os
import queue
import subprocess
import threading
import time
import urllib.parse


def path_to_uri(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


class LspError(Exception):
    pass


class LspClient:
    def __init__(self, argv, cwd=None, env=None, stderr_path=None):
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, cwd=cwd, env=env)
        self._next_id = 1
        self._messages = queue.Queue()
        self._pending = []  # received but not yet consumed by a wait
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- transport -------------------------------------------------------
    def _send(self, message):
        body = json.dumps(message).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read_loop(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self._messages.put(None)  # EOF
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length is None:
                continue
            message = json.loads(out.read(length).decode("utf-8"))
            if "method" in message and "id" in message:
                # A request from the server: accept it.
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            self._messages.put(message)

    def _wait(self, predicate, timeout):
        for i, message in enumerate(self._pending):
            if predicate(message):
                return self._pending.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LspError("timed out after %.0fs" % timeout)
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty:
                raise LspError("timed out after %.0fs" % timeout)
            if message is None:
                raise LspError("server exited (code %s)" % self.proc.poll())
            if predicate(message):
                return message
            self._pending.append(message)

    # -- protocol --------------------------------------------------------
    def request(self, method, params, timeout=30):
        request_id = self._next_id
        self._next_id += 1
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        reply = self._wait(lambda m: m.get("id") == request_id and "method" not in m, timeout)
        if "error" in reply:
            raise LspError("%s: %s" % (method, reply["error"]))
        return reply.get("result")

    def notify(self, method, params):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root):
        result = self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": path_to_uri(root),
            "capabilities": {
                "textDocument": {
                    "publishDiagnostics": {"relatedInformation": True},
                    "codeAction": {"codeActionLiteralSupport": {
                        "codeActionKind": {"valueSet": ["quickfix", "refactor"]}}},
                    "hover": {"contentFormat": ["plaintext"]},
                },
            },
        })
        self.notify("initialized", {})
        return result

    def did_open(self, path, text, version=1):
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": path_to_uri(path), "languageId": "cpp", "version": version, "text": text}})

    def did_change(self, path, text, version):
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": path_to_uri(path), "version": version},
            "contentChanges": [{"text": text}]})

    def wait_diagnostics(self, path, version=None, timeout=30):
        """The next publishDiagnostics for `path` (for `version`, if given)."""
        uri = path_to_uri(path)

        def matches(m):
            if m.get("method") != "textDocument/publishDiagnostics":
                return False
            params = m["params"]
            return params["uri"] == uri and (version is None or params.get("version") == version)
        return self._wait(matches, timeout)["params"]["diagnostics"]

    def shutdown(self, timeout=10):
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
                self.proc.wait(timeout=timeout)
        except (LspError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            if self._stderr is not subprocess.DEVNULL:
                self._stderr.close()
