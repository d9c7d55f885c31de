#include "app.h"
#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace app {
static redisContext *g_cache;

void cache_open() {
  struct timeval tv = {1, 0};
  g_cache = redisConnectWithTimeout(redis_host(), redis_port(), tv);
  if (g_cache && !g_cache->err)
    redisSetTimeout(g_cache, tv);
}

void cache_close() {
  if (g_cache)
    redisFree(g_cache);
  g_cache = nullptr;
}

std::string cache_lookup(const std::string &key) {
  if (!g_cache || g_cache->err)
    return "";
  std::string value;
  if (auto *r = static_cast<redisReply *>(redisCommand(g_cache, "GET %s", key.c_str()))) {
    if (r->type == REDIS_REPLY_STRING)
      value.assign(r->str, r->len);
    freeReplyObject(r);
  }
  return value;
}
} // namespace app
