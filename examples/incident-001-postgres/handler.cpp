// Incident 001 (shared/incidents/001_*.txt), in C++: a PostgreSQL connection
// (through RDS Proxy) made at init and reused by every invocation. The query
// has no deadline of its own, so when the database is slow the invocation
// runs into the function's timeout with the query in flight, and the
// connection left behind is "tainted" for the next invocation; and nothing
// closes the connection when the environment shuts down (SIGTERM).
//
//   serverless-tidy check examples/incident-001-postgres/handler.cpp
#include <aws/lambda-runtime/runtime.h>
#include <libpq-fe.h>

using namespace aws::lambda_runtime;

static PGconn *db;

static invocation_response handler(invocation_request const &request) {
  // Waits as long as the database takes: no statement_timeout.
  PGresult *r = PQexec(db, "UPDATE orders SET status = 'shipped' WHERE id = 1"); // PG-QUERY
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  (void)request;
  return ok ? invocation_response::success("{}", "application/json")
            : invocation_response::failure(PQerrorMessage(db), "DatabaseError");
}

int main() {
  // Host and port from PGHOST/PGPORT, as RDS Proxy's endpoint would be.
  db = PQconnectdb("dbname=postgres user=postgres connect_timeout=5"); // PG-CONNECT
  if (PQstatus(db) != CONNECTION_OK)
    return 1;
  run_handler(handler);
  return 0;
}
