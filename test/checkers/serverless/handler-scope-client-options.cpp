// RUN: %check_serverless %s serverless-handler-scope-client %t -- \
// RUN:   -config="{CheckOptions: {serverless-handler-scope-client.ClientTypes: 'mycorp::*Pool', serverless-handler-scope-client.ClientFactories: 'mycorp::open_*', serverless-handler-scope-client.IgnoreTypes: 'Aws::S3::S3Client', HandlerFunctions: 'mycorp::serve'}}" \
// RUN:   -- -isystem %sdk

#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/s3/S3Client.h>

namespace mycorp {
struct ConnectionPool { ConnectionPool(int) {} };
struct Socket {};
Socket *open_socket(const char *) { return nullptr; }

int serve(int request) {
  ConnectionPool pool(request);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'mycorp::ConnectionPool' is constructed on every invocation of handler 'serve'
  Socket *s = open_socket("db");
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'mycorp::Socket' is created by 'mycorp::open_socket' on every invocation of handler 'serve'
  Aws::S3::S3Client ignored;
  Aws::DynamoDB::DynamoDBClient still_reported;
  // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation of handler 'serve'
  (void)s;
  return 0;
}
} // namespace mycorp
