#!/usr/bin/env python3
# End-to-end tests of issue 16's lifecycle items, with the real aws-lambda-cpp
# client (test/e2e/functions/alc_ledger.cpp) where the item is about what a
# runtime client sees, and a Python probe (api_probe.py) where it is about
# the API alone. One class per item, one ctest each (runtime-e2e-<Class>):
#   SuppressedInit    item 1  a re-init after a reset counts against the
#                             function timeout (the doom loop)
#   ResetShutdown     item 2  a reset with extensions is a shutdown
#   ProcessGroup      item 3  SIGTERM to the process group; "exited in grace"
#                             is the Runtime API holder's
#   ApiDetails        item 4  limits, error types, extension and telemetry
#                             answers, REPORT words, init timeout type
#   CloudEnvironment  item 5  task root, cwd, variables, descriptors, billing
#   DeploymentTemplate item 6 --template (SAM, serverless.yml) --function
#   Serve             item 7  --serve: RIE's invoke endpoint
#   Progress          item 15 a progress line on a terminal only
# Configuration as test_run.py: SERVERLESS_RUN, SERVERLESS_FUNCTIONS.
import base64
import http.client
import json
import os
import pty
import signal
import select
import re
import subprocess
import tempfile
import time
import unittest

RUN = [a for a in os.environ.get("SERVERLESS_RUN", "serverless-run-dev").split("|") if a]
FUNCTIONS = os.environ.get("SERVERLESS_FUNCTIONS", ".")
HERE = os.path.dirname(os.path.abspath(__file__))

REPORT_RE = re.compile(r"^REPORT RequestId: (?P<id>\S+)\tDuration: (?P<duration>[\d.]+) ms"
                       r"\tBilled Duration: (?P<billed>\d+) ms.*?"
                       r"(?:\tInit Duration: (?P<init>[\d.]+) ms)?"
                       r"(?:\tStatus: (?P<status>\S+))?(?:\tError Type: (?P<etype>\S+))?$")


def fn(name):
    path = os.path.join(FUNCTIONS, name)
    if not os.access(path, os.X_OK):
        raise AssertionError("test function %s missing (SERVERLESS_FUNCTIONS=%s)" % (name, FUNCTIONS))
    return path


class Result:
    def __init__(self, rc, out, err, doc):
        self.rc, self.out, self.err, self.json = rc, out, err, doc
        self.lines = out.splitlines()

    def statuses(self):
        return [i["status"] for i in self.json["invocations"]]

    def reports(self):
        return [m.groupdict() for m in (REPORT_RE.match(l) for l in self.lines) if m]


def run(args, function, events=None, env=None, cwd=None, caller_env=None, timeout=90):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "run.json")
        cmd = list(RUN) + ["--json", path]
        if events is not None:
            ev = os.path.join(tmp, "events.jsonl")
            with open(ev, "w") as f:
                for e in events:
                    # A string starting with '"' is already JSON (a sized event).
                    raw = isinstance(e, str) and e.startswith('"')
                    f.write((e if raw else json.dumps(e)) + "\n")
            cmd += ["--events", ev]
        for k, v in sorted((env or {}).items()):
            cmd += ["--env", "%s=%s" % (k, v)]
        cmd += list(args) + [function]
        e = dict(os.environ)
        e["TMPDIR"] = tmp
        e.update(caller_env or {})
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=e)
        doc = None
        if os.path.exists(path) and os.path.getsize(path):
            with open(path) as f:
                doc = json.load(f)
        print(p.stdout[-3000:])
        return Result(p.returncode, p.stdout, p.stderr, doc)


class SuppressedInit(unittest.TestCase):
    def test_doom_loop(self):
        # Init takes 1.5 s; the timeout is 1 s. The first (cold) init has its
        # own 10 s; after the first timeout every re-init runs inside the
        # invocation and times out again.
        r = run(["--timeout", "1", "--fail-on", "none"], fn("alc_ledger"),
                events=["future", "clean", "clean"], env={"ALC_INIT_MS": "1500"})
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.statuses(), ["timeout", "timeout", "timeout"])
        inv = r.json["invocations"]
        self.assertNotIn("suppressed_init", inv[0])
        for i in inv[1:]:
            self.assertTrue(i["suppressed_init"], i)
            self.assertEqual(i["error_type"], "Sandbox.Timedout")
            self.assertEqual(i["phase"], "init")
            self.assertAlmostEqual(i["duration_ms"], 1000, delta=60)
        self.assertEqual(len(re.findall(r"^\S+Z \S+ Task timed out after 1\.00 seconds$", r.out, re.M)), 3,
                         r.out)
        self.assertEqual(len(re.findall(r"^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: timeout$",
                                        r.out, re.M)), 2, r.out)
        self.assertEqual([x["status"] for x in r.reports()], ["timeout"] * 3)

    def test_reinit_time_is_the_invocations(self):
        r = run(["--timeout", "2", "--fail-on", "none"], fn("alc_ledger"),
                events=["future", "clean"], env={"ALC_INIT_MS": "400"})
        self.assertEqual(r.statuses(), ["timeout", "success"])
        second = r.json["invocations"][1]
        self.assertTrue(second["cold"] and second["suppressed_init"])
        self.assertGreaterEqual(second["duration_ms"], 400)
        self.assertGreaterEqual(second["billed_ms"], 400)
        reports = r.reports()
        # Init Duration only for the first cold start: the re-init is in Duration.
        self.assertIsNotNone(reports[0]["init"])
        self.assertIsNone(reports[1]["init"])
        self.assertGreaterEqual(float(reports[1]["duration"]), 400)

    def test_after_a_crash(self):
        r = run(["--timeout", "1", "--fail-on", "none"], fn("alc_ledger"),
                events=["crash", "clean"], env={"ALC_INIT_MS": "1500"})
        self.assertEqual(r.statuses(), ["crash", "timeout"])
        self.assertTrue(r.json["invocations"][1]["suppressed_init"])


class ResetShutdown(unittest.TestCase):
    def test_timeout_reset_with_an_extension(self):
        r = run(["--timeout", "1", "--extension", "ext", "--fail-on", "none"], fn("alc_ledger"),
                events=["future", "clean"], env={"ALC_SIGTERM": "log"})
        self.assertEqual(r.statuses(), ["timeout", "success"])
        first_pid = r.json["invocations"][0]["pid"]
        sd = r.json["shutdown"]
        self.assertEqual([s["reason"] for s in sd], ["timeout", "spindown"], sd)
        reset = sd[0]
        self.assertEqual(reset["pid"], first_pid)
        self.assertEqual((reset["signal"], reset["grace_ms"], reset["exited_in_grace"]),
                         ("SIGTERM", 300, True))
        # The hook ran: SIGTERM reached the timed-out runtime.
        self.assertIn("alc: SIGTERM %d" % first_pid, r.out)
        self.assertIn("[env 1] extension ext: SHUTDOWN (timeout)", r.out)
        self.assertIn("[env 2] extension ext: SHUTDOWN (spindown)", r.out)

    def test_failure_reset_with_an_extension(self):
        r = run(["--extension", "ext", "--fail-on", "none"], fn("alc_ledger"),
                events=["crash", "clean"])
        self.assertEqual(r.statuses(), ["crash", "success"])
        sd = r.json["shutdown"]
        self.assertEqual([s["reason"] for s in sd], ["failure", "spindown"], sd)
        self.assertIn("signal: aborted", sd[0]["runtime_exited"])
        self.assertFalse(sd[0]["exited_in_grace"])
        self.assertIn("[env 1] extension ext: SHUTDOWN (failure)", r.out)

    def test_no_extension_reset_is_sigkill_only(self):
        r = run(["--timeout", "1", "--fail-on", "none"], fn("alc_ledger"),
                events=["future", "clean"], env={"ALC_SIGTERM": "log"})
        self.assertEqual([s["reason"] for s in r.json["shutdown"]], ["spindown"])
        self.assertNotIn("alc: SIGTERM", r.out)
        self.assertIn("environment reset after timeout: SIGKILL", r.out)


class ProcessGroup(unittest.TestCase):
    def bootstrap(self, tmp):
        path = os.path.join(tmp, "bootstrap")
        with open(path, "w") as f:
            # Wraps the runtime without exec: the shell is the spawned
            # process, the runtime its child.
            f.write("#!/bin/sh\n\"%s\"\necho \"bootstrap: runtime ended\"\n" % fn("alc_ledger"))
        os.chmod(path, 0o755)
        return path

    def test_sigterm_reaches_the_wrapped_runtime(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run(["--invocations", "2", "--extension", "ext"], self.bootstrap(tmp),
                    env={"ALC_SIGTERM": "log"})
        self.assertEqual(r.rc, 0, r.err)
        sd = r.json["shutdown"][0]
        m = re.search(r"^alc: SIGTERM (\d+)$", r.out, re.M)
        self.assertIsNotNone(m, "SIGTERM did not reach the runtime under the bootstrap")
        self.assertEqual(sd["runtime_pid"], int(m.group(1)))
        self.assertEqual(sd["bootstrap_pid"], sd["pid"])
        self.assertNotEqual(sd["runtime_pid"], sd["pid"])
        self.assertTrue(sd["exited_in_grace"])

    def test_exited_in_grace_is_the_runtimes(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run(["--invocations", "1", "--extension", "ext", "--fail-on", "shutdown"],
                    self.bootstrap(tmp), env={"ALC_SIGTERM": "ignore"})
        sd = r.json["shutdown"][0]
        # The shell died at SIGTERM; the runtime (holding the Runtime API
        # connection) ignored it and was SIGKILLed after the grace.
        self.assertFalse(sd["exited_in_grace"], sd)
        self.assertIn("did not exit within the grace: SIGKILL", r.out)
        self.assertEqual(r.rc, 1)


class ApiDetails(unittest.TestCase):
    def probe(self, events, args=()):
        return run(["--fail-on", "none"] + list(args), os.path.join(HERE, "api_probe.py"), events=events)

    def test_extensions_and_telemetry_answers(self):
        r = self.probe([{"do": "respond", "bytes": 2}])
        self.assertIn("probe: register-shutdown 403 ShutdownEventNotSupportedForInternalExtension", r.out)
        self.assertIn("probe: subscribe /2022-07-01/telemetry 202 Telemetry.NotSupported", r.out)
        self.assertIn("probe: subscribe /2020-08-15/logs 202 Logs.NotSupported", r.out)
        self.assertEqual(r.statuses(), ["success"])

    def test_error_type_from_the_header(self):
        r = self.probe([{"do": "error", "header": "Function.MyFailure", "type": "BodyType"},
                        {"do": "error", "header": "oops", "type": "BodyType"},
                        {"do": "error", "header": "Function.x", "type": "BodyType"},
                        {"do": "error", "header": None, "type": "BodyOnly"}])
        inv = r.json["invocations"]
        self.assertEqual([i["error_type"] for i in inv],
                         ["Function.MyFailure", "Runtime.Unknown", "Function.Unknown", "BodyOnly"])
        self.assertEqual([i.get("payload_error_type") for i in inv], ["BodyType", "BodyType", "BodyType", "BodyOnly"])

    def test_response_limit(self):
        r = self.probe([{"do": "respond", "bytes": 6291556}, {"do": "respond", "bytes": 6291557}])
        self.assertIn("probe: respond 6291556 202", r.out)
        self.assertIn("probe: respond 6291557 413", r.out)
        self.assertEqual(r.statuses(), ["success", "invalid-response"])
        self.assertIn("6291556 bytes", r.json["invocations"][1]["error"])

    def test_oversized_event_refused(self):
        ok = '"' + "a" * (6291556 - 2) + '"'
        big = '"' + "a" * (6291557 - 2) + '"'
        r = self.probe([ok, big])
        self.assertIn("probe: event-bytes 6291556", r.out)
        self.assertNotIn("probe: event-bytes 6291557", r.out)
        inv = r.json["invocations"]
        self.assertEqual(inv[0]["status"], "success")
        self.assertEqual((inv[1]["status"], inv[1]["error_type"]), ("error", "RequestEntityTooLargeException"))
        self.assertTrue(inv[1]["rejected"])
        self.assertIn("[run] invocation 1 refused: the event is 6291557 bytes", r.out)

    def test_report_has_the_clouds_words(self):
        r = run(["--fail-on", "none"], fn("alc_ledger"), events=["crash"])
        self.assertEqual(r.statuses(), ["crash"])  # the emulator's word, in the JSON
        rep = r.reports()[0]
        self.assertEqual((rep["status"], rep["etype"]), ("error", "Runtime.ExitError"))
        for line in r.lines:
            if line.startswith("REPORT") or line.startswith("INIT_REPORT"):
                m = re.search(r"Status: (\S+)", line)
                if m:
                    self.assertIn(m.group(1), ("timeout", "error"), line)

    def test_init_timeout_type(self):
        r = run(["--invocations", "1", "--init-timeout", "0.5", "--fail-on", "none"], fn("alc_ledger"),
                env={"ALC_INIT_MS": "3000"})
        self.assertEqual(r.json["invocations"][0]["error_type"], "Sandbox.Timedout")
        self.assertRegex(r.out, r"INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: timeout")


class CloudEnvironment(unittest.TestCase):
    def env_of(self, r):
        m = re.search(r"^alc-env (\{.*\})$", r.out, re.M)
        self.assertIsNotNone(m, r.out)
        return json.loads(m.group(1))

    def test_task_root_cwd_and_variables(self):
        root = os.path.realpath(FUNCTIONS)
        with tempfile.NamedTemporaryFile("w", suffix=".env", delete=False) as f:
            f.write("# a comment\n\nALC_FROM_FILE=yes\nexport AWS_PROFILE=from-file\n")
        self.addCleanup(os.unlink, f.name)
        r = run(["--invocations", "1", "--no-shim", "--env-file", f.name],
                os.path.join(os.path.basename(root), "alc_ledger"),
                env={"ALC_PRINT_ENV": "1"}, cwd=os.path.dirname(root),
                caller_env={"HOME": "/root", "AWS_ACCESS_KEY_ID": "AKIADEVELOPER",
                            "AWS_SECRET_ACCESS_KEY": "secret", "AWS_PROFILE": "dev"})
        self.assertEqual(r.rc, 0, r.err)
        e = self.env_of(r)
        self.assertEqual(e["LAMBDA_TASK_ROOT"], root)
        self.assertEqual(e["LAMBDA_RUNTIME_DIR"], root)
        self.assertEqual(e["cwd"], root)
        self.assertIsNone(e["HOME"])
        self.assertIsNone(e["AWS_ACCESS_KEY_ID"])
        self.assertIsNone(e["AWS_SECRET_ACCESS_KEY"])
        self.assertEqual(e["AWS_PROFILE"], "from-file")  # passed explicitly
        self.assertEqual(e["ALC_FROM_FILE"], "yes")
        self.assertEqual(e["fds"], [0, 1, 2])

    def test_env_overrides_env_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".env", delete=False) as f:
            f.write("ALC_FROM_FILE=file\n")
        self.addCleanup(os.unlink, f.name)
        r = run(["--invocations", "1", "--env-file", f.name, "--env", "ALC_FROM_FILE=flag"],
                fn("alc_ledger"), env={"ALC_PRINT_ENV": "1"})
        self.assertEqual(self.env_of(r)["ALC_FROM_FILE"], "flag")

    def test_cold_start_billed_with_init(self):
        r = run(["--invocations", "2"], fn("alc_ledger"), env={"ALC_INIT_MS": "300"})
        cold, warm = r.json["invocations"]
        self.assertGreaterEqual(cold["init_ms"], 300)
        self.assertGreaterEqual(cold["billed_ms"], int(cold["init_ms"] + cold["duration_ms"]))
        self.assertLess(warm["billed_ms"], 100)
        reps = r.reports()
        self.assertGreaterEqual(int(reps[0]["billed"]), 300)


SAM = '''AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
Globals:
  Function:
    Timeout: 5
    MemorySize: 256
    Environment:
      Variables:
        ALC_FROM_FILE: from-globals
        STAGE: !Ref Stage
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.handler
      FunctionName: orders-prod
      Timeout: 2
      Environment:
        Variables:
          ALC_FROM_FILE: from-template
          ALC_PRINT_ENV: "1"
      Layers:
        - arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38
        - arn:aws:lambda:us-east-1:123456789012:layer:common-libs:3
  Billing:
    Type: AWS::Serverless::Function
    Properties:
      Handler: billing.handler
  Table:
    Type: AWS::DynamoDB::Table
'''

SLS = '''service: shop
provider:
  name: aws
  runtime: provided.al2023
  timeout: 9
  environment:
    ALC_FROM_FILE: provider
    SECRET: ${ssm:/shop/secret}
functions:
  api:
    handler: bootstrap
    memorySize: 512
    environment:
      ALC_PRINT_ENV: "1"
    layers:
      - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:65
  worker:
    handler: bootstrap
    timeout: 30
'''


class DeploymentTemplate(unittest.TestCase):
    def write(self, name, text):
        d = tempfile.mkdtemp(prefix="rt16-tmpl-")
        self.addCleanup(lambda: __import__("shutil").rmtree(d, ignore_errors=True))
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def alc_env(self, r):
        m = re.search(r"^alc-env (\{.*\})$", r.out, re.M)
        self.assertIsNotNone(m, r.out)
        return json.loads(m.group(1))

    def test_sam_function(self):
        t = self.write("template.yaml", SAM)
        r = run(["--template", t, "--function", "Orders", "--invocations", "1"], fn("alc_ledger"))
        self.assertEqual(r.rc, 0, r.err)
        c = r.json["config"]
        self.assertEqual((c["timeout_ms"], c["memory_mb"]), (2000, 256))  # function over Globals
        self.assertEqual(c["extensions"], ["LambdaInsightsExtension"])
        self.assertEqual(c["template"]["function"], "Orders")
        self.assertEqual(self.alc_env(r)["ALC_FROM_FILE"], "from-template")
        # The extension from the layer changes the shutdown rule: SIGTERM, 300 ms.
        self.assertEqual(r.json["shutdown"][0]["signal"], "SIGTERM")
        self.assertIn("[run] template: variable STAGE is not a plain value (!Ref): not set", r.out)
        self.assertIn("layer common-libs is not taken as an extension", r.out)
        self.assertTrue(r.reports()[0] is not None)
        self.assertIn("Memory Size: 256 MB", r.out)

    def test_command_line_wins(self):
        t = self.write("template.yaml", SAM)
        r = run(["--template", t, "--function", "Orders", "--invocations", "1", "--timeout", "1",
                 "--env", "ALC_FROM_FILE=flag"], fn("alc_ledger"))
        self.assertEqual(r.json["config"]["timeout_ms"], 1000)
        self.assertEqual(self.alc_env(r)["ALC_FROM_FILE"], "flag")
        self.assertIn("timeout 2 s (overridden on the command line)", r.out)

    def test_serverless_yml(self):
        t = self.write("serverless.yml", SLS)
        r = run(["--template", t, "--function", "api", "--invocations", "1"], fn("alc_ledger"))
        self.assertEqual(r.rc, 0, r.err)
        c = r.json["config"]
        self.assertEqual((c["timeout_ms"], c["memory_mb"]), (9000, 512))  # provider's timeout
        self.assertEqual(c["extensions"], ["Datadog-Extension"])
        self.assertEqual(self.alc_env(r)["ALC_FROM_FILE"], "provider")
        self.assertIn("variable SECRET is ${ssm:/shop/secret}, resolved at deploy time: not set", r.out)
        self.assertIn("function name shop-dev-api", r.out)

    def test_which_function(self):
        t = self.write("template.yaml", SAM)
        p = subprocess.run(list(RUN) + ["--template", t, fn("alc_ledger")], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("has 2 functions (Orders, Billing): name one with --function", p.stderr)
        p = subprocess.run(list(RUN) + ["--template", t, "--function", "Nope", fn("alc_ledger")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("has no function 'Nope' (it has Orders, Billing)", p.stderr)


class Serve(unittest.TestCase):
    def start(self, args):
        tmp = tempfile.mkdtemp(prefix="rt16-serve-")
        self.addCleanup(lambda: __import__("shutil").rmtree(tmp, ignore_errors=True))
        out = open(os.path.join(tmp, "out"), "w+")
        self.addCleanup(out.close)
        js = os.path.join(tmp, "run.json")
        p = subprocess.Popen(list(RUN) + ["--json", js, "--serve", "0"] + list(args) + [fn("alc_ledger")],
                             stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=dict(os.environ, TMPDIR=tmp))
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        end = time.monotonic() + 20
        port = None
        while time.monotonic() < end and port is None:
            out.seek(0)
            m = re.search(r"^\[run\] serving POST http://127\.0\.0\.1:(\d+)/2015-03-31/functions/function/"
                          r"invocations", out.read(), re.M)
            port = int(m.group(1)) if m else None
            time.sleep(0.02)
        self.assertIsNotNone(port, "no serving line")
        return p, port, out, js

    def invoke(self, port, body, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/2015-03-31/functions/function/invocations", body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def test_invocations_through_the_endpoint(self):
        p, port, out, js = self.start(["--invocations", "3"])
        ctx = base64.b64encode(b'{"custom":{"team":"a"}}').decode()
        st, h, body = self.invoke(port, b'"context"', {"X-Amz-Client-Context": ctx,
                                                      "X-Amz-Tenant-Id": "tenant-7",
                                                      "X-Amzn-Trace-Id": "Root=1-5f84c7a1-abc;Sampled=1"})
        self.assertEqual(st, 200)
        got = json.loads(body)
        # Passed through to the runtime's next (aws-lambda-cpp's invocation_request).
        self.assertEqual(got, {"client_context": '{"custom":{"team":"a"}}', "tenant_id": "tenant-7",
                               "trace_id": "Root=1-5f84c7a1-abc;Sampled=1"})
        st, h, body = self.invoke(port, b'"fail"')
        self.assertEqual((st, h.get("x-amz-function-error")), (200, "Unhandled"))
        self.assertEqual(json.loads(body)["errorType"], "Function.Asked")
        st, h, body = self.invoke(port, b'"clean"')
        self.assertEqual((st, json.loads(body)), (200, {"ok": True}))
        self.assertEqual(p.wait(30), 1)  # a function error: --fail-on error
        with open(js) as f:
            doc = json.load(f)
        self.assertNotIn("incomplete", doc)
        self.assertEqual([i["status"] for i in doc["invocations"]], ["success", "error", "success"])
        self.assertEqual(doc["config"]["invocations"], 3)
        self.assertEqual(doc["config"]["serve"]["address"], "127.0.0.1")

    def test_ctrl_c_ends_in_order(self):
        p, port, out, js = self.start(["--extension", "ext"])
        for _ in range(2):
            self.assertEqual(self.invoke(port, b'"clean"')[0], 200)
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(30), 0)
        out.seek(0)
        text = out.read()
        self.assertIn("[run] SIGINT: no more invocations; the run ends in order", text)
        self.assertIn("[run] result: ok (exit 0)", text)
        with open(js) as f:
            doc = json.load(f)
        self.assertNotIn("incomplete", doc)
        self.assertEqual(len(doc["invocations"]), 2)
        # The environment was shut down by the cloud's rules, not killed.
        self.assertEqual(doc["shutdown"][0]["reason"], "spindown")
        self.assertEqual(doc["shutdown"][0]["signal"], "SIGTERM")

    def test_oversized_request(self):
        p, port, out, js = self.start(["--invocations", "1"])
        st, _, _ = self.invoke(port, b'"' + b"a" * 6291556 + b'"')
        self.assertEqual(st, 413)
        self.assertEqual(self.invoke(port, b'"clean"')[0], 200)
        self.assertEqual(p.wait(30), 0)


class Progress(unittest.TestCase):
    PROGRESS = re.compile(r"\[run\] (\d+)/12 invocations, (\d+) failed, (\d+\.\d) s")

    def cmd(self, tmp):
        ev = os.path.join(tmp, "events.jsonl")
        with open(ev, "w") as f:
            f.write('"clean"\n"clean"\n"clean"\n"crash"\n')
        # About 3 s: the progress line starts after 2 s.
        return list(RUN) + ["--quiet", "--invocations", "12", "--idle", "250", "--fail-on", "none",
                            "--events", ev, fn("alc_ledger")]

    def test_on_a_terminal(self):
        with tempfile.TemporaryDirectory() as tmp:
            master, slave = pty.openpty()
            env = dict(os.environ, TMPDIR=tmp)
            p = subprocess.Popen(self.cmd(tmp), stdout=subprocess.DEVNULL, stderr=slave,
                                 stdin=subprocess.DEVNULL, env=env)
            os.close(slave)
            data = b""
            end = time.monotonic() + 60
            while time.monotonic() < end:
                r, _, _ = select.select([master], [], [], 0.5)
                if r:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    data += chunk
                elif p.poll() is not None:
                    break
            os.close(master)
            self.assertEqual(p.wait(30), 0)
        text = data.decode("utf-8", "replace")
        seen = self.PROGRESS.findall(text)
        self.assertTrue(seen, repr(text[-2000:]))
        done = [int(d) for d, _, _ in seen]
        self.assertEqual(done, sorted(done))
        self.assertTrue(any(int(f) >= 1 for _, f, _ in seen), seen)   # the crashes so far
        self.assertTrue(all(float(e) >= 2.0 for _, _, e in seen), seen)  # elapsed
        self.assertTrue(text.rstrip(" ").endswith("\r\x1b[K") or "\r\x1b[K" in text[-200:])  # cleared

    def test_long_invocation_shows_elapsed(self):
        # One invocation blocked for 3.5 s: the line is redrawn while it runs.
        with tempfile.TemporaryDirectory() as tmp:
            ev = os.path.join(tmp, "events.jsonl")
            with open(ev, "w") as f:
                f.write('"future"\n')
            master, slave = pty.openpty()
            p = subprocess.Popen(list(RUN) + ["--quiet", "--invocations", "1", "--timeout", "3.5",
                                              "--fail-on", "none", "--events", ev, fn("alc_ledger")],
                                 stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL,
                                 env=dict(os.environ, TMPDIR=tmp))
            os.close(slave)
            data = b""
            end = time.monotonic() + 60
            while time.monotonic() < end:
                r, _, _ = select.select([master], [], [], 0.5)
                if r:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    data += chunk
                elif p.poll() is not None:
                    break
            os.close(master)
            self.assertEqual(p.wait(30), 0)
        seen = re.findall(r"\[run\] 0/1 invocations, 0 failed, (\d+\.\d) s", data.decode("utf-8", "replace"))
        self.assertGreaterEqual(len(seen), 1, data[-500:])
        self.assertTrue(all(float(e) >= 2.0 for e in seen), seen)

    def test_not_without_a_terminal(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run(self.cmd(tmp), capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, TMPDIR=tmp))
        self.assertEqual(p.returncode, 0)
        self.assertNotIn("invocations,", p.stderr)
        self.assertNotIn("\x1b[K", p.stderr + p.stdout)


if __name__ == "__main__":
    unittest.main()
