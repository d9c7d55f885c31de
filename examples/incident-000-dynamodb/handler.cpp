// Incident 000 (shared/incidents/000_*.txt), in C++: a DynamoDB client is
// built inside the handler, so every message opens new connections; with
// ~100K queued messages the warm environments ran out of sockets
// (`connect EMFILE`).
//
//   serverless-tidy check examples/incident-000-dynamodb/handler.cpp
#include <aws/core/Aws.h>
#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/dynamodb/model/GetItemRequest.h>
#include <aws/lambda-runtime/runtime.h>
#include <cstdlib>

using namespace aws::lambda_runtime;

static invocation_response handle_message(invocation_request const &request) {
  Aws::Client::ClientConfiguration config;
  config.region = "us-east-1";
  if (const char *endpoint = std::getenv("DYNAMODB_ENDPOINT"))
    config.endpointOverride = endpoint;
  Aws::DynamoDB::DynamoDBClient dynamo(config); // DYNAMO-CLIENT: new connections per message
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
