#!/usr/bin/env python3
# A Runtime API client that probes the API's details (issue 16, item 4), for
# test_cloud_lifecycle.ApiDetails. Run by the emulator as the function: at
# init it registers an internal extension for SHUTDOWN and subscribes to the
# Telemetry and Logs APIs; then for each event ({"do": ...}) it posts what
# the event asks for and prints one "probe: ..." line per answer:
#   {"do":"error","header":H,"type":T}  /error with header H (none if null)
#                                       and body errorType T
#   {"do":"respond","bytes":N}          a response of N bytes
#   a JSON string                       the event's size is printed, then {}
import http.client
import json
import os
import sys

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")


def call(method, path, body=b"", headers=None):
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    out = (r.status, dict((k.lower(), v) for k, v in r.getheaders()), data)
    c.close()
    return out


def say(*a):
    print("probe:", *a, flush=True)


st, _, body = call("POST", "/2020-01-01/extension/register",
                   json.dumps({"events": ["INVOKE", "SHUTDOWN"]}).encode(),
                   {"Lambda-Extension-Name": "probe-ext"})
say("register-shutdown", st, json.loads(body).get("errorType"))
for path in ("/2022-07-01/telemetry", "/2020-08-15/logs"):
    st, _, body = call("PUT", path, json.dumps({"schemaVersion": "2022-07-01",
                                                 "destination": {"protocol": "HTTP",
                                                                 "URI": "http://sandbox:1234"},
                                                 "types": ["platform"]}).encode(),
                       {"Lambda-Extension-Identifier": "none"})
    say("subscribe", path, st, json.loads(body).get("errorType"))

while True:
    st, h, event = call("GET", "/2018-06-01/runtime/invocation/next")
    if st != 200:
        say("next", st)
        sys.exit(1)
    rid = h["lambda-runtime-aws-request-id"]
    ev = json.loads(event)
    if isinstance(ev, str):
        say("event-bytes", len(event))
        st, _, _ = call("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, b"{}")
        continue
    if ev.get("do") == "error":
        headers = {}
        if ev.get("header") is not None:
            headers["Lambda-Runtime-Function-Error-Type"] = ev["header"]
        st, _, _ = call("POST", "/2018-06-01/runtime/invocation/%s/error" % rid,
                        json.dumps({"errorMessage": "probe", "errorType": ev.get("type")}).encode(),
                        headers)
        say("error", st)
    elif ev.get("do") == "respond":
        st, _, _ = call("POST", "/2018-06-01/runtime/invocation/%s/response" % rid,
                        b"x" * ev["bytes"])
        say("respond", ev["bytes"], st)
