#include "orders.h"
#include <libpq-fe.h>

namespace orders {

// Defect: a new PostgreSQL connection on every invocation (connection storms,
// "too many clients"); it is also leaked on the error path.
bool save(const std::string &order) {
  PGconn *db = PQconnectdb("host=127.0.0.1 dbname=orders connect_timeout=2");
  if (PQstatus(db) != CONNECTION_OK)
    return false;
  const char *params[] = {order.c_str()};
  PGresult *r = PQexecParams(db, "INSERT INTO orders(body) VALUES ($1)", 1, nullptr, params, nullptr,
                             nullptr, 0);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(db);
  return ok;
}

} // namespace orders
