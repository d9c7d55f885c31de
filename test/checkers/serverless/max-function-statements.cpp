// RUN: %check_serverless %s serverless-unclosed-resource,serverless-missing-deadline,serverless-handler-scope-client %t -- \
// RUN:   -config="{CheckOptions: {MaxFunctionStatements: 6}}" -- -isystem %sdk
// RUN: %clang_tidy --load=%plugin %s --checks='-*,serverless-unclosed-resource,serverless-missing-deadline,serverless-handler-scope-client' -- -isystem %sdk 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOBUDGET

// A function with more statements than MaxFunctionStatements is not
// analysed by the flow-sensitive checks, nor by handler-scope-client (whose
// hundreds of findings in a generated handler cost the editor most) (an editor must not stall on a
// generated handler): each says so in a remark naming the function and the
// option. Functions within the budget are analysed as usual. Without the
// option (0: no budget) the large handler's defects are found.
#include <aws/lambda-runtime/runtime.h>
#include <hiredis/hiredis.h>
#include <cstdio>

using namespace aws::lambda_runtime;

static int small(const char *p) {
  FILE *f = fopen(p, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  return f ? 0 : 1;
}

invocation_response handler(invocation_request const &req) {
  // CHECK-MESSAGES: :[[@LINE-1]]:21: remark: 'handler' has more than 6 statements (option MaxFunctionStatements): serverless-handler-scope-client did not analyse it [serverless-handler-scope-client]
  // CHECK-MESSAGES: :[[@LINE-2]]:21: remark: 'handler' has more than 6 statements (option MaxFunctionStatements): serverless-missing-deadline did not analyse it [serverless-missing-deadline]
  // CHECK-MESSAGES: :[[@LINE-3]]:21: remark: 'handler' has more than 6 statements (option MaxFunctionStatements): serverless-unclosed-resource did not analyse it [serverless-unclosed-resource]
  int total = small(req.payload.c_str());
  redisContext *c = redisConnect("127.0.0.1", 6379);
  if (c == NULL || c->err)
    return invocation_response::failure("redis", "E");
  freeReplyObject(redisCommand(c, "INCR k"));
  FILE *f = fopen(req.payload.c_str(), "r");
  if (!f)
    return invocation_response::failure("open", "E");
  total += fgetc(f);
  redisFree(c);
  return invocation_response::success(std::to_string(total), "text/plain");
}
// NOBUDGET: :19:13: warning: 'FILE' resource acquired by 'fopen'
// NOBUDGET: :29:21: warning: 'redisContext' is created by 'redisConnect' on every invocation of handler 'handler'
// NOBUDGET: :29:21: warning: 'redisConnect' can block without bound
// NOBUDGET: :29:21: warning: 'redis-connection' resource acquired by 'redisConnect' is not released on every path
// NOBUDGET: :32:19: warning: 'redisCommand' can block without bound
// NOBUDGET: :33:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path
// NOBUDGET-NOT: did not analyse

int main() { run_handler(handler); }
