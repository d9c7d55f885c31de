// RUN: %check_serverless %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -I/usr/include/postgresql

// SIGTERM handlers installed with std::signal and sigaction: what they
// flush or close (directly or through helpers) is covered; what they miss
// is reported with a note at each handler.
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <cstdio>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

static rd_kafka_t *producer;
static PGconn *pg;
static FILE *journal;

// Flushes directly: the producer is covered. rd_kafka_flush is not
// async-signal-safe: a remark, not a warning.
static void on_term(int) {
  rd_kafka_flush(producer, 200);
  // CHECK-NOTES: :[[@LINE-1]]:3: remark: SIGTERM handler 'on_term' calls 'rd_kafka_flush', which is not async-signal-safe; safe: block SIGTERM in every thread and flush/close from a thread waiting in sigwait() or reading a signalfd (run_handler does not return on SIGTERM, so the main loop never sees a flag) [serverless-missing-shutdown-hook]
  rd_kafka_destroy(producer);
  _exit(0);
}

// Closes through two helpers: pg is covered. Only helpers and _exit are
// called directly, so no remark.
static void close_db(PGconn *c) { PQfinish(c); }
static void close_all() { close_db(pg); }
static void on_term_info(int, siginfo_t *, void *) {
  close_all();
  _exit(0);
}

// SIGINT is not SIGTERM: closing the journal here does not count.
static void on_int(int) { fclose(journal); }

invocation_response handler(invocation_request const &) {
  return invocation_response::success("", "");
}

int main() {
  char err[256];
  producer = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  pg = PQconnectdb("host=db");
  journal = fopen("/tmp/journal", "w");
  // CHECK-NOTES: :[[@LINE-1]]:13: warning: 'journal' (FILE from fopen) is created at init scope and never flushed on shutdown: install a SIGTERM handler that calls fflush and fclose [serverless-missing-shutdown-hook]
  // CHECK-NOTES: :[[@LINE+4]]:3: note: SIGTERM handler 'on_term' installed here does not flush 'journal'
  // CHECK-NOTES: :[[@LINE+7]]:3: note: SIGTERM handler 'on_term_info' installed here does not flush 'journal'
  // CHECK-NOTES: :[[@LINE-4]]:13: note: Lambda sends SIGTERM only when an extension is registered; without one shutdown is SIGKILL and no handler runs: register an internal extension at init (Extensions API) or add a layer such as Lambda Insights
  std::signal(SIGINT, on_int);
  std::signal(SIGTERM, on_term);
  struct sigaction sa = {};
  sa.sa_sigaction = on_term_info;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGTERM, &sa, nullptr);
  run_handler(handler);
  return 0;
}
