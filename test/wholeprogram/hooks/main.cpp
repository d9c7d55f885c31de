#include "app.h"

aws::lambda_runtime::invocation_response handler(aws::lambda_runtime::invocation_request const &) {
  fputs("x", g_journal);
  return aws::lambda_runtime::invocation_response::success("ok", "text/plain");
}

int main() {
  open_producer();
  open_journal();
  install_hooks();
  aws::lambda_runtime::run_handler(handler);
  return 0;
}
