// RUN: %check_serverless %s serverless-handler-scope-client %t -- -- -isystem %sdk

#include <aws/core/Aws.h>
#include <aws/core/utils/memory/AWSMemory.h>
#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/dynamodb/model/QueryRequest.h>
#include <aws/lambda-runtime/runtime.h>
#include <aws/s3/S3Client.h>
#include <memory>
#include <mutex>

using namespace aws::lambda_runtime;
using Aws::DynamoDB::DynamoDBClient;

static std::shared_ptr<DynamoDBClient> g_lazy;
static std::shared_ptr<DynamoDBClient> g_plain;
static std::unique_ptr<Aws::S3::S3Client> g_once;
static std::once_flag g_flag;

struct Repository {
  // Built with every Repository, and a Repository is built per invocation.
  Aws::S3::S3Client s3;
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'Aws::S3::S3Client' is constructed on every invocation of handler 'my_handler'; construct it once at init scope and reuse it [serverless-handler-scope-client]
  DynamoDBClient *ddb;
  Repository() : ddb(new DynamoDBClient()) {}
  // CHECK-MESSAGES: :[[@LINE-1]]:22: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation
};

void use(DynamoDBClient &) {}

invocation_response my_handler(invocation_request const &req) {
  Aws::Client::ClientConfiguration config;
  DynamoDBClient direct(config);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation of handler 'my_handler'
  // No fix: 'direct' is moved away below, a static would be emptied.
  // CHECK-FIXES: {{^}}  DynamoDBClient direct(config);
  auto *heap = new DynamoDBClient(config);
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation
  // No fix: 'heap' is deleted below.
  // CHECK-FIXES: {{^}}  auto *heap = new DynamoDBClient(config);
  auto shared = std::make_shared<DynamoDBClient>(config);
  // CHECK-MESSAGES: :[[@LINE-1]]:17: warning: 'Aws::DynamoDB::DynamoDBClient' is created by 'std::make_shared' on every invocation of handler 'my_handler'; create it once at init scope and reuse it
  // A static SDK client outlives Aws::ShutdownAPI: the fix-it is on the
  // note, which -fix does not apply.
  // CHECK-FIXES: {{^}}  auto shared = std::make_shared<DynamoDBClient>(config);
  auto unique = std::make_unique<Aws::S3::S3Client>();
  // CHECK-MESSAGES: :[[@LINE-1]]:17: warning: 'Aws::S3::S3Client' is created by 'std::make_unique' on every invocation
  // CHECK-FIXES: {{^}}  auto unique = std::make_unique<Aws::S3::S3Client>();
  auto aws = Aws::MakeShared<DynamoDBClient>("tag", config);
  // CHECK-MESSAGES: :[[@LINE-1]]:14: warning: 'Aws::DynamoDB::DynamoDBClient' is created by 'Aws::MakeShared' on every invocation
  // CHECK-FIXES: {{^}}  auto aws = Aws::MakeShared<DynamoDBClient>("tag", config);
  g_plain = std::make_shared<DynamoDBClient>(config);
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'Aws::DynamoDB::DynamoDBClient' is created by 'std::make_shared' on every invocation
  Repository repo;

  // Negatives: init-once and value objects.
  static DynamoDBClient local_static(config);
  static auto static_shared = std::make_shared<DynamoDBClient>();
  if (!g_lazy)
    g_lazy = std::make_shared<DynamoDBClient>(config);
  std::call_once(g_flag, [] { g_once = std::make_unique<Aws::S3::S3Client>(); });
  Aws::DynamoDB::Model::QueryRequest query;
  Aws::Client::ClientConfiguration another;
  DynamoDBClient &ref = direct;
  DynamoDBClient *ptr = heap;
  use(*heap);
  DynamoDBClient moved(std::move(direct));
  delete heap;
  (void)req;
  return invocation_response::success("ok", "text/plain");
}

// Not in handler scope: nothing here is reported.
void init_helper() { DynamoDBClient at_init; }

int main() {
  Aws::SDKOptions options;
  Aws::InitAPI(options);
  DynamoDBClient init_client;
  init_helper();
  run_handler(my_handler);
  Aws::ShutdownAPI(options);
  return 0;
}
