#!/usr/bin/env bash
# Precision corpus (issue 18, "Method: a real-code corpus of your own"):
# fetches real public C/C++ code that uses the modelled libraries, writes one
# compile database per program group, runs every serverless check over it
# through the clang-tidy-19 plugin (handler scope chosen per program, below),
# and writes WORK/findings.tsv, one row per finding, for the hand review in
# docs/precision.md.
#
#   scripts/precision-corpus.sh [options] [GROUP...]
#     --build DIR    serverless-tidy build whose plugin is used (default build)
#     --plugin FILE  the plugin itself (default BUILD/lib/libserverless-tidy-plugin.so;
#                    copied to WORK first, so a rebuild during the run does not matter)
#     --work DIR     sources, compile databases, logs, findings (default /tmp/serverless-precision)
#     --mirror DIR   a directory of git mirrors laid out as DIR/OWNER+NAME/repo; used
#                    instead of cloning from GitHub when the repository is there
#     --jobs N       parallel clang-tidy processes (default 2, run under nice 10)
#     --fetch-only   fetch and write compile databases, do not run the checks
#     --offline      use only what is already in WORK/src (no git, no apt-get)
#   GROUP defaults to all groups, in this order:
#     aws-lambda-cpp scheduled-messenger latency c-lambda-runtime c-lambda-runtime-v2 sebs
#     hiredis libpqxx librdkafka librdkafka-service curl mongo-c-driver
#
# Sources:
#   * GitHub repositories at pinned commits (git clone, then checkout of the
#     commit; with --mirror, clone from the local mirror instead);
#   * Debian bookworm source packages through `apt-get source` (a deb-src
#     entry is added when none exists, as scripts/soak.sh does).
# The programs are compiled against the installed -dev packages of the
# libraries (scripts/setup-debian.sh installs them; flags from pkg-config),
# as an application would be, never against the library's own source tree
# (librdkafka's examples include "rdkafka.h": -I/usr/include/librdkafka);
# the AWS SDK for C++, which Debian does not package, comes from the
# project's SDK stand-in headers (test/checkers/Inputs/sdk), and the
# aws-lambda-cpp runtime headers from the pinned aws-lambda-cpp checkout.
# A TU whose headers are missing is still analysed; the count of compiler
# errors per TU is in WORK/tus.tsv.
#
# Exit: 0 done; 2 bad usage or missing tool; 3 some source could not be fetched.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BUILD=build PLUGIN="" WORK=/tmp/serverless-precision MIRROR="" JOBS=2 FETCH_ONLY=0 OFFLINE=0 GROUPS_=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --plugin) PLUGIN=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --mirror) MIRROR=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --fetch-only) FETCH_ONLY=1; shift ;;
    --offline) OFFLINE=1; shift ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    -*) echo "precision: unknown option $1" >&2; exit 2 ;;
    *) GROUPS_+=("$1"); shift ;;
  esac
done
ALL_GROUPS=(aws-lambda-cpp scheduled-messenger latency c-lambda-runtime c-lambda-runtime-v2 sebs hiredis libpqxx librdkafka librdkafka-service curl mongo-c-driver)
[ ${#GROUPS_[@]} -eq 0 ] && GROUPS_=("${ALL_GROUPS[@]}")
[ -n "$PLUGIN" ] || PLUGIN=$BUILD/lib/libserverless-tidy-plugin.so
CLANG_TIDY=/usr/lib/llvm-19/bin/clang-tidy
for f in "$CLANG_TIDY" "$(command -v git)" "$(command -v pkg-config)" "$(command -v python3)"; do
  [ -x "$f" ] || { echo "precision: missing tool $f (scripts/setup-debian.sh)" >&2; exit 2; }
done
if [ "$FETCH_ONLY" -eq 0 ] && [ ! -f "$PLUGIN" ]; then
  echo "precision: no plugin at $PLUGIN (build first)" >&2; exit 2
fi
mkdir -p "$WORK/src" "$WORK/db" "$WORK/logs"
WORK=$(cd "$WORK" && pwd)
SDK_STUBS=$ROOT/test/checkers/Inputs/sdk

# ---------------------------------------------------------------------------
# The corpus: GitHub repositories at pinned commits.
#   GROUP  OWNER/NAME  COMMIT
REPOS="
aws-lambda-cpp      awslabs/aws-lambda-cpp             b83d8fa626b2be32271a9c2c4977313c8d9a35d9
scheduled-messenger momentum-devs/scheduled-messenger  fd91224f01b2441690e16c606b1705f36a151a04
latency             teticio/latency                    24d286abedef3399239fa15c94551029a3891868
c-lambda-runtime    PauloMigAlmeida/aws-lambda-c-runtime da357dfde526337a37584419e11e8c30e7591269
c-lambda-runtime-v2 n1ce1041/c-lambda-runtime-v2       3f60310a2fb04d03b6e1e741f24034bdd2e06f15
sebs                spcl/serverless-benchmarks         a7a0532026dd6c38f49c2964916f93a9bc084d4f
"
# Debian source packages (bookworm): GROUP PACKAGE VERSION (the version
# reviewed in docs/precision.md; when the archive no longer has it, e.g. after
# a security update, the current bookworm version is fetched with a warning)
DEBS="
hiredis            hiredis        0.14.1-3
libpqxx            libpqxx        6.4.5-2
librdkafka         librdkafka     2.0.2-1
librdkafka-service librdkafka     2.0.2-1
curl               curl           7.88.1-10+deb12u15
mongo-c-driver     mongo-c-driver 1.23.1-1+deb12u3
"
# redis-plus-plus is not packaged in Debian bookworm (no source package).

# Libraries some groups' programs need besides the modelled ones, installed
# when missing (as scripts/setup-debian.sh installs the modelled ones): the
# event loops hiredis's async examples attach to. Without their headers the
# attach statement is dropped from the AST (docs/precision.md, "Later: code
# the compiler could not resolve"). `ae` (Redis's own loop) is not packaged.
#   GROUP  PACKAGE...
GROUP_PACKAGES="
hiredis libev-dev libuv1-dev libevent-dev libivykis-dev libglib2.0-dev
"
# TUs that cannot compile on Linux at all, left out of the corpus (reported
# when the group is prepared):
#   GROUP  FILE (relative to the group's file list root)  WHY
EXCLUDED="
hiredis examples/example-macosx.c macOS only: CoreFoundation's run loop (CFRunLoop*), no Linux package provides it
"

# Handler scope per program group. The aws-lambda-cpp applications need none:
# their handler is the run_handler argument. aws-lambda-cpp's own runtime
# (src/runtime.cpp) posts each invocation's result: `runtime::do_post` and
# `runtime::post_*` run once per invocation (`get_next`, the wait for the next
# event, is not named: it is not part of an invocation). The two C runtimes are Lambda
# functions whose run loop the models do not know (a C `run_handler`, a
# hand-written loop in `main`), so their per-invocation functions are named:
#   c-lambda-runtime     `my_handler` (the user handler of both examples),
#                        `list_buckets` (what the S3 example's handler calls, in
#                        another TU), `service_logic_post_result` (run once per
#                        invocation by the runtime's loop, after the handler) and
#                        what it calls in another TU, `request_post_result`; not
#                        `service_logic_get_next`/`request_get_next`, the wait for
#                        the next event (the Runtime API long-poll, unbounded by
#                        design), which is not part of an invocation;
#   c-lambda-runtime-v2  `request_client` and `invoke_handler` (the body of
#                        main's event loop);
#   sebs                 SeBS's AWS C++ benchmarks: the wrapper's handler (a
#                        run_handler argument) calls each benchmark's `function`
#                        from another TU, so `function` is named, and so are the
#                        storage/key-value/Redis wrapper methods that `function`
#                        calls per request (`sebs::Storage::*_file`,
#                        `KeyValue::*_file`, `Redis::*_file`); `get_client` is
#                        not named (the benchmarks call it into a function-local
#                        static, once).
# The library examples have no Lambda
# handler; the function named here is the one that plays its role, i.e. the
# body a Lambda port would run once per invocation:
#   hiredis       `main` of each example: connect, issue a few commands, exit
#                 (the async examples' callbacks are reached from main's loop only
#                 through the event library, so they are not in scope);
#   libpqxx       each `test_NNN`/`test_*` function of test/*.cxx: one test is one
#                 unit of work against the database (the test runner's `main` is
#                 the process, not a request);
#   librdkafka    `main` of each example (one produce/consume session);
#   librdkafka-service  the same source package, the examples that run as a
#                 service (a client set up once, then a loop over messages),
#                 seen as a Lambda function would be written: the per-message
#                 function plays the handler (`msg_consume` in rdkafka_example.c/.cpp,
#                 rdkafka_complex_consumer_example.c/.cpp, rdkafka_performance.c and
#                 kafkatest_verifiable_client.cpp; `process_message` in
#                 transactions.c and transactions-older-broker.c), and `main`,
#                 which creates the clients, is init scope; consumer.c,
#                 producer.c/.cpp and idempotent_producer.c have their loop inline
#                 in `main` (no per-message function: no handler, init scope only).
#                 This is where serverless-missing-shutdown-hook has something
#                 to judge: clients that live across messages;
#   curl          `main` of each docs/examples program (one transfer or a few);
#   mongo-c-driver `main` of each example (one client session).
handler_functions() {
  case "$1" in
    aws-lambda-cpp) echo "aws::lambda_runtime::runtime::do_post;aws::lambda_runtime::runtime::post_*" ;;
    scheduled-messenger|latency) echo "" ;;
    c-lambda-runtime) echo "my_handler;list_buckets;service_logic_post_result;request_post_result" ;;
    c-lambda-runtime-v2) echo "request_client;invoke_handler" ;;
    sebs) echo "function;sebs::Storage::*_file;KeyValue::*_file;Redis::*_file" ;;
    libpqxx) echo "**::test_*;test_*" ;;
    librdkafka-service) echo "msg_consume;process_message" ;;
    *) echo "main" ;;
  esac
}

# ---------------------------------------------------------------------------
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
UNFETCHED=0

# As scripts/soak.sh: a deb-src entry for bookworm when apt has none.
ensure_deb_src() {
  if apt-get source --print-uris hiredis >/dev/null 2>&1; then return 0; fi
  echo "precision: adding a deb-src entry for bookworm (/etc/apt/sources.list.d/serverless-soak-src.sources)" >&2
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
    $SUDO tee /etc/apt/sources.list.d/serverless-soak-src.sources >/dev/null &&
    $SUDO apt-get update -qq >&2
}

# WORK/src/PACKAGE-VERSION (apt-get source when missing); prints the directory.
fetch_deb() {
  local pkg=$1 ver=$2 dir
  dir=$(find "$WORK/src/" -maxdepth 1 -mindepth 1 -type d -name "$pkg-[0-9]*" | head -1)
  if [ -z "$dir" ] && [ "$OFFLINE" -eq 0 ]; then
    ensure_deb_src || return 1
    if ! (cd "$WORK/src" && apt-get source "$pkg=$ver" >"$WORK/logs/$pkg.fetch.log" 2>&1); then
      echo "precision: $pkg $ver is no longer in the archive; fetching the current bookworm version" >&2
      (cd "$WORK/src" && apt-get source "$pkg" >>"$WORK/logs/$pkg.fetch.log" 2>&1) || return 1
    fi
    dir=$(find "$WORK/src/" -maxdepth 1 -mindepth 1 -type d -name "$pkg-[0-9]*" | head -1)
  fi
  [ -n "$dir" ] && echo "$dir"
}

# Installs GROUP_PACKAGES of a group when missing (not with --offline).
ensure_group_packages() {
  local group=$1 pkgs missing=() p
  pkgs=$(echo "$GROUP_PACKAGES" | awk -v g="$group" '$1 == g { $1 = ""; print }')
  for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$OFFLINE" -eq 1 ]; then
    echo "precision: $group: missing ${missing[*]} (--offline: not installed; those TUs are partly unresolved)" >&2
    return 0
  fi
  echo "precision: $group: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >"$WORK/logs/$group.packages.log" 2>&1 ||
    echo "precision: $group: could not install ${missing[*]} (see $WORK/logs/$group.packages.log)" >&2
}

# Drops the group's EXCLUDED files from the list on stdin (paths under DIR),
# saying so on stderr.
exclude_tus() {
  local group=$1 dir=$2 f rel why
  while IFS= read -r f; do
    rel=${f#"$dir"/}
    why=$(echo "$EXCLUDED" | awk -v g="$group" -v r="$rel" '$1 == g && $2 == r { $1 = ""; $2 = ""; sub(/^ +/, ""); print }')
    if [ -n "$why" ]; then
      echo "precision: $group: not compilable on Linux, excluded: $rel ($why)" >&2
      continue
    fi
    echo "$f"
  done
}

# WORK/src/OWNER+NAME at COMMIT; prints the directory.
fetch_git() {
  local repo=$1 commit=$2 dir=$WORK/src/${1/\//+} url
  if [ -d "$dir/.git" ] && [ "$(git -C "$dir" rev-parse HEAD 2>/dev/null)" = "$commit" ]; then
    echo "$dir"; return 0
  fi
  [ "$OFFLINE" -eq 1 ] && return 1
  rm -rf "$dir"
  url=https://github.com/$repo.git
  [ -n "$MIRROR" ] && [ -d "$MIRROR/${repo/\//+}/repo" ] && url=$MIRROR/${repo/\//+}/repo
  { git clone -q --no-checkout "$url" "$dir" && git -C "$dir" checkout -q "$commit"; } \
    >"$WORK/logs/${repo/\//+}.fetch.log" 2>&1 || return 1
  echo "$dir"
}

# Writes WORK/db/GROUP/compile_commands.json: one entry per FILE, with FLAGS.
write_db() {
  local group=$1 dir=$2 flags=$3; shift 3
  mkdir -p "$WORK/db/$group"
  python3 - "$WORK/db/$group/compile_commands.json" "$dir" "$flags" "${CXXSTD:-gnu++17}" "$@" <<'EOF'
import json, shlex, sys
out, directory, flags, std, files = sys.argv[1], sys.argv[2], shlex.split(sys.argv[3]), sys.argv[4], sys.argv[5:]
db = []
for f in files:
    cxx = not f.endswith(".c")
    cmd = ["clang++-19", "-std=" + std] if cxx else ["clang-19", "-std=gnu11"]
    cmd.append("-ferror-limit=0")  # analyse the whole TU, not the part before 20 errors
    db.append({"directory": directory, "file": f, "arguments": cmd + flags + ["-c", f]})
json.dump(db, open(out, "w"), indent=1)
EOF
}

pc() { pkg-config --cflags "$@" 2>/dev/null; }

# The Lambda repositories include headers of libraries that Debian does not
# package (most of the AWS SDK, boost parts, fmt, taocpp, mailio): an include
# that is not found stops clang before any analysis. Each such header is
# replaced by an empty file in WORK/fill/GROUP (repeated until every include
# resolves), so the TU is analysed; the code that used them is then partly
# unresolved (compiler errors, counted in tus.tsv), which can hide findings
# but does not invent calls to the modelled libraries. Prints the -I flag.
fill_missing_headers() {
  local group=$1 std=$2 flags=$3; shift 3
  local fill=$WORK/fill/$group i f h missing
  mkdir -p "$fill"
  for i in $(seq 1 60); do
    missing=0
    for f in "$@"; do
      # shellcheck disable=SC2086
      h=$(clang++-19 -std="$std" -fsyntax-only $flags -I"$fill" "$f" 2>&1 |
        sed -n "s/.*fatal error: '\(.*\)' file not found.*/\1/p" | head -1)
      [ -z "$h" ] && continue
      mkdir -p "$fill/$(dirname "$h")" && : >"$fill/$h" && missing=1
    done
    [ "$missing" -eq 0 ] && break
  done
  echo "-I$fill"
}

# Fetches a group's sources and writes its compile database; prints the TU list file.
prepare() {
  local group=$1 line repo commit pkg ver dir files=() alc flags std
  line=$(echo "$REPOS" | awk -v g="$group" '$1 == g')
  if [ -n "$line" ]; then
    read -r _ repo commit <<<"$line"
    dir=$(fetch_git "$repo" "$commit") || { echo "precision: $group: cannot fetch $repo@$commit" >&2; return 1; }
    alc=$(fetch_git awslabs/aws-lambda-cpp b83d8fa626b2be32271a9c2c4977313c8d9a35d9) || return 1
    case "$group" in
      aws-lambda-cpp) mapfile -t files < <(ls "$dir"/examples/*/main.cpp "$dir"/src/runtime.cpp "$dir"/src/logging.cpp) ;;
      scheduled-messenger) mapfile -t files < <(ls "$dir"/messagesProcessing/*/*.cpp | grep -v 'Test\.cpp$') ;;
      latency) mapfile -t files < <(ls "$dir"/*lambda-c++*/*.cpp) ;;
      c-lambda-runtime) mapfile -t files < <(ls "$dir"/src/*.c "$dir"/examples/*/main.c "$dir"/examples/*/src/*) ;;
      c-lambda-runtime-v2) mapfile -t files < <(ls "$dir"/src/*.c) ;;
      sebs) mapfile -t files < <(ls "$dir"/benchmarks/wrappers/aws/cpp/*.cpp "$dir"/benchmarks/*/*/cpp/main.cpp) ;;
    esac
    case "$group" in
      c-lambda-runtime) flags="-I$dir/include -I$dir/examples/s3/include -I$SDK_STUBS $(pc libcurl)" ;;
      c-lambda-runtime-v2) flags="-I$dir/include $(pc libcurl)" ;;
      sebs) flags="-DSEBS_USE_AWS_SDK -I$dir/benchmarks/wrappers/aws/cpp -I$alc/include -I$SDK_STUBS $(pc hiredis)" ;;
      aws-lambda-cpp) flags="-I$alc/include -I$SDK_STUBS -I$dir -I$dir/src $(pc libcurl)" ;;
      *) flags="-I$alc/include -I$SDK_STUBS -I$dir" ;;
    esac
    std=gnu++17
    [ "$group" = scheduled-messenger ] && std=gnu++20 # std::span
    flags="$flags $(fill_missing_headers "$group" "$std" "$flags" "${files[@]}")"
    CXXSTD=$std write_db "$group" "$dir" "$flags" "${files[@]}"
    printf '%s\n' "${files[@]}"
    return 0
  fi
  read -r _ pkg ver < <(echo "$DEBS" | awk -v g="$group" '$1 == g')
  [ -n "$pkg" ] || { echo "precision: unknown group $group" >&2; return 1; }
  dir=$(fetch_deb "$pkg" "$ver") || { echo "precision: $group: cannot fetch source package $pkg (deb-src, network)" >&2; return 1; }
  case "$group" in
    hiredis)
      ensure_group_packages "$group"
      mapfile -t files < <(ls "$dir"/examples/*.c "$dir"/examples/*.cpp | exclude_tus "$group" "$dir")
      # One pkg-config call per library: one that is missing leaves the others' flags.
      write_db "$group" "$dir/examples" "$(pc hiredis) -I$dir $(for l in libevent glib-2.0 libuv ivykis; do pc "$l"; done)" "${files[@]}" ;;
    libpqxx)
      mapfile -t files < <(ls "$dir"/test/test[0-9]*.cxx)
      write_db "$group" "$dir/test" "$(pc libpqxx libpq) -I$dir/test" "${files[@]}" ;;
    librdkafka)
      mapfile -t files < <(ls "$dir"/examples/*.c "$dir"/examples/*.cpp | grep -v win_ssl_cert_store)
      write_db "$group" "$dir/examples" "-I/usr/include/librdkafka" "${files[@]}" ;;
    librdkafka-service)
      mapfile -t files < <(cd "$dir/examples" && ls rdkafka_example.c rdkafka_example.cpp rdkafka_complex_consumer_example.c \
        rdkafka_complex_consumer_example.cpp rdkafka_performance.c kafkatest_verifiable_client.cpp transactions.c \
        transactions-older-broker.c consumer.c producer.c producer.cpp idempotent_producer.c | sed "s|^|$dir/examples/|")
      write_db "$group" "$dir/examples" "-I/usr/include/librdkafka" "${files[@]}" ;;
    curl)
      mapfile -t files < <(ls "$dir"/docs/examples/*.c)
      write_db "$group" "$dir/docs/examples" "$(pc libcurl)" "${files[@]}" ;;
    mongo-c-driver)
      mapfile -t files < <(find "$dir/src/libmongoc/examples" -name '*.c' | sort)
      write_db "$group" "$dir/src/libmongoc/examples" "$(pc libmongoc-1.0) -I$dir/src/libmongoc/examples" "${files[@]}" ;;
  esac
  printf '%s\n' "${files[@]}"
}

# One TU: the plugin with the group's handler scope; log in WORK/logs/GROUP/.
run_tu() {
  local group=$1 handlers=$2 file=$3 log config
  log=$WORK/logs/$group/$(echo "${file#"$WORK"/src/}" | tr '/' '_').log
  mkdir -p "$(dirname "$log")"
  config="{Checks: '-*,serverless-*', CheckOptions: {HandlerFunctions: '$handlers'}}"
  nice -n 10 "$CLANG_TIDY" --load="$WORK/plugin.so" -p "$WORK/db/$group" --config="$config" \
    --quiet "$file" >"$log" 2>&1
  printf '%s\t%s\t%s\t%s\n' "$group" "$file" "$(grep -c ': error: ' "$log")" \
    "$(grep -c 'warning: .*\[serverless-' "$log")"
}
export -f run_tu
export WORK CLANG_TIDY

if [ "$FETCH_ONLY" -eq 0 ]; then
  cp "$PLUGIN" "$WORK/plugin.so"
  # Rows of the groups run now are replaced; other groups' rows are kept.
  for t in tus findings; do
    [ -f "$WORK/$t.tsv" ] || continue
    awk -F'\t' -v gs=" ${GROUPS_[*]} " 'NR == 1 || index(gs, " " $1 " ") == 0' "$WORK/$t.tsv" >"$WORK/$t.tsv.tmp" &&
      mv "$WORK/$t.tsv.tmp" "$WORK/$t.tsv"
  done
  [ -f "$WORK/tus.tsv" ] || printf 'group\tfile\tcompiler_errors\tfindings\n' >"$WORK/tus.tsv"
  [ -f "$WORK/findings.tsv" ] || printf 'group\tfile\tline\tcolumn\tcheck\tmessage\n' >"$WORK/findings.tsv"
fi
for group in "${GROUPS_[@]}"; do
  mapfile -t files < <(prepare "$group") || true
  if [ ${#files[@]} -eq 0 ] || [ -z "${files[0]}" ]; then UNFETCHED=1; continue; fi
  echo "precision: $group: ${#files[@]} TUs, HandlerFunctions='$(handler_functions "$group")'" >&2
  [ "$FETCH_ONLY" -eq 1 ] && continue
  rm -rf "$WORK/logs/$group"
  printf '%s\n' "${files[@]}" |
    xargs -r -d '\n' -P "$JOBS" -I{} bash -c 'run_tu "$@"' _ "$group" "$(handler_functions "$group")" {} >>"$WORK/tus.tsv"
  # Findings of this group (warnings only; notes stay in the logs).
  cat "$WORK/logs/$group"/*.log | sed -n 's/^\(\/[^:]*\):\([0-9]*\):\([0-9]*\): warning: \(.*\) \[\(serverless-[a-z-]*\)\]$/\1\t\2\t\3\t\5\t\4/p' |
    sort -u | awk -F'\t' -v g="$group" -v OFS='\t' '{ print g, $1, $2, $3, $4, $5 }' |
    sort -t$'\t' -k2,2 -k3,3n >>"$WORK/findings.tsv"
  echo "precision: $group: $(awk -F'\t' -v g="$group" '$1 == g' "$WORK/findings.tsv" | wc -l) findings" >&2
done
if [ "$FETCH_ONLY" -eq 0 ]; then
  echo "precision: findings per check:" >&2
  tail -n +2 "$WORK/findings.tsv" | cut -f5 | sort | uniq -c >&2
  echo "precision: $WORK/findings.tsv, per-TU counts in $WORK/tus.tsv, logs in $WORK/logs" >&2
fi
[ "$UNFETCHED" -ne 0 ] && exit 3
exit 0
