#include "app.h"

rd_kafka_t *g_producer;

void open_producer() {
  char err[256];
  g_producer = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
}
