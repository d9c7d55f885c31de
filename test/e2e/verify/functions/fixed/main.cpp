#include "app.h"
#include "lambda_loop.h"
#include <csignal>
#include <unistd.h>

[[clang::annotate("serverless.handler")]] static lambda_loop::Result
handle(const lambda_loop::Invocation &inv) {
  std::string v = app::cache_lookup("greeting");
  long orders = app::count_orders();
  app::audit(inv.RequestId);
  app::notify(inv.RequestId);
  if (inv.Payload.find("\"export\"") != std::string::npos)
    app::rare_export(inv.Payload);
  return lambda_loop::Result::success("{\"value\":\"" + v + "\",\"orders\":" + std::to_string(orders) + "}");
}

static void on_sigterm(int) {
  app::cache_close();
  app::db_close();
  _exit(0);
}

int main() {
  app::cache_open();
  app::db_open();
  app::notify_open();
  std::signal(SIGTERM, on_sigterm);
  return lambda_loop::run(handle);
}
