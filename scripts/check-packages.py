#!/usr/bin/env python3
"""Would the README's commands work on a fresh Debian 12 machine?

A machine that has been used for a while holds packages installed by hand; a fresh one has only
what scripts/setup-debian.sh installs (plus Debian's essential/required base). This check finds
every system file the project depends on and the Debian package that owns it, and fails when that
package is neither installed by the setup script nor pulled in by one it installs:

  * every `#include <...>` in lib/, checks/, tools/, test/, examples/ and bench/ (C/C++ sources,
    headers and lit tests), resolved through the include directories the build and the tests
    use, the way the compiler would (a header found in the project's own Inputs/ stand-ins
    first is the project's, not the system's);
  * every absolute path to a system program (`/usr/bin/...`, `/usr/lib/llvm-19/bin/...`,
    `/usr/lib/postgresql/N/bin/...`) and every program named in a quoted string that the
    scripts and Python tests run (`"redis-server"`, `["strace", ...]`).

Usage: check-packages.py [--setup FILE] [--repo DIR] [-v]
Exit 0 when everything is covered, 1 when a package is missing (one line per package, naming
a file that needs it), 2 when it cannot run (no dpkg). Read-only; needs no network.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

SOURCE_DIRS = ("checks", "lib", "tools", "test", "examples", "bench")
SOURCE_EXT = (".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".test", ".inc")
SCRIPT_EXT = (".py", ".sh", ".cmake", ".txt", ".in")
# The include directories of the build (CMake + pkg-config for the libraries) and of the lit
# tests' compile flags, in the compiler's search order.
INCLUDE_DIRS = [
    "/usr/lib/llvm-19/include",
    "/usr/include/postgresql",
    "/usr/include/libmongoc-1.0",
    "/usr/include/libbson-1.0",
    "/usr/include/c++/12",
    "/usr/include/x86_64-linux-gnu/c++/12",
    "/usr/lib/llvm-19/lib/clang/19/include",
    "/usr/include/x86_64-linux-gnu",
    "/usr/include",
]
PROGRAM_DIRS = ("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/llvm-19/bin/", "/usr/lib/postgresql/")


def parse_setup(path):
    """Package names in PACKAGES=( ... ) and on apt-get install lines."""
    text = open(path, encoding="utf-8", errors="replace").read()
    listed, inside = set(), False
    word = re.compile(r"[a-z0-9][a-z0-9.+-]+")
    for line in text.splitlines():
        code = line.split("#", 1)[0]
        if not inside and "=(" in code:
            inside, code = True, code.split("=(", 1)[1]
        if inside:
            done = ")" in code
            listed.update(w for w in code.split(")", 1)[0].split() if word.fullmatch(w))
            inside = not done
    for m in re.finditer(r"apt-get\s+install[^\n]*", text):
        listed.update(w for w in m.group(0).split()[2:] if word.fullmatch(w))
    return listed


def dpkg_db():
    out = subprocess.run(["dpkg-query", "-W", "-f",
                          "${Package}\t${Essential}\t${Priority}\t${Depends},${Pre-Depends}\t${Provides}\t${db:Status-Abbrev}\n"],
                         capture_output=True, text=True, check=True).stdout
    deps, provides, base = {}, {}, set()
    for row in out.splitlines():
        parts = row.split("\t")
        if len(parts) < 6 or not parts[5].startswith("ii"):
            continue
        name, essential, priority, dep, prov, _ = parts
        if essential == "yes" or priority == "required":
            base.add(name)
        alts = []
        for clause in dep.split(","):
            clause = clause.strip()
            if clause:
                alts.append([re.split(r"[\s(:]", a.strip())[0] for a in clause.split("|")])
        deps[name] = alts
        for p in prov.split(","):
            p = re.split(r"[\s(:]", p.strip())[0]
            if p:
                provides.setdefault(p, []).append(name)
    return deps, provides, base


def closure_of(roots, deps, provides):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        for real in [p] + provides.get(p, []):
            if real in seen or real not in deps:
                continue
            seen.add(real)
            for alt in deps[real]:
                todo.extend(alt)
    return seen


def file_owners():
    owner = {}
    info = "/var/lib/dpkg/info"
    for f in os.listdir(info):
        if not f.endswith(".list"):
            continue
        pkg = f[:-5].split(":")[0]
        try:
            with open(os.path.join(info, f), encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    line = line.rstrip("\n")
                    if line.startswith(("/usr/include/", "/usr/lib/", "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/")):
                        owner.setdefault(line, pkg)
        except OSError:
            pass
    return owner


def owner_of(path, owner):
    """The package owning path, following the symlinks Debian uses (/usr/bin/x -> alternatives)."""
    seen = set()
    while path and path not in seen:
        seen.add(path)
        if path in owner:
            return owner[path]
        # /usr/lib/llvm-19 is itself a symlinked tree in some layouts: try the real path.
        real = os.path.realpath(path)
        if real in owner:
            return owner[real]
        # usrmerge: dpkg may list /bin/x for what is reached as /usr/bin/x.
        if path.startswith("/usr/") and path[4:] in owner:
            return owner[path[4:]]
        if not os.path.islink(path):
            break
        path = os.path.join(os.path.dirname(path), os.readlink(path))
        path = os.path.normpath(path)
    return None


def walk(repo, exts):
    for top in SOURCE_DIRS + ("scripts", "cmake", ".ci"):
        base = os.path.join(repo, top)
        for root, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if not d.startswith(("build", ".git"))]
            for fn in files:
                if fn.endswith(exts) or (top in ("scripts", ".ci") and "." not in fn):
                    yield os.path.join(root, fn)
    cm = os.path.join(repo, "CMakeLists.txt")
    if os.path.exists(cm):
        yield cm


def local_include_dirs(repo):
    """Project directories that hold stand-in headers (test/**/Inputs) or project headers."""
    dirs = []
    for root, sub, _ in os.walk(os.path.join(repo, "test")):
        sub[:] = [d for d in sub if not d.startswith("build")]
        if os.path.basename(root) == "Inputs" or "/Inputs/" in root + "/":
            dirs.append(root)
    dirs += [os.path.join(repo, "lib"), os.path.join(repo, "checks")]
    return dirs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--setup", help="setup script to read (default: REPO/scripts/setup-debian.sh)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    repo = os.path.abspath(a.repo)
    setup = a.setup or os.path.join(repo, "scripts", "setup-debian.sh")
    if not shutil.which("dpkg-query"):
        print("check-packages: error: dpkg-query not found (this check needs Debian's dpkg)", file=sys.stderr)
        return 2
    if not os.path.isfile(setup):
        print("check-packages: error: %s: no such file" % setup, file=sys.stderr)
        return 2
    listed = parse_setup(setup)
    deps, provides, base = dpkg_db()
    covered = closure_of(listed | base, deps, provides)
    owner = file_owners()
    local_dirs = local_include_dirs(repo)

    missing = {}   # package -> [reason]
    unowned = []
    checked = 0

    def need(path, why):
        nonlocal checked
        checked += 1
        pkg = owner_of(path, owner)
        if pkg is None:
            unowned.append("%s (%s)" % (path, why))
        elif pkg not in covered:
            missing.setdefault(pkg, []).append(why)
        elif a.verbose:
            print("ok: %s -> %s (%s)" % (why, pkg, path))

    inc_re = re.compile(r'^\s*#\s*include\s*<([^>]+)>', re.M)
    for path in walk(repo, SOURCE_EXT):
        src = open(path, encoding="utf-8", errors="replace").read()
        rel = os.path.relpath(path, repo)
        for hdr in sorted(set(inc_re.findall(src))):
            if any(os.path.exists(os.path.join(d, hdr)) for d in local_dirs):
                continue
            for d in INCLUDE_DIRS:
                full = os.path.join(d, hdr)
                if os.path.exists(full):
                    need(full, "%s includes <%s>" % (rel, hdr))
                    break
            else:
                # Not on this machine at all: on a fresh machine it would not be either.
                missing.setdefault("(not installed)", []).append("%s includes <%s>, found in no include directory" % (rel, hdr))

    abs_re = re.compile(r"(/(?:usr/)?s?bin/[A-Za-z0-9_.+-]+|/usr/lib/llvm-19/bin/[A-Za-z0-9_.+-]+|/usr/lib/postgresql/[0-9]+/bin/[A-Za-z0-9_.+-]+)")
    # Programs in command position: the first element of an argv list, which()/find_program()
    # arguments and a `binary=` default in Python; the first word of a line in shell scripts.
    py_cmd_re = re.compile(r"""(?:\[\s*["']([a-z][a-z0-9_+.-]{1,40})["']\s*,|(?:which\(|binary\s*=)\s*["']([a-z][a-z0-9_+.-]{1,40})["'])""")
    sh_cmd_re = re.compile(r"^\s*(?:\$SUDO\s+|exec\s+|sudo\s+)?([a-z][a-z0-9_+.-]{1,40})(?=\s|$)", re.M)
    me = os.path.abspath(__file__)
    for path in walk(repo, SCRIPT_EXT + SOURCE_EXT):
        if os.path.abspath(path) == me:
            continue
        src = open(path, encoding="utf-8", errors="replace").read()
        rel = os.path.relpath(path, repo)
        progs = sorted(set(p for p in abs_re.findall(src) if os.path.exists(p)))
        for prog in sorted(set(abs_re.findall(src))):
            if prog.endswith("policy-rc.d") or prog == "/usr/bin/env":
                continue
            if not os.path.exists(prog):
                if "/postgresql/" in prog or "/llvm-19/" in prog:
                    missing.setdefault("(not installed)", []).append("%s runs %s, which is not on this machine" % (rel, prog))
                continue
            # A list of fallbacks (/usr/lib/llvm-19/bin/x, /usr/bin/x-19, /usr/bin/x) needs one of them.
            base = os.path.basename(prog)
            alts = [q for q in progs if q != prog and os.path.basename(q).startswith(base)]
            if any(owner_of(q, owner) in covered for q in alts):
                continue
            need(prog, "%s runs %s" % (rel, prog))
        if path.endswith(".py"):
            words = [x or y for x, y in py_cmd_re.findall(src)]
        elif path.endswith(".sh") or "/scripts/" in path or "/.ci/" in path:
            # Multi-line "..." strings hold data (tables of names), not commands.
            words = sh_cmd_re.findall(blank_multiline_strings(src))
        else:
            words = []
        for w in sorted(set(words)):
            exe = shutil.which(w)
            if exe and exe.startswith(PROGRAM_DIRS) and exe != "/usr/bin/env" and owner_of(exe, owner):
                need(exe, "%s runs '%s'" % (rel, w))

    for pkg, why in sorted(missing.items()):
        if pkg == "(not installed)":
            for w in why:
                print("check-packages: missing: %s" % w)
            continue
        print("check-packages: missing package %s: %s%s; scripts/setup-debian.sh does not install it and "
              "nothing it installs depends on it" % (pkg, why[0], " (and %d more)" % (len(why) - 1) if len(why) > 1 else ""))
    if a.verbose:
        for u in unowned:
            print("note: owned by no package (built or installed by hand?): %s" % u)
    if missing:
        return 1
    print("check-packages: %d system headers and programs, all from packages scripts/setup-debian.sh installs (%d listed)"
          % (checked, len(listed)))
    return 0


def blank_multiline_strings(src):
    """Shell text with the contents of double-quoted strings that span lines
    removed (quotes, escapes, single quotes and comments followed)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c == "#" and (i == 0 or src[i - 1] in " \t\n;"):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(src[i:j]); i = j
        elif c == "'":
            j = src.find("'", i + 1)
            j = n - 1 if j < 0 else j
            out.append(src[i:j + 1]); i = j + 1
        elif c == "\\":
            out.append(src[i:i + 2]); i += 2
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            body = src[i:j + 1]
            out.append('""' if "\n" in body else body); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)


if __name__ == "__main__":
    sys.exit(main())
