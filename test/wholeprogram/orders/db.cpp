#include "app.h"
#include <libpq-fe.h>

namespace app {

static PGconn *g_db; // Created at init, closed by nobody: the SIGTERM hook
                     // in shutdown.cpp does not reach it.

void init_db() { g_db = PQconnectdb("host=127.0.0.1 connect_timeout=2"); }

void record_order(const std::string &order) {
  PGconn *c = PQconnectdb("host=127.0.0.1 connect_timeout=2");
  PQfinish(c);
  (void)order;
}

} // namespace app
