// RUN: %check_serverless %s serverless-handler-scope-client %t -- -- -isystem %sdk

#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/lambda-runtime/runtime.h>
#include <functional>

using namespace aws::lambda_runtime;

void level3() {
  Aws::DynamoDB::DynamoDBClient client;
  // CHECK-NOTES: :[[@LINE-1]]:33: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation of handler 'handler'; construct it once at init scope and reuse it [serverless-handler-scope-client]
  // CHECK-NOTES: :[[@LINE+12]]:7: note: handler 'handler' is defined here
  // CHECK-NOTES: :[[@LINE+12]]:9: note: 'level1' is called from 'handler' here
  // CHECK-NOTES: :[[@LINE+6]]:17: note: 'level2' is called from 'level1' here
  // CHECK-NOTES: :[[@LINE+4]]:17: note: 'level3' is called from 'level2' here
}

// Called per invocation through three levels from a std::function handler.
void level2() { level3(); }
void level1() { level2(); }

int main() {
  std::function<invocation_response(invocation_request const &)> handler =
      [](invocation_request const &) {
        level1();
        return invocation_response::success("", "");
      };
  run_handler(handler);
}
