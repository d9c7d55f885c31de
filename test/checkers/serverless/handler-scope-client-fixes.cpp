// RUN: %check_serverless %s serverless-handler-scope-client %t -- -- -isystem %sdk

#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/lambda-runtime/runtime.h>
#include <hiredis/hiredis.h>

using namespace aws::lambda_runtime;

static const char *kRegion = "eu-west-1";

invocation_response handler(invocation_request const &req) {
  Aws::Client::ClientConfiguration fixed;
  fixed.region = kRegion;
  Aws::DynamoDB::DynamoDBClient ok_to_share(fixed);
  // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation of handler 'handler'
  // CHECK-FIXES: {{^}}  static Aws::DynamoDB::DynamoDBClient ok_to_share(fixed);

  // The configuration depends on the request: no fix-it.
  Aws::Client::ClientConfiguration per_request;
  per_request.region = req.payload;
  Aws::DynamoDB::DynamoDBClient from_request(per_request);
  // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed
  // CHECK-FIXES: {{^}}  Aws::DynamoDB::DynamoDBClient from_request(per_request);

  // Directly from the request parameter: no fix-it.
  redisContext *direct = redisConnect(req.payload.c_str(), 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:26: warning: 'redisContext' is created by 'redisConnect' on every invocation of handler 'handler'
  // CHECK-FIXES: {{^}}  redisContext *direct = redisConnect(req.payload.c_str(), 6379);

  // Released per invocation: a static would be freed after the first call.
  redisContext *freed = redisConnect("127.0.0.1", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:25: warning: 'redisContext' is created by 'redisConnect'
  // CHECK-FIXES: {{^}}  redisContext *freed = redisConnect("127.0.0.1", 6379);
  redisFree(freed);

  // Not released, constant arguments: becomes a lazily initialised static.
  redisContext *kept = redisConnect("127.0.0.1", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:24: warning: 'redisContext' is created by 'redisConnect'
  // CHECK-FIXES: {{^}}  static redisContext *kept = redisConnect("127.0.0.1", 6379);
  (void)kept;
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
