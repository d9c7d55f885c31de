#include "svc.h"

namespace svc {

aws::lambda_runtime::invocation_response process(const std::string &payload) {
  client();
  step1(payload);
  return aws::lambda_runtime::invocation_response::success("ok", "text/plain");
}

void step1(const std::string &payload) { step2(payload); }

} // namespace svc
