// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk -I/usr/include/postgresql
// RUN: %check_serverless -check-suffixes=,STRICT %s serverless-missing-deadline %t -- \
// RUN:   -config="{CheckOptions: {serverless-missing-deadline.StrictUnknownTimeouts: true}}" -- -isystem %sdk -I/usr/include/postgresql

// libpq's non-blocking protocol (issue 18, item 2): PQgetResult does not
// wait once PQisBusy(conn) has returned 0, so a PQgetResult after the
// PQisBusy loop is not a blocking call; without it, it waits for the
// server (reported where a missing statement_timeout is reported: with
// StrictUnknownTimeouts).
#include <aws/lambda-runtime/runtime.h>
#include <libpq-fe.h>

using namespace aws::lambda_runtime;

invocation_response handler(invocation_request const &) {
  PGconn *polled = PQconnectdb("host=db connect_timeout=2");
  PQsendQuery(polled, "SELECT 1");
  while (PQisBusy(polled))
    PQconsumeInput(polled);
  PGresult *r = PQgetResult(polled);
  PQclear(r);
  PQfinish(polled);

  PGconn *checked = PQconnectdb("host=db connect_timeout=2");
  PQsendQuery(checked, "SELECT 1");
  PQconsumeInput(checked);
  if (PQisBusy(checked)) {
    PQfinish(checked);
    return invocation_response::failure("busy", "Busy");
  }
  PGresult *s = PQgetResult(checked);
  PQclear(s);
  PQfinish(checked);

  PGconn *waits = PQconnectdb("host=db");
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: 'PQconnectdb' can block without bound: the connection string has no connect_timeout
  PQsendQuery(waits, "SELECT 1");
  PGresult *t = PQgetResult(waits);
  // CHECK-MESSAGES-STRICT: :[[@LINE-1]]:17: warning: 'PQgetResult' can block without bound: no statement_timeout is set on this connection
  PQclear(t);
  PQfinish(waits);
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
