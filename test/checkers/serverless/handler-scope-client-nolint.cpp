// RUN: %check_serverless %s serverless-handler-scope-client %t -- -- -isystem %sdk

#include <aws/dynamodb/DynamoDBClient.h>

[[clang::annotate("serverless.handler")]] int handle(int) {
  Aws::DynamoDB::DynamoDBClient a; // NOLINT(serverless-handler-scope-client)
  // NOLINTNEXTLINE(serverless-*)
  Aws::DynamoDB::DynamoDBClient b;
  Aws::DynamoDB::DynamoDBClient c; // NOLINT(bugprone-*): other checks only
  // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation of handler 'handle'
  return 0;
}
