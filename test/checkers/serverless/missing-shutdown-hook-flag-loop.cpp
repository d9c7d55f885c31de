// RUN: %check_serverless -check-suffixes=LOOP %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DLOOP
// RUN: %check_serverless -check-suffixes=LAMBDA %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DLAMBDA

// A SIGTERM handler that clears a flag ending main's own loop, with the
// release after the loop, closes on SIGTERM. A flag around run_handler does
// not: run_handler is blocked in the Runtime API's next when SIGTERM comes.
#include <aws/lambda-runtime/runtime.h>
#include <librdkafka/rdkafka.h>
#include <csignal>

using namespace aws::lambda_runtime;

static volatile sig_atomic_t run = 1;
static rd_kafka_t *consumer;
static rd_kafka_t *producer;

extern "C" void on_term(int) { run = 0; }

static void msg_consume(rd_kafka_message_t *) {}

invocation_response handler(invocation_request const &) {
  return invocation_response::success("", "");
}

int main() {
  char err[256];
  consumer = rd_kafka_new(RD_KAFKA_CONSUMER, rd_kafka_conf_new(), err, sizeof err);
  // CHECK-MESSAGES-LAMBDA: :[[@LINE-1]]:14: warning: 'consumer' (kafka-consumer from rd_kafka_new) is created at init scope and never closed on shutdown
  producer = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  // CHECK-MESSAGES-LOOP: :[[@LINE-1]]:14: warning: 'producer' (kafka-producer from rd_kafka_new) is created at init scope and never flushed on shutdown
  // CHECK-MESSAGES-LAMBDA: :[[@LINE-2]]:14: warning: 'producer' (kafka-producer from rd_kafka_new) is created at init scope and never flushed on shutdown
  std::signal(SIGTERM, on_term);
#ifdef LOOP
  while (run) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 500);
    if (m) {
      msg_consume(m);
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  // The producer is destroyed but never flushed: still a finding.
  rd_kafka_destroy(producer);
#else
  while (run)
    run_handler(handler);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_flush(producer, 1000);
  rd_kafka_destroy(producer);
#endif
}
