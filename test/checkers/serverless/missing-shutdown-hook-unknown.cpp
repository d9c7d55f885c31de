// RUN: %check_serverless -check-suffixes=ELSEWHERE %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DELSEWHERE
// RUN: %check_serverless -check-suffixes=HERE %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DHERE
// RUN: %check_serverless -check-suffixes=NOMAIN %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DNOMAIN

// Per-TU mode: whether a SIGTERM hook exists is a fact about the whole
// program. When init scope calls a user function defined in another TU (it
// may install the hook), or the TU has no `main`, "never flushed on shutdown"
// is unknown, not a finding; `serverless-tidy check -p` decides.
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>

using namespace aws::lambda_runtime;

static FILE *journal;
// CHECK-MESSAGES-ELSEWHERE-NOT: warning:
// CHECK-MESSAGES-NOMAIN-NOT: warning:

invocation_response handler(invocation_request const &) {
  fputs("x", journal);
  return invocation_response::success("", "");
}

#ifdef ELSEWHERE
void install_shutdown_hooks(); // Defined in shutdown.cpp.
#endif
#ifdef HERE
static void install_shutdown_hooks() {} // Installs nothing.
#endif

#ifndef NOMAIN
int main() {
  journal = fopen("/tmp/journal", "w");
  // CHECK-MESSAGES-HERE: :[[@LINE-1]]:13: warning: 'journal' (FILE from fopen) is created at init scope and never flushed on shutdown
  install_shutdown_hooks();
  run_handler(handler);
  return 0;
}
#else
void setup() { journal = fopen("/tmp/journal", "w"); }
#endif
