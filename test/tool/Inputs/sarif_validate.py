#!/usr/bin/env python3
"""Validates SARIF files with Microsoft's SARIF Multitool.

Usage: sarif_validate.py --prefix DIR FILE...

The Multitool comes from the npm registry (@microsoft/sarif-multitool, pinned below), installed
into DIR/node_modules with npm on first use (under a lock, so parallel tests install it once).
Each FILE is checked twice:

  * `sarif-multitool validate FILE`: the JSON schema and the SARIF rules (SARIFnnnn). Every
    message is printed; an `error` fails.
  * the same schema (the copy the Multitool ships) with a small validator here, because the
    Multitool passes silently a file it cannot load into its object model (an unknown enum
    value, for one).

Exits 0 when every file is valid, 1 otherwise -- including when npm is missing, the install
fails or the Multitool does not run: this never skips.
"""
import argparse
import fcntl
import json
import os
import re
import shutil
import stat
import subprocess
import sys

PACKAGE = "@microsoft/sarif-multitool"
VERSION = "5.7.0"


def fail(msg):
    print("sarif_validate: error: " + msg, file=sys.stderr)
    sys.exit(1)


def install(prefix):
    os.makedirs(prefix, exist_ok=True)
    wrapper = os.path.join(prefix, "node_modules", ".bin", "sarif-multitool")
    native = os.path.join(prefix, "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
    stamp = os.path.join(prefix, "installed-" + VERSION)
    with open(os.path.join(prefix, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (os.path.exists(stamp) and os.path.exists(wrapper) and os.path.exists(native)):
            npm = shutil.which("npm")
            if not npm:
                fail("npm not found: install nodejs and npm (scripts/setup-debian.sh does)")
            # A package of its own in DIR (not `--prefix`, which would also move npm's global
            # configuration -- where a machine keeps its registry CA file -- to DIR/etc/npmrc).
            with open(os.path.join(prefix, "package.json"), "w") as f:
                json.dump({"name": "serverless-tidy-test-tools", "private": True}, f)
            cmd = [npm, "install", "--no-audit", "--no-fund", "--no-save", "%s@%s" % (PACKAGE, VERSION)]
            print("sarif_validate: (in %s) %s" % (prefix, " ".join(cmd)), file=sys.stderr)
            r = subprocess.run(cmd, cwd=prefix, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0 or not os.path.exists(wrapper) or not os.path.exists(native):
                fail("could not install %s@%s from the npm registry:\n%s" % (PACKAGE, VERSION, r.stdout))
            open(stamp, "w").close()
        # npm may skip the package's postinstall `chmod u+x`.
        mode = os.stat(native).st_mode
        if not mode & stat.S_IXUSR:
            os.chmod(native, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return wrapper, os.path.join(os.path.dirname(native), "sarif-2.1.0.json")


class Schema:
    """Enough of JSON Schema for the SARIF 2.1.0 schema: type, $ref, properties, required,
    additionalProperties, items, minItems, uniqueItems, enum, minimum, maximum, pattern,
    anyOf, oneOf (format is not checked)."""

    def __init__(self, doc):
        self.doc = doc
        self.errors = []

    def resolve(self, ref):
        node = self.doc
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    def ok(self, value, schema, path="$"):
        before = len(self.errors)
        self.check(value, schema, path)
        return len(self.errors) == before

    def check(self, v, s, path):
        if "$ref" in s:
            self.check(v, self.resolve(s["$ref"]), path)
        t = s.get("type")
        if t is not None:
            types = t if isinstance(t, list) else [t]
            def is_type(name):
                return {"object": isinstance(v, dict), "array": isinstance(v, list),
                        "string": isinstance(v, str), "boolean": isinstance(v, bool),
                        "integer": isinstance(v, int) and not isinstance(v, bool),
                        "number": isinstance(v, (int, float)) and not isinstance(v, bool),
                        "null": v is None}[name]
            if not any(is_type(x) for x in types):
                self.errors.append("%s: expected %s, got %r" % (path, "/".join(types), v))
                return
        if "enum" in s and v not in s["enum"]:
            self.errors.append("%s: %r is not one of %s" % (path, v, s["enum"]))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if "minimum" in s and v < s["minimum"]:
                self.errors.append("%s: %r < minimum %r" % (path, v, s["minimum"]))
            if "maximum" in s and v > s["maximum"]:
                self.errors.append("%s: %r > maximum %r" % (path, v, s["maximum"]))
        if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
            self.errors.append("%s: %r does not match %s" % (path, v, s["pattern"]))
        if isinstance(v, dict):
            for r in s.get("required", []):
                if r not in v:
                    self.errors.append("%s: required property '%s' is missing" % (path, r))
            props = s.get("properties", {})
            extra = s.get("additionalProperties", True)
            for k, x in v.items():
                if k in props:
                    self.check(x, props[k], path + "." + k)
                elif extra is False:
                    self.errors.append("%s: property '%s' is not allowed" % (path, k))
                elif isinstance(extra, dict):
                    self.check(x, extra, path + "." + k)
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                self.errors.append("%s: fewer than %d items" % (path, s["minItems"]))
            if s.get("uniqueItems"):
                seen = [json.dumps(x, sort_keys=True) for x in v]
                if len(seen) != len(set(seen)):
                    self.errors.append("%s: items are not unique" % path)
            if "items" in s:
                for i, x in enumerate(v):
                    self.check(x, s["items"], "%s[%d]" % (path, i))
        if "anyOf" in s:
            if not any(Schema(self.doc).ok(v, alt, path) for alt in s["anyOf"]):
                self.errors.append("%s: matches none of anyOf" % path)
        if "oneOf" in s:
            n = sum(1 for alt in s["oneOf"] if Schema(self.doc).ok(v, alt, path))
            if n != 1:
                self.errors.append("%s: matches %d of oneOf, expected 1" % (path, n))


MESSAGE = re.compile(r"^(?P<file>.*?)\((?P<pos>[\d,]+)\): (?P<level>error|warning|note) (?P<rule>\w+): (?P<text>.*)$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    tool, schema_path = install(os.path.abspath(a.prefix))
    with open(schema_path) as f:
        schema = json.load(f)
    env = dict(os.environ)
    env.setdefault("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
    env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1"
    errors = 0
    for path in a.files:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            fail("%s: cannot read as JSON: %s" % (path, e))
        v = Schema(schema)
        v.check(doc, schema, "$")
        for e in v.errors:
            print("%s: schema error: %s" % (path, e))
        errors += len(v.errors)

        out = path + ".validation.sarif"
        if os.path.exists(out):
            os.remove(out)
        r = subprocess.run([tool, "validate", path, "--output", out, "--log", "ForceOverwrite"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=600)
        counts = {"error": 0, "warning": 0, "note": 0}
        for line in r.stdout.splitlines():
            m = MESSAGE.match(line)
            if m:
                counts[m.group("level")] += 1
                print("%s: multitool %s %s: %s" % (path, m.group("level"), m.group("rule"), m.group("text")))
        if r.returncode != 0 or "Analysis completed successfully" not in r.stdout or not os.path.exists(out):
            print(r.stdout)
            fail("%s: the SARIF Multitool did not complete (exit code %d)" % (path, r.returncode))
        with open(out) as f:
            log = json.load(f)
        inv = log["runs"][0].get("invocations", [{}])[0]
        if not inv.get("executionSuccessful", False):
            fail("%s: the SARIF Multitool reports an unsuccessful run: %s" % (path, json.dumps(inv)))
        # The validation log's results are the messages printed above.
        if len(log["runs"][0].get("results", [])) != sum(counts.values()):
            fail("%s: the validation log and the console disagree" % path)
        errors += counts["error"]
        print("%s: %d errors, %d warnings, %d notes from the SARIF Multitool %s" %
              (path, counts["error"], counts["warning"], counts["note"], VERSION))
    if errors:
        fail("%d validation error(s)" % errors)
    print("sarif_validate: valid")


if __name__ == "__main__":
    main()
