// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -std=c++17 -isystem %sdk
// RUN: %check_serverless -check-suffixes=,STRICT %s serverless-missing-deadline %t -- \
// RUN:   -config="{CheckOptions: {serverless-missing-deadline.StrictUnknownTimeouts: true}}" -- -std=c++17 -isystem %sdk

// Consistent with its own advice (issue 18, item 11): a statement_timeout in
// a libpqxx connection string (options='-c statement_timeout=...') bounds the
// statements of every transaction built on that connection; a connection
// without it is reported (with StrictUnknownTimeouts: a role or the server
// may set it).
#include <aws/lambda-runtime/runtime.h>
#include <pqxx/pqxx>

using namespace aws::lambda_runtime;

static pqxx::connection &bounded() {
  static pqxx::connection c("host=db connect_timeout=2 options='-c statement_timeout=5000'");
  return c;
}

invocation_response handler(invocation_request const &) {
  static pqxx::connection with("host=db connect_timeout=2 options='-c statement_timeout=5000'");
  pqxx::work w(with);
  w.exec("SELECT 1");
  w.commit();

  static pqxx::connection slow("host=db connect_timeout=2 options='-c statement_timeout=600000'");
  pqxx::nontransaction n(slow);
  n.exec("SELECT 1");
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'pqxx::transaction_base::exec' can block for 600000 ms

  static pqxx::connection without("host=db connect_timeout=2");
  pqxx::work x(without);
  x.exec("SELECT 1");
  // CHECK-MESSAGES-STRICT: :[[@LINE-1]]:5: warning: 'pqxx::transaction_base::exec' can block without bound: no statement_timeout is set on this connection
  x.commit();
  // CHECK-MESSAGES-STRICT: :[[@LINE-1]]:5: warning: 'pqxx::transaction_base::commit' can block without bound: no statement_timeout is set on this connection

  // Through a reference from elsewhere: what the connection carries is not
  // seen here, so nothing is said by default.
  pqxx::work y(bounded());
  y.exec("SELECT 1");
  // CHECK-MESSAGES-STRICT: :[[@LINE-1]]:5: warning: 'pqxx::transaction_base::exec' can block without bound
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
