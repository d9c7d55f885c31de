#!/usr/bin/env python3
"""Check serverless-tidy API model files against the schema in docs/models.md.

Usage: lint-models.py [FILE...]   (default: lib/Model/models/*.json next to this script)

Prints one `FILE: message` line per problem and exits 1 if there is any, 0 otherwise.
This mirrors what the C++ loader accepts (unknown keys are errors), so typos are caught in CI
before a build embeds the files. Keep it in sync with docs/models.md.
"""
import glob
import json
import os
import re
import sys

SCHEMA = "serverless-tidy-model/1"
SECTIONS = [
    "clients", "not_clients", "factories", "resources", "blocking", "throwing",
    "ownership_transfer", "handler_registrars", "deadline_sources", "signal_installers",
    "exit_hooks", "async_signal_safe",
]
TOP_KEYS = {"schema", "library", "provenance"} | set(SECTIONS)
COMMON = {"provenance", "note", "disabled"}  # allowed on every entry
UNITS = {"ms", "s", "us", "timeval", "timespec", "chrono"}
SHUTDOWN = {"close", "flush", None}
INVALID = {"null", "negative", "null-or-err-field", "status-call", "none"}
# A name or pattern: components of identifier characters and `*`, separated by `::`.
NAME_RE = re.compile(r"^(?:[A-Za-z_*~][A-Za-z0-9_*]*)(?:::(?:[A-Za-z_*~][A-Za-z0-9_*]*))*$")


class Linter:
    def __init__(self):
        self.errors = []
        self.keys_seen = {}  # (section, key) -> file, across all files

    def err(self, path, msg):
        self.errors.append(f"{path}: {msg}")

    # ---- small type checks -------------------------------------------------------------
    def is_int(self, v):
        return isinstance(v, int) and not isinstance(v, bool)

    def index(self, path, where, v, allow_this=False):
        if self.is_int(v) and v >= 0:
            return True
        if allow_this and v == "this":
            return True
        extra = ' or "this"' if allow_this else ''
        self.err(path, f"{where}: expected a 0-based argument index{extra}, got {v!r}")
        return False

    def name(self, path, where, v):
        if not isinstance(v, str) or not v:
            self.err(path, f"{where}: expected a name or pattern string, got {v!r}")
            return False
        if v.startswith("::"):
            self.err(path, f"{where}: {v!r}: names are written without a leading '::'")
            return False
        if not NAME_RE.match(v) or "***" in v:
            self.err(path, f"{where}: {v!r} is not a valid name or pattern")
            return False
        return True

    def string(self, path, where, v):
        if not isinstance(v, str) or not v:
            self.err(path, f"{where}: expected a non-empty string, got {v!r}")
            return False
        return True

    def keys(self, path, where, obj, required, optional=()):
        if not isinstance(obj, dict):
            self.err(path, f"{where}: expected an object, got {type(obj).__name__}")
            return False
        ok = True
        for k in obj:
            if k not in set(required) | set(optional):
                self.err(path, f"{where}: unknown key {k!r}")
                ok = False
        for k in required:
            if k not in obj:
                self.err(path, f"{where}: missing key {k!r}")
                ok = False
        return ok

    def common(self, path, where, e):
        for k in ("provenance", "note"):
            if k in e:
                self.string(path, f"{where}.{k}", e[k])
        if "disabled" in e and not isinstance(e["disabled"], bool):
            self.err(path, f"{where}.disabled: expected true/false")

    def handle(self, path, where, h):
        if h in ("return", "this"):
            return
        if self.is_int(h) and h >= 0:
            return
        if isinstance(h, dict) and list(h) == ["out_arg"] and self.is_int(h["out_arg"]) and h["out_arg"] >= 0:
            return
        self.err(path, f"{where}: handle must be \"return\", \"this\", an argument index or {{\"out_arg\": N}}, got {h!r}")

    def unit(self, path, where, u):
        if u not in UNITS:
            self.err(path, f"{where}: unknown unit {u!r} (one of {', '.join(sorted(UNITS))})")

    def shutdown(self, path, where, s):
        if s not in SHUTDOWN:
            self.err(path, f"{where}: shutdown must be \"close\", \"flush\" or null, got {s!r}")

    # ---- sections ----------------------------------------------------------------------
    def clients(self, p, w, e):
        if self.keys(p, w, e, ["type", "kind"], ["shutdown"] + list(COMMON)):
            self.name(p, w + ".type", e["type"])
            self.string(p, w + ".kind", e["kind"])
            if "shutdown" in e:
                self.shutdown(p, w, e["shutdown"])
        return e.get("type")

    def not_clients(self, p, w, e):
        if self.keys(p, w, e, ["type"], COMMON):
            self.name(p, w + ".type", e["type"])
        return e.get("type")

    def factories(self, p, w, e):
        if isinstance(e, dict) and "creates_template_arg" in e:
            if self.keys(p, w, e, ["function", "creates_template_arg"], COMMON):
                self.name(p, w + ".function", e["function"])
                self.index(p, w + ".creates_template_arg", e["creates_template_arg"])
        elif self.keys(p, w, e, ["function", "kind", "creates"], COMMON):
            self.name(p, w + ".function", e["function"])
            self.string(p, w + ".kind", e["kind"])
            self.name(p, w + ".creates", e["creates"])
        return e.get("function") if isinstance(e, dict) else None

    def resources(self, p, w, e):
        if not self.keys(p, w, e, ["kind", "acquire", "release"],
                         ["description", "invalid", "shutdown"] + list(COMMON)):
            return e.get("kind") if isinstance(e, dict) else None
        self.string(p, w + ".kind", e["kind"])
        if "description" in e:
            self.string(p, w + ".description", e["description"])
        if "invalid" in e and e["invalid"] not in INVALID:
            self.err(p, f"{w}.invalid: must be one of {', '.join(sorted(INVALID))}, got {e['invalid']!r}")
        if "shutdown" in e:
            self.shutdown(p, w, e["shutdown"])
        for side in ("acquire", "release"):
            lst = e[side]
            if not isinstance(lst, list) or not lst:
                self.err(p, f"{w}.{side}: expected a non-empty list")
                continue
            for i, a in enumerate(lst):
                ww = f"{w}.{side}[{i}]"
                opt = ["kind_if_arg"] if side == "acquire" else []
                if not self.keys(p, ww, a, ["function", "handle"], opt + ["note", "provenance"]):
                    continue
                self.name(p, ww + ".function", a["function"])
                self.handle(p, ww + ".handle", a["handle"])
                if "kind_if_arg" in a:
                    k = a["kind_if_arg"]
                    if self.keys(p, ww + ".kind_if_arg", k, ["arg", "equals", "kind"]):
                        self.index(p, ww + ".kind_if_arg.arg", k["arg"])
                        self.string(p, ww + ".kind_if_arg.equals", k["equals"])
                        self.string(p, ww + ".kind_if_arg.kind", k["kind"])
        return e["kind"]

    def timeout(self, p, w, t):
        if not isinstance(t, dict) or "via" not in t:
            self.err(p, f"{w}: expected an object with \"via\"")
            return
        via = t["via"]
        if via == "argument":
            if self.keys(p, w, t, ["via", "arg", "unit"], ["infinite", "null_is_infinite"]):
                self.index(p, w + ".arg", t["arg"])
                self.unit(p, w, t["unit"])
                if "infinite" in t and (not isinstance(t["infinite"], list)
                                        or not all(self.is_int(x) for x in t["infinite"])):
                    self.err(p, f"{w}.infinite: expected a list of integers")
                if "null_is_infinite" in t and not isinstance(t["null_is_infinite"], bool):
                    self.err(p, f"{w}.null_is_infinite: expected true/false")
        elif via == "setter":
            # With option_arg, the unit comes from `options`; without it (redisSetTimeout) from `unit`.
            if "option_arg" in t:
                ok = self.keys(p, w, t, ["via", "setter", "setter_handle", "option_arg", "options", "value_arg"])
            else:
                ok = self.keys(p, w, t, ["via", "setter", "setter_handle", "value_arg", "unit"])
            if ok:
                self.name(p, w + ".setter", t["setter"])
                self.index(p, w + ".setter_handle", t["setter_handle"], allow_this=True)
                self.index(p, w + ".value_arg", t["value_arg"])
                if "option_arg" in t:
                    self.index(p, w + ".option_arg", t["option_arg"])
                    opts = t["options"]
                    if not isinstance(opts, dict) or not opts:
                        self.err(p, f"{w}.options: expected a non-empty object OPTION -> unit")
                    else:
                        for k, u in opts.items():
                            self.unit(p, f"{w}.options.{k}", u)
                else:
                    self.unit(p, w, t["unit"])
        elif via == "conninfo":
            if self.keys(p, w, t, ["via", "arg", "key", "unit"]):
                self.index(p, w + ".arg", t["arg"])
                self.string(p, w + ".key", t["key"])
                self.unit(p, w, t["unit"])
        elif via == "connection-setting":
            if self.keys(p, w, t, ["via", "setting"]):
                self.string(p, w + ".setting", t["setting"])
        elif via == "method":
            if self.keys(p, w, t, ["via", "object_arg", "methods"]):
                self.index(p, w + ".object_arg", t["object_arg"], allow_this=True)
                if not isinstance(t["methods"], list) or not t["methods"]:
                    self.err(p, f"{w}.methods: expected a non-empty list")
                else:
                    for i, m in enumerate(t["methods"]):
                        self.name(p, f"{w}.methods[{i}]", m)
        elif via == "field":
            if self.keys(p, w, t, ["via", "type", "fields"], ["defaults"]):
                self.name(p, w + ".type", t["type"])
                f = t["fields"]
                if not isinstance(f, dict) or not f:
                    self.err(p, f"{w}.fields: expected a non-empty object FIELD -> unit")
                    f = {}
                for k, u in f.items():
                    self.unit(p, f"{w}.fields.{k}", u)
                for k, v in t.get("defaults", {}).items():
                    if k not in f:
                        self.err(p, f"{w}.defaults.{k}: not one of the fields")
                    if not isinstance(v, (int, float)) or isinstance(v, bool):
                        self.err(p, f"{w}.defaults.{k}: expected a number")
        elif via == "none":
            if self.keys(p, w, t, ["via"], ["alternative"]) and "alternative" in t:
                self.name(p, w + ".alternative", t["alternative"])
        else:
            self.err(p, f"{w}.via: unknown {via!r} (argument, setter, conninfo, connection-setting, method, field, none)")

    def blocking(self, p, w, e):
        if self.keys(p, w, e, ["function", "timeout"], ["handle"] + list(COMMON)):
            self.name(p, w + ".function", e["function"])
            if "handle" in e:
                self.handle(p, w + ".handle", e["handle"])
            self.timeout(p, w + ".timeout", e["timeout"])
        return e.get("function") if isinstance(e, dict) else None

    def simple_function(self, p, w, e, ints=(), opt_ints=(), opt_str=()):
        if self.keys(p, w, e, ["function"] + list(ints), list(opt_ints) + list(opt_str) + list(COMMON)):
            self.name(p, w + ".function", e["function"])
            for k in list(ints) + [k for k in opt_ints if k in e]:
                self.index(p, f"{w}.{k}", e[k])
            for k in [k for k in opt_str if k in e]:
                self.string(p, f"{w}.{k}", e[k])
        return e.get("function") if isinstance(e, dict) else None

    def deadline_sources(self, p, w, e):
        if not isinstance(e, dict):
            self.err(p, f"{w}: expected an object")
            return None
        which = [k for k in ("function", "field") if k in e]
        if len(which) != 1:
            self.err(p, f"{w}: needs exactly one of \"function\" or \"field\"")
            return None
        if self.keys(p, w, e, which, COMMON):
            self.name(p, f"{w}.{which[0]}", e[which[0]])
        return e[which[0]]

    # ---- files -------------------------------------------------------------------------
    def lint(self, path):
        def no_dupes(pairs):
            d = {}
            for k, v in pairs:
                if k in d:
                    self.err(path, f"duplicate key {k!r} in one object")
                d[k] = v
            return d
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f, object_pairs_hook=no_dupes)
        except (OSError, ValueError) as ex:
            self.err(path, f"cannot parse: {ex}")
            return
        if not isinstance(doc, dict):
            self.err(path, "top level must be an object")
            return
        for k in doc:
            if k not in TOP_KEYS:
                self.err(path, f"unknown top-level key {k!r}")
        if doc.get("schema") != SCHEMA:
            self.err(path, f"\"schema\" must be {SCHEMA!r}")
        for k in ("library", "provenance"):
            if not isinstance(doc.get(k), str) or not doc.get(k):
                self.err(path, f"missing or empty {k!r}")
        handlers = {
            "clients": self.clients,
            "not_clients": self.not_clients,
            "factories": self.factories,
            "resources": self.resources,
            "blocking": self.blocking,
            "throwing": lambda p, w, e: self.simple_function(p, w, e),
            "ownership_transfer": lambda p, w, e: self.simple_function(p, w, e, ints=["arg"]),
            "handler_registrars": lambda p, w, e: self.simple_function(p, w, e, ints=["handler_arg"]),
            "deadline_sources": self.deadline_sources,
            "signal_installers": lambda p, w, e: self.simple_function(
                p, w, e, ints=["signal_arg"], opt_ints=["handler_arg"], opt_str=["handler_field"]),
            "exit_hooks": lambda p, w, e: self.simple_function(p, w, e, ints=["handler_arg"]),
            "async_signal_safe": lambda p, w, e: self.simple_function(p, w, e),
        }
        for sec in SECTIONS:
            if sec not in doc:
                continue
            entries = doc[sec]
            if not isinstance(entries, list):
                self.err(path, f"{sec}: expected a list")
                continue
            for i, e in enumerate(entries):
                w = f"{sec}[{i}]"
                if not isinstance(e, dict):
                    self.err(path, f"{w}: expected an object")
                    continue
                self.common(path, w, e)
                key = handlers[sec](path, w, e)
                if isinstance(key, str):
                    # The merge key (type/function/kind) must be unique across all default files,
                    # or one default entry would silently replace another.
                    prev = self.keys_seen.get((sec, key))
                    if prev is not None:
                        self.err(path, f"{w}: {key!r} is already an entry of {sec} in {prev}")
                    else:
                        self.keys_seen[(sec, key)] = f"{path} {w}"


def main(argv):
    files = argv[1:]
    if not files:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        files = sorted(glob.glob(os.path.join(root, "lib", "Model", "models", "*.json")))
        if not files:
            print(f"{root}/lib/Model/models: no model files found", file=sys.stderr)
            return 1
    linter = Linter()
    for f in files:
        linter.lint(f)
    for e in linter.errors:
        print(e)
    return 1 if linter.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
