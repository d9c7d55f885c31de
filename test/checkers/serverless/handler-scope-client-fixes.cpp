// RUN: %check_serverless %s serverless-handler-scope-client %t -- \
// RUN:   -config="{CheckOptions: {serverless-handler-scope-client.ClientTypes: 'mycorp::HttpClient'}}" -- -isystem %sdk

// The `static` fix-it goes on the warning (so -fix applies it) only when
// nothing the model knows speaks against it; otherwise on a note that says
// why (an editor still offers it, -fix does not apply it).
//
// A finding in the handler itself has no "handler 'handler' is defined
// here" note (it would point at the enclosing function; CHECK-NOTES
// rejects any note not listed): only a finding in a callee starts its
// call chain with it (handler-scope-client-notes.cpp).

#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/lambda-runtime/runtime.h>
#include <hiredis/hiredis.h>

using namespace aws::lambda_runtime;

static const char *kRegion = "eu-west-1";

namespace mycorp {
// A client type of the team's (ClientTypes): nothing known against a static.
class HttpClient {
public:
  explicit HttpClient(const char *base) : base_(base) {}
  const char *base_;
};
} // namespace mycorp

invocation_response handler(invocation_request const &req) {
  Aws::Client::ClientConfiguration fixed;
  fixed.region = kRegion;
  Aws::DynamoDB::DynamoDBClient ok_to_share(fixed);
  // CHECK-NOTES: :[[@LINE-1]]:33: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed on every invocation of handler 'handler'
  // CHECK-NOTES: :[[@LINE-2]]:33: note: making it 'static' creates it once per process, but a function-local static client is destroyed after main returns, after Aws::ShutdownAPI has run (undefined behaviour, aws/aws-sdk-cpp#437); apply only after handling that
  // CHECK-FIXES: {{^}}  Aws::DynamoDB::DynamoDBClient ok_to_share(fixed);

  // Nothing known against it: the fix-it is on the warning.
  mycorp::HttpClient api("https://api.example.com");
  // CHECK-NOTES: :[[@LINE-1]]:22: warning: 'mycorp::HttpClient' is constructed on every invocation of handler 'handler'
  // CHECK-FIXES: {{^}}  static mycorp::HttpClient api("https://api.example.com");
  (void)api;

  // The configuration depends on the request: no fix-it.
  Aws::Client::ClientConfiguration per_request;
  per_request.region = req.payload;
  Aws::DynamoDB::DynamoDBClient from_request(per_request);
  // CHECK-NOTES: :[[@LINE-1]]:33: warning: 'Aws::DynamoDB::DynamoDBClient' is constructed
  // CHECK-FIXES: {{^}}  Aws::DynamoDB::DynamoDBClient from_request(per_request);

  // From the request through writes in reverse order (on the loop's second
  // lap): no fix-it.
  const char *base = "https://api.example.com";
  const char *next = "https://api.example.com";
  for (int i = 0; i < 2; ++i) {
    base = next;
    next = req.payload.c_str();
  }
  mycorp::HttpClient chained(base);
  // CHECK-NOTES: :[[@LINE-1]]:22: warning: 'mycorp::HttpClient' is constructed on every invocation of handler 'handler'
  // CHECK-FIXES: {{^}}  mycorp::HttpClient chained(base);
  (void)chained;

  // Directly from the request parameter: no fix-it.
  redisContext *direct = redisConnect(req.payload.c_str(), 6379);
  // CHECK-NOTES: :[[@LINE-1]]:26: warning: 'redisContext' is created by 'redisConnect' on every invocation of handler 'handler'
  // CHECK-FIXES: {{^}}  redisContext *direct = redisConnect(req.payload.c_str(), 6379);

  // Released per invocation: a static would be freed after the first call.
  redisContext *freed = redisConnect("127.0.0.1", 6379);
  // CHECK-NOTES: :[[@LINE-1]]:25: warning: 'redisContext' is created by 'redisConnect'
  // CHECK-FIXES: {{^}}  redisContext *freed = redisConnect("127.0.0.1", 6379);
  redisFree(freed);

  // Not released, constant arguments: a static would keep a failed first
  // connection (NULL or c->err) forever, and the next run would report it
  // as never closed on SIGTERM: the fix-it is on the note, not applied.
  redisContext *kept = redisConnect("127.0.0.1", 6379);
  // CHECK-NOTES: :[[@LINE-1]]:24: warning: 'redisContext' is created by 'redisConnect'
  // CHECK-NOTES: :[[@LINE-2]]:24: note: making it 'static' creates it once per process, but a failed first 'redisConnect' would be kept for every later invocation (check it and create it again on failure); it must then be closed on SIGTERM (serverless-missing-shutdown-hook); apply only after handling that
  // CHECK-FIXES: {{^}}  redisContext *kept = redisConnect("127.0.0.1", 6379);
  (void)kept;
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
