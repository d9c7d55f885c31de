// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk

// libcurl, librdkafka (C and C++) and POSIX waits, over the real Debian
// headers. Safe cases sit next to the unsafe ones.
#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <algorithm>
#include <chrono>

using namespace aws::lambda_runtime;

CURL *g_configured;   // configured in main: bounded
CURL *g_unconfigured; // created in main without a timeout
rd_kafka_t *g_rk;
RdKafka::Producer *g_producer;

static void configure(CURL *h, long ms) { curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms); }

// A handle that comes from elsewhere: origin unknown, not reported.
static void fetch_with(CURL *h) { curl_easy_perform(h); }

static void curl_cases(invocation_request const &req, bool flag) {
  CURL *a = curl_easy_init();
  curl_easy_perform(a);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: no CURLOPT_TIMEOUT or CURLOPT_TIMEOUT_MS is set on this handle; set one derived from invocation_request::get_time_remaining() [serverless-missing-deadline]

  // Derived from the remaining time, through std::min and count().
  CURL *b = curl_easy_init();
  curl_easy_setopt(b, CURLOPT_TIMEOUT_MS, std::min<long>(req.get_time_remaining().count(), 2000L));
  curl_easy_perform(b);

  // Through locals and chrono conversions.
  auto left = req.get_time_remaining() - std::chrono::milliseconds(200);
  long budget = std::chrono::duration_cast<std::chrono::seconds>(left).count();
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_TIMEOUT, budget);
  curl_easy_perform(c);

  // Set on one path only: set on some path from creation, not reported.
  CURL *d = curl_easy_init();
  if (flag)
    curl_easy_setopt(d, CURLOPT_TIMEOUT, 5L);
  curl_easy_perform(d);

  // Only the connect phase is bounded.
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_perform(e);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: no CURLOPT_TIMEOUT or CURLOPT_TIMEOUT_MS is set on this handle

  // An explicit 0 is "no timeout".
  CURL *f = curl_easy_init();
  curl_easy_setopt(f, CURLOPT_TIMEOUT, 5L);
  curl_easy_setopt(f, CURLOPT_TIMEOUT, 0L);
  curl_easy_perform(f);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: no CURLOPT_TIMEOUT

  // A new handle drops what was set on the old one.
  CURL *g = curl_easy_init();
  curl_easy_setopt(g, CURLOPT_TIMEOUT, 5L);
  curl_easy_cleanup(g);
  g = curl_easy_init();
  curl_easy_perform(g);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: no CURLOPT_TIMEOUT

  // Set after the call: too late.
  CURL *h = curl_easy_init();
  curl_easy_perform(h);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: no CURLOPT_TIMEOUT
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);

  // A helper that configures its parameter.
  CURL *i = curl_easy_init();
  configure(i, 1000);
  curl_easy_perform(i);

  // A constant at or above MaxBlockingMs (60 s).
  CURL *j = curl_easy_init();
  curl_easy_setopt(j, CURLOPT_TIMEOUT, 60L);
  curl_easy_perform(j);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block for 60000 ms (MaxBlockingMs is 30000) with a timeout not derived from the remaining time; derive it from invocation_request::get_time_remaining()

  // Below MaxBlockingMs: fine.
  CURL *k = curl_easy_init();
  curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, 2500L);
  curl_easy_perform(k);

  curl_easy_perform(g_configured);
  curl_easy_perform(g_unconfigured);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'curl_easy_perform' can block without bound: no CURLOPT_TIMEOUT or CURLOPT_TIMEOUT_MS is set on this handle
  fetch_with(a);
}

static void kafka_cases(invocation_request const &req) {
  rd_kafka_flush(g_rk, -1);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'rd_kafka_flush' can block without bound: its timeout argument is -1 (infinite); pass a timeout derived from invocation_request::get_time_remaining()
  rd_kafka_poll(g_rk, -1);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'rd_kafka_poll' can block without bound: its timeout argument is -1 (infinite)
  rd_kafka_flush(g_rk, 30000);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'rd_kafka_flush' can block for 30000 ms (MaxBlockingMs is 30000)
  const int forever = -1;
  rd_kafka_flush(g_rk, forever);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'rd_kafka_flush' can block without bound: its timeout argument is -1 (infinite)
  int not_constant = -1;
  not_constant = 5;
  rd_kafka_flush(g_rk, not_constant);
  rd_kafka_flush(g_rk, 29999);
  rd_kafka_poll(g_rk, 0);
  rd_kafka_flush(g_rk, static_cast<int>(req.get_time_remaining().count()) - 500);
  auto deadline = req.deadline;
  int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                deadline - std::chrono::system_clock::now()).count());
  rd_kafka_flush(g_rk, std::max(0, ms - 100));

  g_producer->flush(-1);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'RdKafka::Producer::flush' can block without bound: its timeout argument is -1 (infinite)
  g_producer->flush(std::min<int>(req.get_time_remaining().count(), 1000));
  g_producer->poll(-1);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'RdKafka::Handle::poll' can block without bound: its timeout argument is -1 (infinite)
  g_producer->poll(0);
}

static int timed_ms(invocation_request const &req) {
  return static_cast<int>(req.get_time_remaining().count());
}

static void posix_cases(invocation_request const &req, int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  poll(&p, 1, -1);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'poll' can block without bound: its timeout argument is -1 (infinite)
  poll(&p, 1, 100);
  poll(&p, 1, timed_ms(req) - 50); // not a constant: not reported
  int ep = epoll_create1(0);
  struct epoll_event ev[4];
  epoll_wait(ep, ev, 4, -1);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'epoll_wait' can block without bound: its timeout argument is -1 (infinite)
  epoll_wait(ep, ev, 4, 250);
  fd_set rd;
  select(fd + 1, &rd, nullptr, nullptr, nullptr);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'select' can block without bound: its timeout argument is null (infinite)
  struct timeval tv = {1, 0};
  select(fd + 1, &rd, nullptr, nullptr, &tv);
  struct timeval tv_long = {120, 0};
  select(fd + 1, &rd, nullptr, nullptr, &tv_long);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'select' can block for 120000 ms (MaxBlockingMs is 30000)

  char buf[64];
  int s = socket(AF_INET, SOCK_STREAM, 0);
  connect(s, nullptr, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'connect' can block without bound: no SO_SNDTIMEO is set on this handle
  recv(s, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  int t = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval snd = {2, 0};
  setsockopt(t, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd);
  setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &snd, sizeof snd);
  connect(t, nullptr, 0);
  recv(t, buf, sizeof buf, 0);
  // The socket a caller passed in: origin unknown.
  recv(fd, buf, sizeof buf, 0);
}

invocation_response handler(invocation_request const &req) {
  curl_cases(req, req.payload.empty());
  kafka_cases(req);
  posix_cases(req, 0);
  return invocation_response::success("", "");
}

int main() {
  g_configured = curl_easy_init();
  curl_easy_setopt(g_configured, CURLOPT_TIMEOUT, 5L);
  g_unconfigured = curl_easy_init();
  // Init scope waits are not per invocation.
  struct pollfd p = {0, POLLIN, 0};
  poll(&p, 1, -1);
  run_handler(handler);
  rd_kafka_flush(g_rk, -1);
}
