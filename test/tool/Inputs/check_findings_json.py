#!/usr/bin/env python3
"""Checks a `serverless-tidy --format=json` document against the schema documented in docs/ci.md
(serverless-tidy-findings/1): every key, its type, and the allowed values. Prints one line per
finding (`path:line:column: level: check fingerprint`) for FileCheck, and exits 1 with the
problems when the document does not conform.
Usage: check_findings_json.py FILE"""
import json
import re
import sys

problems = []


def need(obj, key, types, where, optional=False):
    if key not in obj:
        if not optional:
            problems.append("%s: missing '%s'" % (where, key))
        return None
    v = obj[key]
    ok = isinstance(v, bool) if types is bool else (isinstance(v, types) and not isinstance(v, bool))
    if not ok:
        problems.append("%s.%s: wrong type %s" % (where, key, type(v).__name__))
        return None
    return v


def only(obj, keys, where):
    for k in obj:
        if k not in keys:
            problems.append("%s: unexpected key '%s'" % (where, k))


def location(loc, where):
    if not isinstance(loc, dict):
        problems.append("%s: not an object" % where)
        return
    only(loc, ("file", "path", "line", "column", "offset"), where)
    f = need(loc, "file", str, where)
    p = need(loc, "path", str, where)
    for k in ("line", "column", "offset"):
        v = need(loc, k, int, where)
        if v is not None and v < 0:
            problems.append("%s.%s: negative" % (where, k))
    if f and not f.startswith("/"):
        problems.append("%s.file: not absolute: %s" % (where, f))
    if f and p and not (p == f or f.endswith("/" + p)):
        problems.append("%s.path '%s' is not a suffix of file '%s'" % (where, p, f))


def main():
    doc = json.load(open(sys.argv[1]))
    top = ("schema", "tool", "source_root", "translation_units", "summary", "baseline", "findings")
    only(doc, top, "$")
    if need(doc, "schema", str, "$") != "serverless-tidy-findings/1":
        problems.append("$.schema: expected serverless-tidy-findings/1")
    tool = need(doc, "tool", dict, "$") or {}
    only(tool, ("name", "version"), "$.tool")
    if need(tool, "name", str, "$.tool") != "serverless-tidy":
        problems.append("$.tool.name: expected serverless-tidy")
    v = need(tool, "version", str, "$.tool")
    if v and not re.fullmatch(r"\d+\.\d+\.\d+", v):
        problems.append("$.tool.version: not N.N.N: %s" % v)
    root = need(doc, "source_root", str, "$")
    if root is not None and not root.startswith("/"):
        problems.append("$.source_root: not absolute")
    need(doc, "translation_units", int, "$")
    summary = need(doc, "summary", dict, "$") or {}
    only(summary, ("errors", "warnings", "remarks"), "$.summary")
    for k in ("errors", "warnings", "remarks"):
        need(summary, k, int, "$.summary")
    base = need(doc, "baseline", dict, "$", optional=True)
    if base is not None:
        only(base, ("path", "suppressed", "stale"), "$.baseline")
        need(base, "path", str, "$.baseline")
        need(base, "suppressed", int, "$.baseline")
        need(base, "stale", int, "$.baseline")
    findings = need(doc, "findings", list, "$") or []
    counts = {"error": 0, "warning": 0, "remark": 0}
    fingerprints = set()
    for i, f in enumerate(findings):
        w = "$.findings[%d]" % i
        only(f, ("check", "level", "warning_as_error", "message", "location", "function", "handler",
                 "fingerprint", "help", "notes", "fixes"), w)
        need(f, "check", str, w)
        level = need(f, "level", str, w)
        if level not in counts:
            problems.append("%s.level: %r" % (w, level))
        else:
            counts[level] += 1
        wae = need(f, "warning_as_error", bool, w)
        if wae and level != "error":
            problems.append("%s: warning_as_error but level %s" % (w, level))
        need(f, "message", str, w)
        location(f.get("location"), w + ".location")
        need(f, "function", str, w, optional=True)
        need(f, "handler", str, w, optional=True)
        fp = need(f, "fingerprint", str, w)
        if fp is not None:
            if not re.fullmatch(r"[0-9a-f]{32}:[1-9][0-9]*", fp):
                problems.append("%s.fingerprint: %r" % (w, fp))
            if fp in fingerprints:
                problems.append("%s.fingerprint: duplicate %s" % (w, fp))
            fingerprints.add(fp)
        h = need(f, "help", str, w, optional=True)
        if h is not None and not re.fullmatch(r"file:///.*/checks/serverless-[a-z-]+\.rst", h):
            problems.append("%s.help: %r" % (w, h))
        for j, n in enumerate(need(f, "notes", list, w) or []):
            nw = "%s.notes[%d]" % (w, j)
            only(n, ("kind", "message", "location", "fixes"), nw)
            if need(n, "kind", str, nw) not in ("note", "handler", "call", "calls-elided"):
                problems.append("%s.kind: %r" % (nw, n.get("kind")))
            need(n, "message", str, nw)
            location(n.get("location"), nw + ".location")
            for k, x in enumerate(need(n, "fixes", list, nw, optional=True) or []):
                xw = "%s.fixes[%d]" % (nw, k)
                only(x, ("file", "path", "offset", "length", "replacement"), xw)
                for key, typ in (("file", str), ("path", str), ("offset", int), ("length", int), ("replacement", str)):
                    need(x, key, typ, xw)
        for j, x in enumerate(need(f, "fixes", list, w) or []):
            xw = "%s.fixes[%d]" % (w, j)
            only(x, ("file", "path", "offset", "length", "replacement"), xw)
            need(x, "file", str, xw)
            need(x, "path", str, xw)
            need(x, "offset", int, xw)
            need(x, "length", int, xw)
            need(x, "replacement", str, xw)
        loc = f.get("location", {})
        print("%s:%s:%s: %s: %s %s" % (loc.get("path"), loc.get("line"), loc.get("column"), level, f.get("check"), fp))
    for k in counts:
        if summary.get(k + "s") != counts[k]:
            problems.append("$.summary.%ss is %r, the findings have %d" % (k, summary.get(k + "s"), counts[k]))
    if problems:
        for p in problems:
            print("check_findings_json: " + p, file=sys.stderr)
        sys.exit(1)
    print("schema ok: %d findings" % len(findings))


main()
