// Incident 000, fixed: the client is built once at init scope and captured by
// the handler, so warm invocations reuse its connections.
//
//   serverless-tidy check examples/incident-000-dynamodb/handler_fixed.cpp
#include <aws/core/Aws.h>
#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/dynamodb/model/GetItemRequest.h>
#include <aws/lambda-runtime/runtime.h>
#include <cstdlib>

using namespace aws::lambda_runtime;

int main() {
  Aws::SDKOptions options;
  Aws::InitAPI(options);
  {
    Aws::Client::ClientConfiguration config;
    config.region = "us-east-1";
    if (const char *endpoint = std::getenv("DYNAMODB_ENDPOINT"))
      config.endpointOverride = endpoint;
    Aws::DynamoDB::DynamoDBClient dynamo(config); // once per environment
    run_handler([&dynamo](invocation_request const &request) {
      Aws::DynamoDB::Model::GetItemRequest get;
      get.SetTableName("orders");
      auto outcome = dynamo.GetItem(get);
      (void)request;
      return outcome.IsSuccess()
                 ? invocation_response::success("{}", "application/json")
                 : invocation_response::failure("lookup failed", "Error");
    });
  }
  Aws::ShutdownAPI(options);
  return 0;
}
