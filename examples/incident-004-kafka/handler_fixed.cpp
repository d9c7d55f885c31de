// Incident 004, fixed with the safe pattern: the SIGTERM handler only
// writes to a self-pipe (async-signal-safe); a watcher thread wakes up,
// and the main thread flushes and destroys the producer on the way out.
// Lambda sends SIGTERM only when an extension is registered: deploy with
// an internal extension registered at init, or a layer such as Lambda
// Insights, or this handler never runs.
//
//   serverless-tidy check examples/incident-004-kafka/handler_fixed.cpp
#include <algorithm>
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <cstdlib>
#include <librdkafka/rdkafka.h>
#include <thread>
#include <unistd.h>

using namespace aws::lambda_runtime;

static rd_kafka_t *producer;
static int wake[2];

static void on_term(int) {
  char c = 1;
  (void)write(wake[1], &c, 1);
}

static void flush_and_exit() {
  rd_kafka_flush(producer, 250); // Well inside the 300 ms SIGTERM budget.
  rd_kafka_destroy(producer);
  std::_Exit(0);
}

static invocation_response handler(invocation_request const &req) {
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("events"),
                    RD_KAFKA_V_VALUE(const_cast<char *>(req.payload.data()),
                                     req.payload.size()),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  rd_kafka_poll(producer, 0);
  // Wait for delivery, but never past the invocation's own deadline.
  const long long left = req.get_time_remaining().count() - 200;
  rd_kafka_flush(producer, static_cast<int>(std::min(left, 5000LL)));
  return invocation_response::success("queued", "text/plain");
}

static void on_term_installed() {
  (void)pipe(wake);
  std::signal(SIGTERM, on_term);
}

int main() {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", "broker:9092", err, sizeof err);
  producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  on_term_installed();
  std::thread([] {
    char c;
    (void)read(wake[0], &c, 1);
    flush_and_exit();
  }).detach();
  run_handler(handler);
  rd_kafka_flush(producer, 250);
  rd_kafka_destroy(producer);
  return 0;
}
