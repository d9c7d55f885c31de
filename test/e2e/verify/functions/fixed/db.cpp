#include "app.h"
#include <libpq-fe.h>

namespace app {
static PGconn *g_db;

void db_open() {
  // dbname first: its conninfo is expanded, and the keys after it win.
  const char *keys[] = {"dbname", "connect_timeout", "options", nullptr};
  const char *values[] = {std::getenv("PG_CONNINFO"), "2", "-c statement_timeout=1000", nullptr};
  g_db = PQconnectdbParams(keys, values, 1);
}

void db_close() {
  if (g_db)
    PQfinish(g_db);
  g_db = nullptr;
}

long count_orders() {
  if (!g_db || PQstatus(g_db) != CONNECTION_OK)
    return -1;
  PGresult *r = PQexec(g_db, "SELECT 1");
  long n = PQntuples(r);
  PQclear(r);
  return n;
}
} // namespace app
