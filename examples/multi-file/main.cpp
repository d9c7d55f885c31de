#include "orders.h"

int main() {
  orders::open_audit_log();
  orders::install_sigterm_hook();
  aws::lambda_runtime::run_handler(orders::handle);
  return 0;
}
