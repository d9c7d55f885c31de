// RUN: %check_serverless %s serverless-unclosed-resource,serverless-handler-scope-client %t -- \
// RUN:   -checks='-*,serverless-unclosed-resource,serverless-handler-scope-client' -- -isystem %sdk

// A connection created per invocation and never freed is two defects, each
// reported by its own check whatever else is enabled or suppressed: the
// construction (serverless-handler-scope-client) and the leak
// (serverless-unclosed-resource).
#include <aws/lambda-runtime/runtime.h>
#include <hiredis/hiredis.h>

using namespace aws::lambda_runtime;

static void both(const char *key) {
  redisContext *c = redisConnect("127.0.0.1", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'redisContext' is created by 'redisConnect' on every invocation of handler 'handler'; create it once at init scope and reuse it [serverless-handler-scope-client]
  // CHECK-MESSAGES: :[[@LINE-2]]:21: warning: 'redis-connection' resource acquired by 'redisConnect' is not released on every path; release it with 'redisFree' or 'redisFreeKeepFd' [serverless-unclosed-resource]
  if (!c)
    return;
  freeReplyObject(redisCommand(c, "GET %s", key));
}

// The user keeps a per-tenant connection on purpose: the client finding is
// suppressed, the leak is still reported.
static void tenant(const char *key) {
  redisContext *c = redisConnect("127.0.0.1", 6379); // NOLINT(serverless-handler-scope-client)
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'redis-connection' resource acquired by 'redisConnect' is not released on every path
  if (!c)
    return;
  freeReplyObject(redisCommand(c, "GET %s", key));
}

// Created per invocation and freed: only the client finding.
static void freed(const char *key) {
  redisContext *c = redisConnect("127.0.0.1", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'redisContext' is created by 'redisConnect' on every invocation of handler 'handler'
  if (!c)
    return;
  freeReplyObject(redisCommand(c, "GET %s", key));
  redisFree(c);
}

invocation_response handler(invocation_request const &req) {
  both(req.payload.c_str());
  tenant(req.payload.c_str());
  freed(req.payload.c_str());
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
