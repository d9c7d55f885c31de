#!/usr/bin/env python3
"""Generates the TU shapes whose cost must grow linearly (issue 17):

  gen_shapes.py long    OUT S   one handler of S statements: every 10
                                statements a fopen, a redisConnect (with a
                                blocking redisCommand) and an open, early
                                returns, some leaks (every 7th group leaks all
                                three on its early return, every 50th never
                                closes its descriptor)
  gen_shapes.py heavy   OUT L   about L lines, nearly all of it in handler
                                scope: helpers called from the handler, each
                                with loops, a FILE, a descriptor, a redis
                                connection (some per invocation) and a
                                blocking call
  gen_shapes.py chain   OUT D   a call chain D functions deep from the
                                handler, each with a leak (one finding per
                                level, each with the handler chain's notes)

All three use the real hiredis header and the AWS stand-ins of
test/checkers/Inputs/sdk; the output compiles without errors. With --light
they include bench/checks/light/serverless_light.h instead (declarations
only, for the growth guard)."""
import sys

PRELUDE = """#include <aws/lambda-runtime/runtime.h>
#include <hiredis/hiredis.h>
#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <string>
using namespace aws::lambda_runtime;
"""


def long_handler(w, stmts):
    w(PRELUDE)
    w("invocation_response handler(invocation_request const &req) {\n"
      "  const char *path = req.payload.c_str();\n"
      "  char buf[64];\n"
      "  long total = 0;\n")
    groups = max(1, stmts // 10)
    for g in range(groups):
        leak_early = g % 7 == 3
        never_closed = g % 50 == 49
        fail = 'return invocation_response::failure("%s %d", "E");'
        w(f"  FILE *f{g} = fopen(path, \"r\");\n")
        w(f"  if (!f{g}) {fail % ('fopen', g)}\n")
        w(f"  total += fgetc(f{g});\n")
        w(f"  redisContext *r{g} = redisConnect(\"127.0.0.1\", {6379 + g % 3});\n")
        w(f"  if (r{g} == NULL || r{g}->err) {{ fclose(f{g}); {fail % ('redis', g)} }}\n")
        w(f"  freeReplyObject(redisCommand(r{g}, \"INCR k{g}\"));\n")
        w(f"  int fd{g} = open(path, O_RDONLY);\n")
        w(f"  if (fd{g} < 0) {{ redisFree(r{g}); fclose(f{g}); {fail % ('open', g)} }}\n")
        w(f"  total += read(fd{g}, buf, sizeof buf);\n")
        if leak_early:
            w(f"  if (total == {g}) return invocation_response::success(\"early\", \"text/plain\");\n")
        else:
            w(f"  if (total == {g}) {{ {'' if never_closed else f'close(fd{g}); '}redisFree(r{g}); fclose(f{g}); "
              "return invocation_response::success(\"early\", \"text/plain\"); }\n")
        w(f"  {'' if never_closed else f'close(fd{g}); '}redisFree(r{g}); fclose(f{g});\n")
    w("  return invocation_response::success(std::to_string(total), \"text/plain\");\n}\n\n"
      "int main() { run_handler(handler); }\n")


HEAVY_HELPER = """
static long helper_{n}(const std::string &in, const char *path) {{
  long total = 0;
  for (size_t i = 0; i < in.size(); ++i) {{
    total += static_cast<long>(in[i]) * {k};
    if (total % 3 == 0) total /= 2;
  }}
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  total += fgetc(f);
  int fd = open(path, O_RDONLY);
  if (fd < 0) {{ fclose(f); return -2; }}
  char buf[16];
  total += read(fd, buf, sizeof buf);
  if (total == {n}) {{ fclose(f); return total; }}
  close(fd);
  fclose(f);
{redis}{call}  return total;
}}
"""
HEAVY_REDIS = """  redisContext *c = redisConnect("127.0.0.1", 6379);
  if (c == NULL || c->err) return -3;
  freeReplyObject(redisCommand(c, "INCR k{n}"));
  redisFree(c);
"""


def heavy(w, lines):
    w(PRELUDE)
    count = PRELUDE.count("\n")
    n = 0
    while count < lines - 12:
        redis = HEAVY_REDIS.format(n=n) if n % 5 == 0 else ""
        call = f"  total += helper_{n - 1}(in, path) % 7;\n" if n % 4 and n else ""
        text = HEAVY_HELPER.format(n=n, k=n % 7 + 1, redis=redis, call=call)
        w(text)
        count += text.count("\n")
        n += 1
    w("\ninvocation_response handler(invocation_request const &req) {\n  long total = 0;\n")
    for i in range(0, n, 4):
        w(f"  total += helper_{i}(req.payload, \"/tmp/x\");\n")
    w("  return invocation_response::success(std::to_string(total), \"text/plain\");\n}\n\n"
      "int main() { run_handler(handler); }\n")


def chain(w, depth):
    w(PRELUDE)
    w(f"static void level_{depth}(const char *) {{}}\n")
    for i in range(depth - 1, -1, -1):
        w(f"static void level_{i}(const char *path) {{\n"
          f"  FILE *f = fopen(path, \"r\");\n"
          f"  if (!f) return;\n"
          f"  level_{i + 1}(path);\n"
          f"}}\n")
    w("invocation_response handler(invocation_request const &req) {\n"
      "  level_0(req.payload.c_str());\n"
      "  return invocation_response::success(\"\", \"text/plain\");\n}\n\n"
      "int main() { run_handler(handler); }\n")


LIGHT = """#include <serverless_light.h>
using namespace aws::lambda_runtime;
"""


def main():
    global PRELUDE
    args = [a for a in sys.argv[1:] if a != "--light"]
    if "--light" in sys.argv:
        PRELUDE = LIGHT
    shape, out, size = args[0], args[1], int(args[2])
    with open(out, "w") as f:
        {"long": long_handler, "heavy": heavy, "chain": chain}[shape](f.write, size)


if __name__ == "__main__":
    main()
