// Incident 003, fixed: the config file is closed on every path, the cache
// connection is made once at init scope with a timeout, and closed when the
// environment shuts down (SIGTERM, sent when an extension is registered).
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <cstdio>
#include <hiredis/hiredis.h>
#include <string>
#include <unistd.h>

using namespace aws::lambda_runtime;

static redisContext *g_cache;

static void on_sigterm(int) {
  redisFree(g_cache);
  _exit(0);
}

static std::string read_config(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return "";
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return std::string(buf, n);
}

int main() {
  g_cache = redisConnectWithTimeout("127.0.0.1", 6379, {1, 0});
  if (g_cache == nullptr || g_cache->err)
    return 1;
  std::signal(SIGTERM, on_sigterm);
  run_handler([](invocation_request const &request) {
    std::string config = read_config("/var/task/config.json");
    (void)request;
    return invocation_response::success(config, "application/json");
  });
  return 0;
}
