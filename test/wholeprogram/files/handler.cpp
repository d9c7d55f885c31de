#include "io.h"
#include <unistd.h>

aws::lambda_runtime::invocation_response handler(aws::lambda_runtime::invocation_request const &req) {
  FILE *a = files::open_log("/tmp/a"); // Released by close_log in close.cpp.
  if (!a)
    return aws::lambda_runtime::invocation_response::failure("open", "IO");
  files::log_line(a, req.payload);
  files::close_log(a);

  FILE *b = files::open_log("/tmp/b"); // Leaked: log_line does not release.
  if (b)
    files::log_line(b, req.payload);

  FILE *c = fopen("/tmp/c", "w"); // Released by close_log in close.cpp.
  if (c)
    files::close_log(c);

  FILE *d = fopen("/tmp/d", "w"); // Leaked: only written by log_line.
  if (d)
    files::log_line(d, "x");

  FILE *e = fopen("/tmp/e", "w"); // Handed to a function no TU defines: unknown.
  if (e)
    external_sink(e);

  FILE *g = fopen("/tmp/g", "w"); // close_maybe releases on one path only.
  if (g)
    files::close_maybe(g, req.payload.empty());

  int s = files::open_socket(); // Leaked descriptor.
  if (s >= 0)
    write(s, "x", 1);

  fputs("y", files::shared_log()); // Not fresh: nothing to release.
  return aws::lambda_runtime::invocation_response::success("ok", "text/plain");
}
