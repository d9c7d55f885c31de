#!/usr/bin/env python3
# A Runtime API client in Python for the abuse suite: it answers its first
# invocation with a chunked response above Lambda's 6 MiB limit (argv[1]
# bytes), prints the status it got, and answers the others normally.
import os
import socket
import sys

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
size = int(sys.argv[1]) if len(sys.argv) > 1 else 7 * 1024 * 1024


def call(method, path, body=None, chunked=False):
    s = socket.create_connection((host, int(port)))
    head = "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n" % (method, path, host, port)
    if body is None:
        s.sendall(head.encode() + b"\r\n")
    elif chunked:
        s.sendall(head.encode() + b"Transfer-Encoding: chunked\r\n\r\n")
        try:
            for i in range(0, len(body), 1 << 20):
                part = body[i:i + (1 << 20)]
                s.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass
    else:
        s.sendall(head.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    data = b""
    while True:
        try:
            c = s.recv(65536)
        except OSError:
            break
        if not c:
            break
        data += c
    s.close()
    top = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    status = int(top[0].split()[1]) if top and top[0].startswith(b"HTTP/") else 0
    headers = dict(l.decode("latin-1").lower().split(": ", 1) for l in top[1:] if b": " in l)
    return status, headers


n = 0
while True:
    status, headers = call("GET", "/2018-06-01/runtime/invocation/next")
    if status != 200:
        sys.exit(0)
    rid = headers["lambda-runtime-aws-request-id"]
    n += 1
    path = "/2018-06-01/runtime/invocation/%s/response" % rid
    if n == 1:
        st, _ = call("POST", path, b"x" * size, chunked=True)
        print("chunked_runtime: posted %d bytes chunked -> %d" % (size, st), flush=True)
    else:
        st, _ = call("POST", path, b"{}")
        print("chunked_runtime: posted 2 bytes -> %d" % st, flush=True)
