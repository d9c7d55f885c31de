// A runnable function for the emulator: like incident 003, each invocation
// opens a config file and never closes it. `serverless-tidy run` with the
// shim shows +1 fd per invocation from this file's line, and the projected
// invocation at which the 1024-descriptor limit is hit.
#include "lambda_loop.h"
#include <cstdio>
#include <string>

[[clang::annotate("serverless.handler")]] static lambda_loop::Result
handle(const lambda_loop::Invocation &inv) {
  FILE *f = fopen("/etc/hostname", "r");
  if (!f)
    return lambda_loop::Result::failure("no config", "ConfigError");
  char buf[64];
  size_t n = fread(buf, 1, sizeof buf, f);
  (void)inv;
  return lambda_loop::Result::success(std::string(buf, n)); // fclose missing
}

int main() { return lambda_loop::run(handle); }
