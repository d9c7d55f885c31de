// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -isystem %sdk -I/usr/include/postgresql -I/usr/include/libmongoc-1.0 -I/usr/include/libbson-1.0

#include <aws/lambda-runtime/runtime.h>
#include <cstdio>
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <mongoc/mongoc.h>

using namespace aws::lambda_runtime;

// A helper that returns a fresh handle is an acquisition at its call site.
FILE *open_config() { return fopen("/etc/app.conf", "r"); }
// A helper that always releases its argument is a release.
void close_config(FILE *f) {
  if (f)
    fclose(f);
}

static void read_config() {
  FILE *cfg = open_config();
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'FILE' resource acquired by 'open_config' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!cfg)
    return;
  fgetc(cfg);
}

static void read_config_ok() {
  FILE *cfg = open_config();
  fgetc(cfg);
  close_config(cfg);
}

// Every client family of the default models.
static void clients(bool early) {
  redisContext *r = redisConnect("127.0.0.1", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'redis-connection' resource acquired by 'redisConnect' is not released on every path; release it with 'redisFree'
  if (r == NULL || r->err)
    return; // Failed connection (the models' null-or-err-field form).
  PGconn *pg = PQconnectdb("host=127.0.0.1 connect_timeout=1");
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'postgres-connection' resource acquired by 'PQconnectdb' is not released on every path; release it with 'PQfinish'
  if (PQstatus(pg) != CONNECTION_OK)
    return; // A failed PGconn still needs PQfinish: still a leak.
  CURL *h = curl_easy_init();
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: '{{[a-z-]+}}' resource acquired by 'curl_easy_init' is not released on every path; release it with 'curl_easy_cleanup'
  char err[128];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'kafka-producer' resource acquired by 'rd_kafka_new' is not released on every path; release it with 'rd_kafka_destroy'
  mongoc_client_t *m = mongoc_client_new("mongodb://127.0.0.1");
  // CHECK-MESSAGES: :[[@LINE-1]]:24: warning: 'mongo-client' resource acquired by 'mongoc_client_new' is not released on every path; release it with 'mongoc_client_destroy'
  if (early)
    return;
  redisFree(r);
  PQfinish(pg);
  curl_easy_cleanup(h);
  rd_kafka_destroy(rk);
  mongoc_client_destroy(m);
}

static void clients_ok() {
  redisContext *r = redisConnect("127.0.0.1", 6379);
  if (r == NULL || r->err)
    return;
  redisFree(r);
  CURL *h = curl_easy_init();
  if (!h)
    return;
  curl_easy_cleanup(h);
}

invocation_response handler(invocation_request const &req) {
  read_config();
  read_config_ok();
  clients(req.payload.empty());
  clients_ok();
  return invocation_response::success("", "");
}

// Init scope: acquired once, not this check's business by default.
int main() {
  FILE *log = fopen("/tmp/log", "a");
  (void)log;
  run_handler(handler);
}
