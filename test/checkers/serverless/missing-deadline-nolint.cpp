// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk
// RUN: %check_serverless -check-suffix=NOTES %s serverless-missing-deadline %t -- -- -isystem %sdk

#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>
#include <librdkafka/rdkafka.h>

using namespace aws::lambda_runtime;

rd_kafka_t *g_rk;

static void fetch() {
  CURL *h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
  curl_easy_perform(h);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block for 120000 ms (MaxBlockingMs is 30000)
  // CHECK-NOTES-NOTES: :[[@LINE-2]]:3: warning: 'curl_easy_perform' can block for 120000 ms
  // CHECK-NOTES-NOTES: :[[@LINE-4]]:3: note: the timeout is set here
  // CHECK-NOTES-NOTES: :[[@LINE-6]]:13: note: 'h' is created here
  // CHECK-NOTES-NOTES: :[[@LINE+5]]:21: note: handler 'handler' is defined here
  // CHECK-NOTES-NOTES: :[[@LINE+13]]:3: note: 'fetch' is called from 'handler' here
  curl_easy_cleanup(h);
}

invocation_response handler(invocation_request const &req) {
  rd_kafka_flush(g_rk, -1); // NOLINT(serverless-missing-deadline)
  // NOLINTNEXTLINE(serverless-*)
  rd_kafka_flush(g_rk, -1);
  rd_kafka_flush(g_rk, -1); // NOLINT(bugprone-*): other checks only
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'rd_kafka_flush' can block without bound: its timeout argument is -1 (infinite)
  // CHECK-NOTES-NOTES: :[[@LINE-2]]:3: warning: 'rd_kafka_flush' can block without bound
  // In the handler itself: no "handler is defined here" note (any other
  // note would fail CHECK-NOTES); in fetch() above, the chain starts with it.
  fetch();
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
