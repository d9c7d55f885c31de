// A function on the real aws-lambda-cpp client (test/e2e/functions/
// aws-lambda-cpp, vendored), two files: the handler registered with
// run_handler reaches store.cpp, which builds a redis client per call and
// never frees it, and keeps a log file open per call. The runtime client's
// own descriptors (its Runtime API connection, libcurl's wakeup pair) must
// not show up as anything.
#include "store.h"
#include <aws/lambda-runtime/runtime.h>

using namespace aws::lambda_runtime;

static invocation_response handler(invocation_request const &request) {
  std::string v = store::remember(request.request_id);
  return invocation_response::success("{\"stored\":\"" + v + "\"}", "application/json");
}

int main() {
  run_handler(handler);
  return 0;
}
