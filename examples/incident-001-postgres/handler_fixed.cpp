// Incident 001, fixed as the write-up did: a deadline of the function's own,
// shorter than the function's timeout (statement_timeout, so a slow query
// fails the invocation instead of timing it out and leaving the connection
// in flight), and a SIGTERM hook that closes the connection: a thread waiting
// in sigwait() (run_handler never returns on SIGTERM; a signal handler must
// not call PQfinish). Lambda sends SIGTERM only when an extension is
// registered (the write-up's Lambda Insights).
//
//   serverless-tidy check examples/incident-001-postgres/handler_fixed.cpp
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <libpq-fe.h>
#include <pthread.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

static PGconn *db;

static void *close_on_sigterm(void *) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  PQfinish(db);
  _exit(0);
}

static invocation_response handler(invocation_request const &request) {
  PGresult *r = PQexec(db, "UPDATE orders SET status = 'shipped' WHERE id = 1");
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  (void)request;
  return ok ? invocation_response::success("{}", "application/json")
            : invocation_response::failure(PQerrorMessage(db), "DatabaseError");
}

int main() {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  db = PQconnectdb("dbname=postgres user=postgres connect_timeout=5");
  if (PQstatus(db) != CONNECTION_OK)
    return 1;
  // The deadline: well inside the function's 3 s timeout.
  PQclear(PQexec(db, "SET statement_timeout = 1000"));
  pthread_t t;
  pthread_create(&t, nullptr, close_on_sigterm, nullptr);
  run_handler(handler);
  return 0;
}
