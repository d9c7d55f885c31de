// Incident 002, fixed: the singleton connects once per environment (lazily,
// on first use) and reuses the connection; it is closed when the
// environment shuts down, from a thread waiting in sigwait() (run_handler
// never returns on SIGTERM). K concurrent environments hold K connections,
// not one per invocation.
//
//   serverless-tidy check examples/incident-002-redis/handler_fixed.cpp
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <cstdlib>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <string>
#include <unistd.h>

using namespace aws::lambda_runtime;

static redisContext *g_cache;

static redisContext *cache_client() {
  if (!g_cache) {
    const char *port = std::getenv("REDIS_PORT");
    struct timeval tv = {1, 0};
    g_cache = redisConnectWithTimeout("127.0.0.1", port ? std::atoi(port) : 6379, tv);
    if (g_cache && !g_cache->err)
      redisSetTimeout(g_cache, tv);
  }
  return g_cache;
}

static void *close_on_sigterm(void *) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  if (g_cache)
    redisFree(g_cache);
  _exit(0);
}

static invocation_response handler(invocation_request const &request) {
  redisContext *c = cache_client();
  if (c == nullptr || c->err)
    return invocation_response::failure("cache unavailable", "CacheError");
  std::string value;
  if (auto *r = static_cast<redisReply *>(redisCommand(c, "HGET users %s", request.request_id.c_str()))) {
    if (r->type == REDIS_REPLY_STRING)
      value.assign(r->str, r->len);
    freeReplyObject(r);
  }
  return invocation_response::success("{\"cached\":\"" + value + "\"}", "application/json");
}

int main() {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  pthread_t t;
  pthread_create(&t, nullptr, close_on_sigterm, nullptr);
  run_handler(handler);
  return 0;
}
