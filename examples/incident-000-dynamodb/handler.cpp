// Incident 000 (shared/incidents/000_*.txt), in C++: a DynamoDB client is
// built inside the handler, so every invocation opens new connections; with
// ~100K queued messages the warm environments run out of sockets
// (`connect EMFILE`).
#include <aws/core/Aws.h>
#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/dynamodb/model/GetItemRequest.h>
#include <aws/lambda-runtime/runtime.h>

using namespace aws::lambda_runtime;

static invocation_response handle_message(invocation_request const &request) {
  Aws::Client::ClientConfiguration config;
  config.region = "us-east-1";
  Aws::DynamoDB::DynamoDBClient dynamo(config); // new connections per message
  Aws::DynamoDB::Model::GetItemRequest get;
  get.SetTableName("orders");
  auto outcome = dynamo.GetItem(get);
  (void)request;
  return outcome.IsSuccess() ? invocation_response::success("{}", "application/json")
                             : invocation_response::failure("lookup failed", "Error");
}

int main() {
  Aws::SDKOptions options;
  Aws::InitAPI(options);
  run_handler(handle_message);
  Aws::ShutdownAPI(options);
  return 0;
}
