// RUN: %check_serverless %s serverless-handler-scope-client %t -- -- -isystem %sdk -I/usr/include/postgresql -I/usr/include/libmongoc-1.0 -I/usr/include/libbson-1.0

// Real Debian headers for the C libraries; the stand-in for redis-plus-plus.
#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>
#include <grpcpp/grpcpp.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <mongoc/mongoc.h>
#include <pqxx/pqxx>
#include <sw/redis++/redis++.h>

using namespace aws::lambda_runtime;

invocation_response handler(invocation_request const &req) {
  redisContext *r = redisConnectWithTimeout("127.0.0.1", 6379, {1, 0});
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'redisContext' is created by 'redisConnectWithTimeout' on every invocation of handler 'handler'
  redisFree(r);
  PGconn *pg = PQconnectdb("host=127.0.0.1 connect_timeout=2");
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'PGconn' is created by 'PQconnectdb' on every invocation
  PQfinish(pg);
  CURL *curl = curl_easy_init();
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'CURL' is created by 'curl_easy_init' on every invocation
  curl_easy_cleanup(curl);
  char err[256];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'rd_kafka_t' is created by 'rd_kafka_new' on every invocation
  rd_kafka_destroy(rk);
  std::string errstr;
  RdKafka::Producer *producer = RdKafka::Producer::create(nullptr, errstr);
  // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'RdKafka::Producer' is created by 'RdKafka::Producer::create' on every invocation
  delete producer;
  mongoc_client_t *mongo = mongoc_client_new("mongodb://127.0.0.1:27017");
  // CHECK-MESSAGES: :[[@LINE-1]]:28: warning: 'mongoc_client_t' is created by 'mongoc_client_new' on every invocation
  mongoc_client_destroy(mongo);
  auto channel = grpc::CreateChannel("127.0.0.1:50051", grpc::InsecureChannelCredentials());
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'grpc::Channel' is created by 'grpc::CreateChannel' on every invocation
  pqxx::connection conn("host=127.0.0.1");
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'pqxx::connection' is constructed on every invocation
  sw::redis::Redis redis("tcp://127.0.0.1:6379");
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'sw::redis::Redis' is constructed on every invocation

  // Values, not clients.
  grpc::ClientContext context;
  sw::redis::ConnectionOptions options;
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
