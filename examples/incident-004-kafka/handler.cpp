// Incident 004 (shared/incidents/004_*.txt), in C++: a Kafka producer built
// once at init and used by every invocation. Each invocation waits for
// delivery with no bound (rd_kafka_flush(-1)); when the brokers stopped
// answering in time (REQTMOUT, under memory pressure at 127 of 128 MB) the
// flush blocked for minutes and the function timed out. And when Lambda shuts
// the environment down nothing flushes the queue, so queued messages are lost.
//
//   serverless-tidy check examples/incident-004-kafka/handler.cpp
#include <aws/lambda-runtime/runtime.h>
#include <cstdlib>
#include <librdkafka/rdkafka.h>

using namespace aws::lambda_runtime;

static rd_kafka_t *producer;

static invocation_response handler(invocation_request const &req) {
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("events"),
                    RD_KAFKA_V_VALUE(const_cast<char *>(req.payload.data()), req.payload.size()),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  rd_kafka_poll(producer, 0);
  rd_kafka_flush(producer, -1); // KAFKA-FLUSH: waits as long as it takes
  return invocation_response::success("queued", "text/plain");
}

int main() {
  char err[512];
  const char *brokers = std::getenv("KAFKA_BROKERS");
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers ? brokers : "broker:9092", err, sizeof err);
  producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err); // KAFKA-PRODUCER
  if (!producer)
    return 1;
  run_handler(handler);
  return 0;
}
