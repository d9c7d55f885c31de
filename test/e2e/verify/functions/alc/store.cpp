#include "store.h"
#include <cstdio>
#include <cstdlib>
#include <hiredis/hiredis.h>

namespace store {
std::string remember(const std::string &id) {
  FILE *log = std::fopen("/dev/null", "a"); // ALC-LOG
  if (log)
    std::fprintf(log, "%s\n", id.c_str()); // never closed
  const char *port = std::getenv("REDIS_PORT");
  struct timeval tv = {1, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", port ? std::atoi(port) : 6379, tv); // ALC-REDIS
  if (!c || c->err)
    return "";
  redisSetTimeout(c, tv);
  if (auto *r = static_cast<redisReply *>(redisCommand(c, "SET %s 1", id.c_str())))
    freeReplyObject(r);
  return id; // c is never redisFree'd
}
} // namespace store
