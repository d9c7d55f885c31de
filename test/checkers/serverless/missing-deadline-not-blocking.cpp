// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk -I/usr/include/postgresql -I/usr/include/libmongoc-1.0 -I/usr/include/libbson-1.0

// Calls the models do not describe as waiting without bound are not
// findings: teardown and joins of the caller's own threads, a client
// constructor that connects lazily, a connection alias that never connects,
// and a connection string that takes everything from the environment.
#include <aws/lambda-runtime/runtime.h>
#include <mongoc/mongoc.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <pqxx/pqxx>
#include <pthread.h>
#include <cstdio>

using namespace aws::lambda_runtime;

static void *work(void *) { return nullptr; }

invocation_response handler(invocation_request const &) {
  char err[256];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  rd_kafka_flush(rk, 1000);
  rd_kafka_destroy(rk);

  FILE *p = popen("true", "r");
  if (p)
    pclose(p);

  pthread_t t;
  pthread_create(&t, nullptr, work, nullptr);
  pthread_join(t, nullptr);

  mongoc_client_t *c = mongoc_client_new("mongodb://127.0.0.1/");
  mongoc_client_destroy(c);

  pqxx::nullconnection placeholder;
  pqxx::connection from_env("");
  PGconn *env = PQconnectdb("");
  PQfinish(env);
  // Not a connection string libpq can parse (a keyword without `=`): it
  // fails while parsing, before any network I/O (libpqxx test02.cxx).
  pqxx::connection invalid{"totally#invalid@connect$string!?"};
  PGconn *bad = PQconnectdb("host=db port");
  PQfinish(bad);

  // Still findings: a literal string without connect_timeout, a flush that
  // waits forever.
  PGconn *pg = PQconnectdb("host=db");
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'PQconnectdb' can block without bound: the connection string has no connect_timeout
  PQfinish(pg);
  rd_kafka_flush(rk, -1);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'rd_kafka_flush' can block without bound: its timeout argument is -1 (infinite)
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
