#include "app.h"

int main() {
  app::init_db();
  app::install_shutdown();
  aws::lambda_runtime::run_handler(app::handler);
  return 0;
}
