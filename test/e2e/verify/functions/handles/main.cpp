// A function on the real aws-lambda-cpp client whose clients are made on
// one line and connect elsewhere (issue 19, the handle -> site mapping):
// an HTTP client made per invocation by make_client (client.cpp), kept in a
// list and used by send (net.cpp); and a pqxx::connection per invocation,
// which connects deep inside libpq under its constructor.
#include "client.h"
#include <aws/lambda-runtime/runtime.h>
#include <cstdlib>
#include <pqxx/pqxx>
#include <vector>

using namespace aws::lambda_runtime;

static std::vector<CURL *> clients; // never cleaned up

static invocation_response handler(invocation_request const &) {
  const char *url = std::getenv("NOTIFY_URL");
  clients.push_back(app::make_client(url ? url : "http://127.0.0.1:9/")); // HANDLE-CALL
  long status = app::send(clients.back());
  pqxx::connection db("dbname=postgres user=postgres connect_timeout=5"); // PQXX-SITE
  pqxx::work tx(db);
  tx.exec("SELECT 1");
  tx.commit();
  return invocation_response::success("{\"status\":" + std::to_string(status) + "}", "application/json");
}

int main() {
  run_handler(handler);
  return 0;
}
