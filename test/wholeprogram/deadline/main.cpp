#include "net.h"

int main() {
  aws::lambda_runtime::run_handler(handler);
  return 0;
}
