#include "orders.h"

namespace orders {

aws::lambda_runtime::invocation_response handle(aws::lambda_runtime::invocation_request const &req) {
  if (!save(req.payload))
    return aws::lambda_runtime::invocation_response::failure("store", "Orders.StoreFailed");
  notify(req.payload, static_cast<long>(req.get_time_remaining().count()) - 200);
  audit(req.payload);
  return aws::lambda_runtime::invocation_response::success("{}", "application/json");
}

} // namespace orders
