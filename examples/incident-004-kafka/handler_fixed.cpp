// Incident 004, fixed: each invocation waits for delivery only until shortly
// before its own deadline (the invocation fails instead of timing out, and
// the queued messages stay queued for the next one), and at shutdown a thread
// waiting in sigwait() flushes what is queued within the grace and destroys
// the producer (run_handler never returns on SIGTERM; a signal handler must
// not call librdkafka). Lambda sends SIGTERM only when an extension is
// registered (a layer such as Lambda Insights, or an internal extension).
//
//   serverless-tidy check examples/incident-004-kafka/handler_fixed.cpp
#include <algorithm>
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <cstdlib>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

static rd_kafka_t *producer;

static void *flush_on_sigterm(void *) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  rd_kafka_flush(producer, 250); // Well inside the 300 ms SIGTERM budget.
  rd_kafka_destroy(producer);
  _exit(0);
}

static invocation_response handler(invocation_request const &req) {
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("events"),
                    RD_KAFKA_V_VALUE(const_cast<char *>(req.payload.data()), req.payload.size()),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  rd_kafka_poll(producer, 0);
  // Wait for delivery, but never past the invocation's own deadline.
  const long long left = req.get_time_remaining().count() - 500;
  if (rd_kafka_flush(producer, static_cast<int>(std::max(0LL, std::min(left, 5000LL)))) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return invocation_response::failure("not delivered before the deadline", "KafkaTimeout");
  return invocation_response::success("queued", "text/plain");
}

int main() {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, nullptr); // before librdkafka starts its threads
  char err[512];
  const char *brokers = std::getenv("KAFKA_BROKERS");
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers ? brokers : "broker:9092", err, sizeof err);
  producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!producer)
    return 1;
  pthread_t t;
  pthread_create(&t, nullptr, flush_on_sigterm, nullptr);
  run_handler(handler);
  return 0;
}
