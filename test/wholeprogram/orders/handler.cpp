#include "app.h"

namespace app {

static void audit_and_price(const std::string &payload) {
  write_audit(payload);
  write_audit_closed(payload);
  fetch_price(payload);
}

aws::lambda_runtime::invocation_response handler(aws::lambda_runtime::invocation_request const &req) {
  record_order(req.payload);
  cache_get("orders");
  cache_get_once("orders");
  shared_cache();
  lazy_cache();
  audit_and_price(req.payload);
  Recorder r;
  r.record(req.payload);
  publish(req.payload);
  return aws::lambda_runtime::invocation_response::success("ok", "application/json");
}

} // namespace app
