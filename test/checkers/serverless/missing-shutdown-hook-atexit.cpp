// RUN: %check_serverless %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk

// std::atexit handlers and static destructors run on exit(), never when
// SIGTERM's default action kills the process: alone they do not count.
#include <aws/lambda-runtime/runtime.h>
#include <cstdlib>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <sw/redis++/redis++.h>

using namespace aws::lambda_runtime;

static rd_kafka_t *producer;
sw::redis::Redis redis("tcp://cache:6379");
// CHECK-NOTES: :[[@LINE-1]]:18: warning: 'redis' (redis-connection from sw::redis::Redis) is created at init scope and never closed on shutdown: install a SIGTERM handler that closes it [serverless-missing-shutdown-hook]
// CHECK-NOTES: :[[@LINE-2]]:18: note: the destructor of 'redis' runs on exit(), not when SIGTERM's default action terminates the process
// CHECK-NOTES: :[[@LINE-3]]:18: note: Lambda sends SIGTERM only when an extension is registered; without one shutdown is SIGKILL and no handler runs: register an internal extension at init (Extensions API) or add a layer such as Lambda Insights

static void flush_producer() {
  rd_kafka_flush(producer, 1000);
  rd_kafka_destroy(producer);
}

invocation_response handler(invocation_request const &) {
  return invocation_response::success("", "");
}

int main() {
  char err[256];
  producer = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  // CHECK-NOTES: :[[@LINE-1]]:14: warning: 'producer' (kafka-producer from rd_kafka_new) is created at init scope and never flushed on shutdown: install a SIGTERM handler that calls rd_kafka_flush and rd_kafka_destroy [serverless-missing-shutdown-hook]
  // CHECK-NOTES: :[[@LINE+2]]:3: note: 'flush_producer' flushes 'producer', but std::atexit handlers do not run when SIGTERM's default action terminates the process
  // CHECK-NOTES: :[[@LINE-3]]:14: note: Lambda sends SIGTERM only when an extension is registered
  std::atexit(flush_producer);
  run_handler(handler);
  return 0;
}
