// Incident 003 (shared/incidents/003_*.txt), in C++: every invocation reads a
// config file and never closes it, and builds the cache client's connection
// "pool" (a primary and a replica connection) on every call and never shuts
// it down: about 3 more descriptors stay open after each invocation until the
// warm environment hits "too many open files".
//
//   serverless-tidy check examples/incident-003-fd-leak/handler.cpp
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>
#include <cstdlib>
#include <hiredis/hiredis.h>
#include <string>

using namespace aws::lambda_runtime;

static int cache_port() {
  const char *port = std::getenv("REDIS_PORT");
  return port ? std::atoi(port) : 6379;
}

static std::string read_config() {
  const char *root = std::getenv("LAMBDA_TASK_ROOT");
  std::string path = std::string(root ? root : ".") + "/config.json";
  FILE *f = std::fopen(path.c_str(), "r"); // CONFIG-OPEN
  if (!f)
    return "{}";
  char buf[256];
  size_t n = std::fread(buf, 1, sizeof buf, f);
  return std::string(buf, n); // fclose is missing
}

static invocation_response handler(invocation_request const &request) {
  std::string config = read_config();
  // The cache client's pool, set up as part of each call, never shut down.
  struct timeval tv = {1, 0};
  redisContext *primary = redisConnectWithTimeout("127.0.0.1", cache_port(), tv); // POOL-PRIMARY
  redisContext *replica = redisConnectWithTimeout("127.0.0.1", cache_port(), tv); // POOL-REPLICA
  if (primary == nullptr || primary->err || replica == nullptr || replica->err)
    return invocation_response::failure("cache unavailable", "CacheError");
  redisSetTimeout(primary, tv);
  redisSetTimeout(replica, tv);
  if (auto *r = static_cast<redisReply *>(redisCommand(replica, "GET config:%s", request.request_id.c_str())))
    freeReplyObject(r);
  if (auto *r = static_cast<redisReply *>(redisCommand(primary, "SET seen:%s 1", request.request_id.c_str())))
    freeReplyObject(r);
  return invocation_response::success(config, "application/json");
}

int main() {
  run_handler(handler);
  return 0;
}
