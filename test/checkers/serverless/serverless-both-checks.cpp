// RUN: %check_serverless %s serverless-handler-scope-client,serverless-unclosed-resource %t -- \
// RUN:   --checks='-*,serverless-handler-scope-client,serverless-unclosed-resource' -- -isystem %sdk

// A leaked client created per invocation is two defects, each reported by
// its own check (unclosed-resource-and-client.cpp has the NOLINT case); a
// leaked file is serverless-unclosed-resource's alone.
#include <cstdio>
#include <hiredis/hiredis.h>

[[clang::annotate("serverless.handler")]] void handle() {
  redisContext *c = redisConnect("127.0.0.1", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'redisContext' is created by 'redisConnect' on every invocation of handler 'handle'; create it once at init scope and reuse it [serverless-handler-scope-client]
  // CHECK-MESSAGES: :[[@LINE-2]]:21: warning: 'redis-connection' resource acquired by 'redisConnect' is not released on every path; release it with 'redisFree' or 'redisFreeKeepFd' [serverless-unclosed-resource]
  FILE *f = fopen("x", "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  (void)c;
  (void)f;
}
