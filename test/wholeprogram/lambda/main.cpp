#include "svc.h"
#include <functional>

int main() {
  std::function<aws::lambda_runtime::invocation_response(aws::lambda_runtime::invocation_request const &)> h =
      [](aws::lambda_runtime::invocation_request const &r) { return svc::process(r.payload); };
  aws::lambda_runtime::run_handler(h);
  return 0;
}
