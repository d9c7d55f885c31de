// RUN: %check_serverless %s serverless-handler-scope-client %t -- -- -isystem %sdk

#include <aws/core/utils/memory/AWSMemory.h>
#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/lambda-runtime/runtime.h>
#include <aws/s3/S3Client.h>

using namespace aws::lambda_runtime;

int main() {
  // Init-captures are evaluated here, in main, once: not per invocation.
  run_handler([db = Aws::MakeShared<Aws::DynamoDB::DynamoDBClient>("tag"),
               s3 = std::make_shared<Aws::S3::S3Client>()](invocation_request const &) {
    // The lambda body is the handler: this one is per invocation.
    Aws::S3::S3Client per_call;
    // CHECK-MESSAGES: :[[@LINE-1]]:23: warning: 'Aws::S3::S3Client' is constructed on every invocation of handler 'lambda at {{.*}}handler-scope-client-init-capture.cpp.tmp.cpp:12:15'
    (void)db;
    (void)s3;
    return invocation_response::success("", "");
  });
}
