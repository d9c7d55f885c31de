// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk -I/usr/include/postgresql

// Constant timeouts so large that they mean "forever" (issue 15, item 8):
// converting LONG_MAX seconds to milliseconds overflowed (UBSan: signed
// overflow in the unit conversion), wrapped to a negative number and the
// call went unreported. Values of INT_MAX ms (24.8 days) or more are
// effectively infinite, whatever the unit; the conversion saturates.
#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <climits>

using namespace aws::lambda_runtime;

rd_kafka_t *g_rk;

static void curl_cases() {
  CURL *a = curl_easy_init();
  curl_easy_setopt(a, CURLOPT_TIMEOUT, LONG_MAX);
  curl_easy_perform(a);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: its timeout is effectively infinite (24.8 days or more); set one derived from invocation_request::get_time_remaining() [serverless-missing-deadline]

  CURL *b = curl_easy_init();
  curl_easy_setopt(b, CURLOPT_TIMEOUT_MS, LONG_MAX);
  curl_easy_perform(b);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: its timeout is effectively infinite

  // Seconds that overflow only once converted.
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_TIMEOUT, LONG_MAX / 100);
  curl_easy_perform(c);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: its timeout is effectively infinite

  // (unsigned long)-1 and ULONG_MAX do not fit a long long: saturated too.
  CURL *d = curl_easy_init();
  curl_easy_setopt(d, CURLOPT_TIMEOUT, ULONG_MAX);
  curl_easy_perform(d);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: its timeout is effectively infinite

  // Just below the bound: a long constant, not an infinite one.
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2147483646L);
  curl_easy_perform(e);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block for 2147483646 ms (MaxBlockingMs is 30000)

  // LONG_MIN seconds: converting it must not overflow either (the sanitized
  // suite runs this under UBSan). Negative timeouts are rejected by the
  // library, not waited for; the analysis does not judge them.
  CURL *f = curl_easy_init();
  curl_easy_setopt(f, CURLOPT_TIMEOUT, LONG_MIN);
  curl_easy_perform(f);
}

static void argument_cases(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  poll(&p, 1, INT_MAX);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'poll' can block without bound: its timeout is effectively infinite
  rd_kafka_flush(g_rk, INT_MAX);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'rd_kafka_flush' can block without bound: its timeout is effectively infinite
  rd_kafka_flush(g_rk, -INT_MAX - 1);
  fd_set rd;
  struct timeval tv = {LONG_MAX, 999999};
  select(fd + 1, &rd, nullptr, nullptr, &tv);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'select' can block without bound: its timeout is effectively infinite
  struct timeval neg = {LONG_MIN, -999999};
  select(fd + 1, &rd, nullptr, nullptr, &neg);
}

static void conninfo_cases() {
  PGconn *a = PQconnectdb("host=db connect_timeout=99999999999999999999999");
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'PQconnectdb' can block without bound: its timeout is effectively infinite
  PGconn *b = PQconnectdb("host=db connect_timeout=9223372036854775807");
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'PQconnectdb' can block without bound: its timeout is effectively infinite
  PQfinish(a);
  PQfinish(b);
}

invocation_response handler(invocation_request const &req) {
  curl_cases();
  argument_cases(0);
  conninfo_cases();
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
