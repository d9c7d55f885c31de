/* A PostgreSQL connection opened at init and never closed: still open at
 * SIGTERM (incident 001 without the SIGTERM hook). */
#include "mini_runtime.h"
#include <libpq-fe.h>

static PGconn *pg;

static const char *handler(const char *event) {
  PGresult *r = PQexec(pg, "SELECT 1");
  PQclear(r);
  return "{\"ok\":true}";
}
int main(void) {
  pg = PQconnectdb(getenv("PG_CONNINFO")); /* PG-SITE */
  if (PQstatus(pg) != CONNECTION_OK) { fprintf(stderr, "%s", PQerrorMessage(pg)); return 1; }
  return rt_run(handler);
}
