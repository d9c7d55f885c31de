#include "app.h"
#include <csignal>
#include <cstdlib>
#include <librdkafka/rdkafka.h>
#include <aws/s3/S3Client.h>

namespace app {

static rd_kafka_t *g_producer;

static void on_sigterm(int) {
  rd_kafka_flush(g_producer, 2000);
  rd_kafka_destroy(g_producer);
  _exit(0);
}

void install_shutdown() {
  char err[256];
  g_producer = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  std::signal(SIGTERM, on_sigterm);
}

void publish(const std::string &event) {
  rd_kafka_producev(g_producer, RD_KAFKA_V_TOPIC("orders"),
                    RD_KAFKA_V_VALUE(const_cast<char *>(event.data()), event.size()), RD_KAFKA_V_END);
}

// A member function and a constructor defined here, called from handler.cpp.
Recorder::Recorder() {
  Aws::S3::S3Client client; // Per invocation: constructed by the handler.
  (void)client;
}

void Recorder::record(const std::string &line) {
  FILE *f = fopen("/tmp/rec.log", "a");
  if (f)
    fputs(line.c_str(), f);
}

} // namespace app
