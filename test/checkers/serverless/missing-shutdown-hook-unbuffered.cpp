// RUN: %check_serverless %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk

// A stream made unbuffered or line-buffered at init has nothing left to
// flush when SIGTERM comes (the model's unbuffered_by); a fully buffered
// one does.
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>

using namespace aws::lambda_runtime;

FILE *g_unbuffered;
FILE *g_line;
FILE *g_setbuf;
FILE *g_full;
static char g_buf[4096];

invocation_response handler(invocation_request const &) {
  fputs("event\n", g_unbuffered);
  return invocation_response::success("", "");
}

int main() {
  g_unbuffered = fopen("/tmp/a.log", "a");
  setvbuf(g_unbuffered, nullptr, _IONBF, 0);
  g_line = fopen("/tmp/b.log", "a");
  setvbuf(g_line, nullptr, _IOLBF, 0);
  g_setbuf = fopen("/tmp/c.log", "a");
  setbuf(g_setbuf, NULL);
  g_full = fopen("/tmp/d.log", "a");
  // CHECK-MESSAGES: :[[@LINE-1]]:12: warning: 'g_full' (FILE from fopen) is created at init scope and never flushed on shutdown
  setvbuf(g_full, g_buf, _IOFBF, sizeof g_buf);
  run_handler(handler);
}
