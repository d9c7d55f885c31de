#include "app.h"
#include <hiredis/hiredis.h>
#include <mutex>

namespace app {

std::string cache_get(const std::string &key) {
  struct timeval tv = {1, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", 6379, tv);
  if (!c)
    return "";
  redisCommand(c, "GET %s", key.c_str());
  return key;
}

// Negative twins: created once per process.
redisContext *shared_cache() {
  static redisContext *c = redisConnectWithTimeout("127.0.0.1", 6379, timeval{1, 0});
  return c;
}

static redisContext *g_lazy;
redisContext *lazy_cache() {
  if (!g_lazy)
    g_lazy = redisConnectWithTimeout("127.0.0.1", 6379, timeval{1, 0});
  return g_lazy;
}

static std::once_flag g_once;
static redisContext *g_once_ctx;
std::string cache_get_once(const std::string &key) {
  std::call_once(g_once, [] { g_once_ctx = redisConnectWithTimeout("127.0.0.1", 6379, timeval{1, 0}); });
  return key;
}

} // namespace app
