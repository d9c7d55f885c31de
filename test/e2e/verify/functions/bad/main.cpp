#include "app.h"
#include "lambda_loop.h"
#include <hiredis/hiredis.h>
#include <sys/time.h>

static redisContext *g_session; // opened at init, never closed: no SIGTERM hook

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

int main() {
  struct timeval tv = {1, 0};
  g_session = redisConnectWithTimeout(app::redis_host(), app::redis_port(), tv); // SESSION-SITE
  if (!g_session || g_session->err)
    return 1;
  redisSetTimeout(g_session, tv);
  return lambda_loop::run(handle);
}
