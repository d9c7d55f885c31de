// Incident 003, fixed: the config file is closed on every path; the cache
// pool is built once at init scope with timeouts and shut down when the
// environment is (SIGTERM, sent when an extension is registered): a thread
// waiting in sigwait() frees it, because run_handler never returns on
// SIGTERM and a signal handler must not call redisFree.
//
//   serverless-tidy check examples/incident-003-fd-leak/handler_fixed.cpp
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <string>
#include <unistd.h>

using namespace aws::lambda_runtime;

static redisContext *primary;
static redisContext *replica;

static int cache_port() {
  const char *port = std::getenv("REDIS_PORT");
  return port ? std::atoi(port) : 6379;
}

static std::string read_config() {
  const char *root = std::getenv("LAMBDA_TASK_ROOT");
  std::string path = std::string(root ? root : ".") + "/config.json";
  FILE *f = std::fopen(path.c_str(), "r");
  if (!f)
    return "{}";
  char buf[256];
  size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  return std::string(buf, n);
}

static void *shutdown_pool(void *) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  redisFree(primary);
  redisFree(replica);
  _exit(0);
}

static invocation_response handler(invocation_request const &request) {
  std::string config = read_config();
  if (auto *r = static_cast<redisReply *>(redisCommand(replica, "GET config:%s", request.request_id.c_str())))
    freeReplyObject(r);
  if (auto *r = static_cast<redisReply *>(redisCommand(primary, "SET seen:%s 1", request.request_id.c_str())))
    freeReplyObject(r);
  return invocation_response::success(config, "application/json");
}

int main() {
  // Before any other thread exists, so every thread inherits the mask.
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  struct timeval tv = {1, 0};
  primary = redisConnectWithTimeout("127.0.0.1", cache_port(), tv);
  replica = redisConnectWithTimeout("127.0.0.1", cache_port(), tv);
  if (primary == nullptr || primary->err || replica == nullptr || replica->err)
    return 1;
  redisSetTimeout(primary, tv);
  redisSetTimeout(replica, tv);
  pthread_t t;
  pthread_create(&t, nullptr, shutdown_pool, nullptr);
  run_handler(handler);
  return 0;
}
