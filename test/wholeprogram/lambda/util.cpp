#include "svc.h"
#include <cstdio>
#include <hiredis/hiredis.h>

namespace svc {

void step2(const std::string &payload) {
  FILE *f = fopen("/tmp/step2", "w");
  if (f)
    fputs(payload.c_str(), f);
}

// Created once per process: a function-local static in a getter.
redisContext *client() {
  static redisContext *c = redisConnectWithTimeout("127.0.0.1", 6379, timeval{1, 0});
  return c;
}

} // namespace svc
