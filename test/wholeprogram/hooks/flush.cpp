#include "app.h"

void flush_all() {
  rd_kafka_flush(g_producer, 1000);
  rd_kafka_destroy(g_producer);
}
