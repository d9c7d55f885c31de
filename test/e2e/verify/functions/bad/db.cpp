#include "app.h"
#include <libpq-fe.h>

namespace app {
// A PostgreSQL connection per call (closed, but opened on every invocation),
// with no connect timeout and no statement timeout.
long count_orders() {
  PGconn *db = PQconnectdb(std::getenv("PG_CONNINFO")); // DB-SITE
  if (PQstatus(db) != CONNECTION_OK) {
    PQfinish(db);
    return -1;
  }
  PGresult *r = PQexec(db, "SELECT 1"); // QUERY-SITE
  long n = PQntuples(r);
  PQclear(r);
  PQfinish(db);
  return n;
}
} // namespace app
