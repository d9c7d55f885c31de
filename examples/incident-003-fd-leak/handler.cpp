// Incident 003 (shared/incidents/003_*.txt), in C++: every invocation reads a
// config file and never closes it, and opens a cache connection per call;
// ~3 more descriptors stay open after each invocation until the warm
// environment hits "too many open files".
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>
#include <hiredis/hiredis.h>
#include <string>

using namespace aws::lambda_runtime;

static std::string read_config(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return "";
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf, f);
  return std::string(buf, n); // fclose is missing
}

static invocation_response handler(invocation_request const &request) {
  std::string config = read_config("/var/task/config.json");
  redisContext *cache = redisConnect("127.0.0.1", 6379); // per call, never freed
  if (cache == nullptr || cache->err)
    return invocation_response::failure("cache unavailable", "CacheError");
  (void)request;
  return invocation_response::success(config, "application/json");
}

int main() {
  run_handler(handler);
  return 0;
}
