// RUN: %check_serverless -check-suffix=DEFAULT %s serverless-missing-deadline %t -- -- -isystem %sdk
// RUN: %check_serverless -check-suffix=CONF %s serverless-missing-deadline %t -- \
// RUN:   -config="{CheckOptions: {serverless-missing-deadline.MaxBlockingMs: 10000, FunctionTimeoutMs: 6000}}" \
// RUN:   -- -isystem %sdk

// MaxBlockingMs (per check) and FunctionTimeoutMs (global): constants and
// AWS SDK client configurations against the function timeout.
#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/lambda-runtime/runtime.h>
#include <librdkafka/rdkafka.h>
#include <chrono>
#include <thread>

using namespace aws::lambda_runtime;

rd_kafka_t *g_rk;
Aws::DynamoDB::DynamoDBClient *g_db;

invocation_response handler(invocation_request const &req) {
  rd_kafka_flush(g_rk, 15000);
  // CHECK-MESSAGES-CONF: :[[@LINE-1]]:3: warning: 'rd_kafka_flush' can block for 15000 ms, longer than the function timeout of 6000 ms; derive the timeout from invocation_request::get_time_remaining() [serverless-missing-deadline]
  rd_kafka_flush(g_rk, 5000);
  rd_kafka_flush(g_rk, 45000);
  // CHECK-MESSAGES-DEFAULT: :[[@LINE-1]]:3: warning: 'rd_kafka_flush' can block for 45000 ms (MaxBlockingMs is 30000)
  // CHECK-MESSAGES-CONF: :[[@LINE-2]]:3: warning: 'rd_kafka_flush' can block for 45000 ms, longer than the function timeout of 6000 ms
  // Derived values are never constants, whatever the options.
  rd_kafka_flush(g_rk, static_cast<int>(req.get_time_remaining().count()));
  std::this_thread::sleep_for(std::chrono::seconds(7));
  // CHECK-MESSAGES-CONF: :[[@LINE-1]]:3: warning: 'std::this_thread::sleep_for' can block for 7000 ms, longer than the function timeout of 6000 ms
  std::this_thread::sleep_for(std::chrono::milliseconds(50));

  Aws::Client::ClientConfiguration per_call;
  per_call.requestTimeoutMs = static_cast<long>(req.get_time_remaining().count());
  per_call.connectTimeoutMs = 8000;
  // CHECK-MESSAGES-CONF: :[[@LINE-1]]:12: warning: 'connectTimeoutMs' of 'Aws::Client::ClientConfiguration' is 8000 ms, longer than the function timeout of 6000 ms [serverless-missing-deadline]
  return invocation_response::success("", "");
}

int main() {
  Aws::Client::ClientConfiguration config;
  config.requestTimeoutMs = 60000;
  // CHECK-MESSAGES-CONF: :[[@LINE-1]]:10: warning: 'requestTimeoutMs' of 'Aws::Client::ClientConfiguration' is 60000 ms, longer than the function timeout of 6000 ms
  config.connectTimeoutMs = 1000;
  g_db = new Aws::DynamoDB::DynamoDBClient(config);
  // Init-scope waits are not held against MaxBlockingMs.
  rd_kafka_flush(g_rk, 45000);
  run_handler(handler);
}
