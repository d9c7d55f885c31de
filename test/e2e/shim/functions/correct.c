/* Opens and closes everything it uses; one redis connection made at init. */
#include "mini_runtime.h"
#include <fcntl.h>
#include <hiredis/hiredis.h>

static redisContext *redis;

static const char *handler(const char *event) {
  int fd = open("/etc/hostname", O_RDONLY);
  char b[64];
  if (fd >= 0) { if (read(fd, b, sizeof b) < 0) {} close(fd); }
  FILE *f = fopen("/etc/passwd", "r");
  if (f) fclose(f);
  redisReply *r = redisCommand(redis, "INCR shim:correct");
  if (r) freeReplyObject(r);
  return "{\"ok\":true}";
}
int main(void) {
  redis = redisConnect("127.0.0.1", atoi(getenv("REDIS_PORT")));
  if (!redis || redis->err) return 1;
  return rt_run(handler);
}
