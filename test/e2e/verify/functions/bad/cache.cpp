#include "app.h"
#include <hiredis/hiredis.h>

namespace app {
std::string cache_lookup(const std::string &key) {
  redisContext *c = redisConnect(redis_host(), redis_port()); // CACHE-SITE
  if (!c || c->err)
    return "";
  std::string value;
  if (auto *r = static_cast<redisReply *>(redisCommand(c, "GET %s", key.c_str()))) { // COMMAND-SITE
    if (r->type == REDIS_REPLY_STRING)
      value.assign(r->str, r->len);
    freeReplyObject(r);
  }
  return value; // c is never redisFree'd
}
} // namespace app
