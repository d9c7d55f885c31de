// The same function, fixed: no growth after warm-up.
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
  fclose(f);
  (void)inv;
  return lambda_loop::Result::success(std::string(buf, n));
}

int main() { return lambda_loop::run(handle); }
