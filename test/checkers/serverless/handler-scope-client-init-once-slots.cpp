// RUN: %check_serverless %s serverless-handler-scope-client %t -- -- -isystem %sdk

// Lazy initialisation into a slot of a static: through a local reference, a
// container element, a member, a reference returned by a member call. Each
// runs once per process (per key), like `if (!g) g = ...;`.
#include <aws/lambda-runtime/runtime.h>
#include <hiredis/hiredis.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace aws::lambda_runtime;

std::map<std::string, redisContext *> g_clients;
std::vector<redisContext *> g_pool(4);
struct Holder {
  redisContext *ctx = nullptr;
};
Holder g_holder;
redisContext *g_one;
redisContext *g_other;

static redisContext *by_region(const std::string &region) {
  auto &slot = g_clients[region];
  if (!slot)
    slot = redisConnect(region.c_str(), 6379);
  return slot;
}

static redisContext *by_index(unsigned i) {
  if (g_pool.at(i) == nullptr)
    g_pool.at(i) = redisConnect("cache", 6379);
  return g_pool[i];
}

static redisContext *member() {
  Holder &h = g_holder;
  if (!h.ctx)
    h.ctx = redisConnect("cache", 6379);
  return h.ctx;
}

static redisContext *ref_to_global() {
  redisContext *&r = g_one;
  if (r == nullptr)
    r = redisConnect("cache", 6379);
  return r;
}

// Not init-once: the slot tested is not the one assigned.
static redisContext *wrong_slot() {
  redisContext *&r = g_one;
  if (r == nullptr)
    g_other = redisConnect("cache", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'redisContext' is created by 'redisConnect' on every invocation of handler 'handler'
  return g_other;
}

// Not init-once: a local container lives for one invocation.
static redisContext *local_map(const std::string &region) {
  std::map<std::string, redisContext *> clients;
  auto &slot = clients[region];
  if (!slot)
    slot = redisConnect(region.c_str(), 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:12: warning: 'redisContext' is created by 'redisConnect' on every invocation of handler 'handler'
  return slot;
}

invocation_response handler(invocation_request const &req) {
  by_region(req.payload);
  by_index(1);
  member();
  ref_to_global();
  wrong_slot();
  redisFree(local_map(req.payload));
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
