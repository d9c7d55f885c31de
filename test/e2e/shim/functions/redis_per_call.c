/* A redis client per invocation, never freed (incident 002). */
#include "mini_runtime.h"
#include <hiredis/hiredis.h>

static const char *handler(const char *event) {
  redisContext *c = redisConnect("127.0.0.1", atoi(getenv("REDIS_PORT"))); /* CONN-SITE */
  if (!c || c->err) return "{\"ok\":false}";
  redisReply *r = redisCommand(c, "SET shim:key %s", "v");
  if (r) freeReplyObject(r);
  return "{\"ok\":true}"; /* c is never redisFree'd */
}
int main(void) { return rt_run(handler); }
