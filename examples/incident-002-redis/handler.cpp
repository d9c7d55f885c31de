// Incident 002 (shared/incidents/002_*.txt), in C++: the Redis cache client
// is a "singleton", but its client() connects again on every call. Each
// invocation opens a new connection (and the previous one is never closed),
// and every concurrent environment does the same: the cache saw 18k
// connections and the functions failed with EMFILE.
//
//   serverless-tidy check examples/incident-002-redis/handler.cpp
#include <aws/lambda-runtime/runtime.h>
#include <cstdlib>
#include <hiredis/hiredis.h>
#include <string>

using namespace aws::lambda_runtime;

class Cache {
public:
  static Cache &instance() {
    static Cache cache; // one per environment, as the write-up's singleton
    return cache;
  }
  // "getInstance": builds and connects a new client on every call.
  redisContext *client() {
    const char *port = std::getenv("REDIS_PORT");
    struct timeval tv = {1, 0};
    ctx_ = redisConnectWithTimeout("127.0.0.1", port ? std::atoi(port) : 6379, tv); // CACHE-CONNECT
    if (ctx_ && !ctx_->err)
      redisSetTimeout(ctx_, tv);
    return ctx_;
  }

private:
  redisContext *ctx_ = nullptr;
};

static invocation_response handler(invocation_request const &request) {
  redisContext *c = Cache::instance().client();
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
  run_handler(handler);
  return 0;
}
