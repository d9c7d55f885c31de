// RUN: %check_serverless %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -I/usr/include/postgresql -I/usr/include/libmongoc-1.0 -I/usr/include/libbson-1.0

// No SIGTERM handler anywhere: every init-scope resource that needs a
// graceful shutdown is reported, at its acquisition. Real Debian headers.
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <memory>
#include <mongoc/mongoc.h>
#include <pqxx/pqxx>

using namespace aws::lambda_runtime;

static char errstr[512];
rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), errstr, sizeof errstr);
// CHECK-MESSAGES: :[[@LINE-1]]:24: warning: 'producer' (kafka-producer from rd_kafka_new) is created at init scope and never flushed on shutdown: install a SIGTERM handler that calls rd_kafka_flush and rd_kafka_destroy [serverless-missing-shutdown-hook]
rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, rd_kafka_conf_new(), errstr, sizeof errstr);
// CHECK-MESSAGES: :[[@LINE-1]]:24: warning: 'consumer' (kafka-consumer from rd_kafka_new) is created at init scope and never closed on shutdown: install a SIGTERM handler that calls rd_kafka_destroy
PGconn *pg = PQconnectdb("host=db connect_timeout=2");
// CHECK-MESSAGES: :[[@LINE-1]]:14: warning: 'pg' (postgres-connection from PQconnectdb) is created at init scope and never closed on shutdown: install a SIGTERM handler that calls PQfinish
mongoc_client_pool_t *pool;
FILE *audit = fopen("/tmp/audit.log", "a");
// CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'audit' (FILE from fopen) is created at init scope and never flushed on shutdown: install a SIGTERM handler that calls fflush and fclose
FILE *config = fopen("/var/task/config.json", "r"); // Read-only: nothing to flush.
std::unique_ptr<RdKafka::Producer> cxx_producer;

// Not resources that need a shutdown action.
rd_kafka_conf_t *conf = rd_kafka_conf_new();
int counter = 0;

invocation_response handler(invocation_request const &) {
  static redisContext *cache = redisConnect("cache", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:32: warning: 'cache' (redis-connection from redisConnect) is created at init scope and never closed on shutdown: install a SIGTERM handler that calls redisFree
  PGconn *per_call = PQconnectdb("host=db"); // Per invocation: not init scope.
  PQfinish(per_call);
  return invocation_response::success("", "");
}

void init() {
  mongoc_uri_t *uri = mongoc_uri_new("mongodb://db");
  pool = mongoc_client_pool_new(uri);
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: 'pool' (mongo-pool from mongoc_client_pool_new) is created at init scope and never closed on shutdown: install a SIGTERM handler that calls mongoc_client_pool_destroy
  mongoc_uri_destroy(uri);
  std::string err;
  cxx_producer.reset(RdKafka::Producer::create(nullptr, err));
  // CHECK-MESSAGES: :[[@LINE-1]]:22: warning: 'cxx_producer' (kafka-producer from RdKafka::Producer::create) is created at init scope and never flushed on shutdown: install a SIGTERM handler that calls RdKafka::Producer::flush and deletes it
}

int main() {
  init();
  pqxx::connection db("host=db");
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: local 'db' (postgres-connection from pqxx::connection) is created at init scope and never closed on shutdown: install a SIGTERM handler that calls pqxx::connection::close
  // The destructor closes it when main returns, which needs a SIGTERM
  // handler that makes run_handler return (see -after-run.cpp).
  {
    PGconn *scoped = PQconnectdb("host=db"); // Gone before run_handler.
    PQfinish(scoped);
  }
  run_handler(handler);
  PGconn *after = PQconnectdb("host=db"); // After run_handler: not across it.
  PQfinish(after);
  return 0;
}
