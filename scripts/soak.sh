#!/usr/bin/env bash
# Real-code soak: runs every serverless check, with every function treated as
# a handler (so every analysis runs on every function), over the translation
# units of real Debian source packages, through the clang-tidy-19 plugin (one
# process per TU, timed) and through `serverless-tidy check -p` (the whole
# program). Fails on any crash, sanitizer report, TU over the time bound or
# over the memory bound. Prints one line per package and a total, and writes
# WORK/soak.tsv (one row per TU) and WORK/summary.txt.
#
#   scripts/soak.sh [options] [PACKAGE...]
#     --build DIR       serverless-tidy build to use (default build; build-asan for a sanitized soak)
#     --work DIR        where sources, compile databases and logs go (default /tmp/serverless-soak)
#     --max-tus N       at most N TUs per package (default: all)
#     --tu-seconds S    bound on one TU through the plugin (default 300)
#     --tu-rss-mb M     bound on one TU's peak RSS (default 3072)
#     --jobs N          parallel TUs (default 2)
#     --no-whole-program  skip `check -p`
#     --offline         use only sources already in WORK/src (no apt-get)
#   PACKAGE defaults: hiredis libpqxx librdkafka curl mongo-c-driver cpp-httplib
#
# Sources come from `apt-get source` (a deb-src entry for bookworm is added
# to /etc/apt/sources.list.d/serverless-soak-src.sources when none exists;
# needs root or sudo and the network). The compile database comes from the
# package's CMake (configure only: generated headers included) or, failing
# that, from its autotools build under bear; failing both, every C/C++ file is
# listed with the package's include directories (TUs that do not compile are
# still analysed, and counted as "errors", not as failures).
#
# Exit: 0 all analysed, no failure; 1 a crash, sanitizer report, time or
# memory bound exceeded (or a compile database without TUs); 2 bad usage;
# 3 no failure, but a package could not be fetched (no network or deb-src).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BUILD=build WORK=/tmp/serverless-soak MAX_TUS=0 TU_SECONDS=300 TU_RSS_MB=3072 JOBS=2
WHOLE=1 OFFLINE=0 PKGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --max-tus) MAX_TUS=$2; shift 2 ;;
    --tu-seconds) TU_SECONDS=$2; shift 2 ;;
    --tu-rss-mb) TU_RSS_MB=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --no-whole-program) WHOLE=0; shift ;;
    --offline) OFFLINE=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    -*) echo "soak: unknown option $1" >&2; exit 2 ;;
    *) PKGS+=("$1"); shift ;;
  esac
done
[ ${#PKGS[@]} -eq 0 ] && PKGS=(hiredis libpqxx librdkafka curl mongo-c-driver cpp-httplib)
BUILD=$(cd "$BUILD" && pwd) || { echo "soak: no build directory" >&2; exit 2; }
PLUGIN=$BUILD/lib/libserverless-tidy-plugin.so
TOOL=$BUILD/bin/serverless-tidy
CLANG_TIDY=/usr/lib/llvm-19/bin/clang-tidy
for f in "$PLUGIN" "$TOOL" "$CLANG_TIDY" /usr/bin/time; do
  [ -e "$f" ] || { echo "soak: missing $f (build first; scripts/setup-debian.sh)" >&2; exit 2; }
done
# A sanitized build: the plugin needs clang's shared ASan runtime preloaded
# into clang-tidy-19 (as the lit harness does).
PRELOAD=""
ASAN_RT=$(sed -n 's/^config.asan_runtime = "\(.*\)"$/\1/p' "$BUILD/test/lit.site.cfg.py" 2>/dev/null)
if [ -n "$ASAN_RT" ]; then
  PRELOAD=$ASAN_RT
  export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
mkdir -p "$WORK/src" "$WORK/logs"
WORK=$(cd "$WORK" && pwd)

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
ensure_deb_src() {
  if apt-get source --print-uris hiredis >/dev/null 2>&1; then return 0; fi
  echo "soak: adding a deb-src entry for bookworm (/etc/apt/sources.list.d/serverless-soak-src.sources)" >&2
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
    $SUDO tee /etc/apt/sources.list.d/serverless-soak-src.sources >/dev/null &&
    $SUDO apt-get update -qq >&2
}

# The unpacked source directory of a package (fetched when missing).
fetch() {
  local pkg=$1 dir
  dir=$(find "$WORK/src/" -maxdepth 1 -mindepth 1 -type d -name "$pkg-[0-9]*" | head -1)
  if [ -z "$dir" ] && [ "$OFFLINE" -eq 0 ]; then
    ensure_deb_src || return 1
    (cd "$WORK/src" && apt-get source "$pkg" >"$WORK/logs/$pkg.fetch.log" 2>&1) || return 1
    dir=$(find "$WORK/src/" -maxdepth 1 -mindepth 1 -type d -name "$pkg-[0-9]*" | head -1)
  fi
  [ -n "$dir" ] && echo "$dir"
}

# WORK/db/PKG/compile_commands.json; prints how it was made.
compile_db() {
  local pkg=$1 src=$2 db=$WORK/db/$1
  if [ -s "$db/compile_commands.json" ]; then cat "$db/how"; return 0; fi
  rm -rf "$db" && mkdir -p "$db"
  local log=$WORK/logs/$pkg.db.log
  # The upstream version, for projects that take it from git (mongo-c-driver).
  local ver=${src##*-}
  ver=${ver%%[!0-9.]*}
  if [ -f "$src/CMakeLists.txt" ] &&
     timeout 600 cmake -S "$src" -B "$db" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
       -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DBUILD_TESTING=OFF \
       -DENABLE_TESTS=OFF -DBUILD_VERSION="$ver" >"$log" 2>&1 && [ -s "$db/compile_commands.json" ]; then
    echo "cmake" | tee "$db/how"; return 0
  fi
  if [ -x "$src/configure" ] || [ -f "$src/configure.ac" ] || [ -f "$src/Makefile" ]; then
    # Autotools or a plain Makefile: build a copy under bear.
    rm -rf "$db" && mkdir -p "$db" && cp -a "$src/." "$db/tree"
    (cd "$db/tree" &&
      if [ ! -f Makefile ]; then
        { [ -x configure ] || timeout 600 autoreconf -fi >"$log" 2>&1; } &&
          CC=clang-19 CXX=clang++-19 timeout 900 ./configure >>"$log" 2>&1
      fi &&
      timeout 1800 bear --output "$db/compile_commands.json" -- make -k -j"$JOBS" CC=clang-19 CXX=clang++-19 >>"$log" 2>&1)
    if [ -s "$db/compile_commands.json" ] && [ "$(head -c 2 "$db/compile_commands.json")" != "[]" ]; then
      echo "bear" | tee "$db/how"; return 0
    fi
  fi
  # Every C/C++ source with the package's include directories.
  python3 - "$src" "$db/compile_commands.json" <<'EOF'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
files, incs = [], set()
for d, subdirs, names in os.walk(src):
    subdirs[:] = [s for s in subdirs if not s.startswith(".") and s != "debian"]
    for n in names:
        if n.endswith((".h", ".hpp", ".hh")):
            incs.add(d)
        if n.endswith((".c", ".cc", ".cpp", ".cxx")):
            files.append(os.path.join(d, n))
flags = sum((["-I", i] for i in sorted(incs)), [])
db = [{"directory": src, "file": f,
       "arguments": (["clang-19", "-std=gnu11"] if f.endswith(".c") else ["clang++-19", "-std=gnu++17"]) +
                    flags + ["-c", f]} for f in sorted(files)]
json.dump(db, open(out, "w"), indent=1)
EOF
  echo "listed" | tee "$db/how"
}

CONFIG="{Checks: '-*,serverless-*', CheckOptions: {HandlerFunctions: '**'}}"
TSV=$WORK/soak.tsv
printf 'package\tfile\tlines\texit\tseconds\tpeak_rss_kb\twarnings\terrors\tverdict\n' >"$TSV"
SUMMARY=$WORK/summary.txt
: >"$SUMMARY"
FAIL=0 UNFETCHED=0

# One TU through the plugin: prints the TSV row.
run_tu() {
  local pkg=$1 db=$2 file=$3 log out rc secs rss lines w e verdict
  log=$WORK/logs/$pkg/$(echo "$file" | tr '/' '_').log
  mkdir -p "$(dirname "$log")"
  local env=()
  [ -n "$PRELOAD" ] && env=(env LD_PRELOAD="$PRELOAD")
  /usr/bin/time -f 'SOAKTIME %e %M' -o "$log.time" timeout -s KILL "$TU_SECONDS" \
    "${env[@]}" "$CLANG_TIDY" --load="$PLUGIN" -p "$db" --config="$CONFIG" --header-filter='.*' \
    --quiet "$file" >"$log" 2>&1
  rc=$?
  # GNU time writes "Command exited with non-zero status N" first.
  read -r _ secs rss < <(grep '^SOAKTIME' "$log.time" 2>/dev/null) || { secs=$TU_SECONDS; rss=0; }
  [ -z "$secs" ] && secs=$TU_SECONDS
  lines=$(wc -l <"$file" 2>/dev/null || echo 0)
  w=$(grep -c 'warning: .*\[serverless-' "$log")
  e=$(grep -c ': error: ' "$log")
  verdict=ok
  # The plugin must load and run (a sanitized plugin needs its runtime).
  if grep -q 'Error opening\|load request ignored\|no checks enabled' "$log"; then
    verdict=no-plugin
  fi
  if grep -q 'Stack dump\|PLEASE submit a bug report\|ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$log" ||
     [ "$rc" -ge 128 ] || [ "$rc" -eq 137 ]; then
    verdict=crash
  fi
  [ "$rc" -eq 137 ] && verdict=timeout
  [ "${rss:-0}" -gt $((TU_RSS_MB * 1024)) ] && verdict=memory
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pkg" "$file" "$lines" "$rc" "$secs" "$rss" "$w" "$e" "$verdict"
}
export -f run_tu
export WORK CLANG_TIDY PLUGIN CONFIG TU_SECONDS TU_RSS_MB PRELOAD

START=$(date +%s)
for pkg in "${PKGS[@]}"; do
  src=$(fetch "$pkg") || { echo "soak: $pkg: cannot fetch its source (deb-src/network; see $WORK/logs/$pkg.fetch.log)" | tee -a "$SUMMARY"; UNFETCHED=1; continue; }
  how=$(compile_db "$pkg" "$src")
  db=$WORK/db/$pkg
  mapfile -t files < <(python3 -c '
import json, os, sys
seen = []
for e in json.load(open(sys.argv[1])):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if f.endswith((".c", ".cc", ".cpp", ".cxx")) and f not in seen and os.path.exists(f):
        seen.append(f)
n = int(sys.argv[2])
print("\n".join(seen[:n] if n else seen))' "$db/compile_commands.json" "$MAX_TUS")
  if [ ${#files[@]} -eq 0 ] || [ -z "${files[0]}" ]; then
    echo "soak: $pkg: no translation unit in its compile database ($db)" | tee -a "$SUMMARY"; FAIL=1; continue
  fi
  t0=$(date +%s)
  printf '%s\n' "${files[@]}" | xargs -r -d '\n' -P "$JOBS" -I{} bash -c 'run_tu "$@"' _ "$pkg" "$db" {} >>"$TSV"
  t1=$(date +%s)
  wp=""
  if [ "$WHOLE" -eq 1 ]; then
    # The whole program: per-TU children, the judge; bounded like the TUs.
    rm -rf "$WORK/cache/$pkg" # measured, not cached
    /usr/bin/time -f 'SOAKTIME %e %M' -o "$WORK/logs/$pkg.wp.time" timeout -s KILL $((TU_SECONDS * 4)) \
      "$TOOL" check -p "$db" -j "$JOBS" --config="$CONFIG" --cache-dir "$WORK/cache/$pkg" \
      "${files[@]}" >"$WORK/logs/$pkg.wp.log" 2>&1
    wrc=$?
    read -r _ wsecs wrss < <(grep '^SOAKTIME' "$WORK/logs/$pkg.wp.time" 2>/dev/null) || { wsecs=?; wrss=0; }
    wverdict=ok
    if [ "$wrc" -ge 2 ] || grep -q 'crashed\|Stack dump\|ERROR: AddressSanitizer\|runtime error:' "$WORK/logs/$pkg.wp.log"; then
      wverdict="FAILED (exit $wrc, $WORK/logs/$pkg.wp.log)"; FAIL=1
    fi
    wp=$(printf '; check -p: %ss, peak %s MB, %s findings, %s' "$wsecs" $((${wrss:-0} / 1024)) \
      "$(grep -c 'warning: .*\[serverless-' "$WORK/logs/$pkg.wp.log")" "$wverdict")
  fi
  awk -F'\t' -v p="$pkg" -v how="$how" -v secs=$((t1 - t0)) -v wp="$wp" '
    $1 == p { n++; lines += $3; w += $7; if ($8 > 0) err++; if ($5 > maxs) { maxs = $5; maxf = $2 }
              if ($6 > maxr) maxr = $6; if ($9 != "ok") bad++; }
    END { printf "%s: %d TUs (%s), %d lines, %ds, slowest TU %.1fs, peak RSS %d MB, %d warnings, %d TUs with compiler errors, %d failed%s\n",
                 p, n, how, lines, secs, maxs, maxr / 1024, w, err, bad, wp }' "$TSV" | tee -a "$SUMMARY"
  # Findings per check.
  grep -ho '\[serverless-[a-z-]*\]' "$WORK/logs/$pkg"/*.log 2>/dev/null | sort | uniq -c |
    awk -v p="$pkg" '{ printf "  %s %s %d\n", p, $2, $1 }' | tee -a "$SUMMARY"
done
END=$(date +%s)
awk -F'\t' 'NR > 1 { n++; lines += $3; if ($6 > maxr) maxr = $6; if ($5 > maxs) maxs = $5; if ($9 != "ok") { bad++; print "  FAILED: " $9 " " $2 > "/dev/stderr" } }
  END { printf "total: %d TUs, %d lines, slowest TU %.1fs, peak RSS %d MB, %d failed\n", n, lines, maxs, maxr / 1024, bad }' "$TSV" | tee -a "$SUMMARY"
echo "soak: $((END - START))s; per-TU rows in $TSV, logs in $WORK/logs" | tee -a "$SUMMARY"
awk -F'\t' 'NR > 1 && $9 != "ok" { exit 1 }' "$TSV" || FAIL=1
[ "$FAIL" -ne 0 ] && exit 1
[ "$UNFETCHED" -ne 0 ] && exit 3 # nothing failed, but not everything could be fetched
exit 0
