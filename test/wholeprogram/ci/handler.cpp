#include "ci.h"
#include <hiredis/hiredis.h>

using namespace aws::lambda_runtime;

static invocation_response handler(invocation_request const &req) {
  /* café */ redisContext *kept = redisConnectWithTimeout("127.0.0.1", 6379, timeval{1, 0}); // NOLINT(serverless-unclosed-resource): this test is about the client finding
  (void)kept;
  ci::step_one(req.payload);
  return invocation_response::success("ok", "application/json");
}

int main() {
  run_handler(handler);
  return 0;
}
