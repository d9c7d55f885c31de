// RUN: %check_serverless -check-suffixes=MISSING,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DMISSING
// RUN: %check_serverless -check-suffixes=ONE-PATH,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DONE_PATH
// RUN: %check_serverless -check-suffixes=ALL-PATHS,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DALL_PATHS
// RUN: %check_serverless -check-suffixes=HELPER,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DHELPER
// RUN: %check_serverless -check-suffixes=ERROR-EXITS,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DERROR_EXITS
// RUN: %check_serverless -check-suffixes=AFTER-HANDLER,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DAFTER_RUN
// RUN: %check_serverless -check-suffixes=NO-REGISTRAR,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DNO_REGISTRAR

// Aws::InitAPI needs Aws::ShutdownAPI on the normal path out of main (a
// finding of its own, model "shutdown": "exit"); no SIGTERM handler is asked
// for. Error exits (`return 1`, `throw`, `exit(1)`, and any path that leaves
// main before `run_handler`) are not the normal path: the canonical
// aws-lambda-cpp layout, which gives up when its configuration is missing,
// is silent.
#include <aws/core/Aws.h>
#include <aws/lambda-runtime/runtime.h>
#include <cstdlib>

using namespace aws::lambda_runtime;

invocation_response handler(invocation_request const &) {
  return invocation_response::success("", "");
}

// Defined in this TU: a call to a function defined elsewhere could install a
// SIGTERM hook, which would make "never flushed" unknown in per-TU mode
// (missing-shutdown-hook-unknown.cpp).
bool configure() { return true; }

// In every variant, so that each has output to check against.
#include <cstdio>
FILE *trace = fopen("/tmp/trace", "w");
// CHECK-MESSAGES-COMMON: :[[@LINE-1]]:15: warning: 'trace' (FILE from fopen) is created at init scope and never flushed on shutdown

#ifdef HELPER
static Aws::SDKOptions global_options;
void shutdown_sdk() { Aws::ShutdownAPI(global_options); }
#endif

int main() {
  Aws::SDKOptions options;
#ifdef MISSING
  Aws::InitAPI(options);
  // CHECK-MESSAGES-MISSING: :[[@LINE-1]]:3: warning: 'Aws::InitAPI' is called at init scope without 'Aws::ShutdownAPI' on every path out of 'main' [serverless-missing-shutdown-hook]
  run_handler(handler);
  return 0;
#elif defined(ONE_PATH)
  Aws::InitAPI(options);
  // CHECK-MESSAGES-ONE-PATH: :[[@LINE-1]]:3: warning: 'Aws::InitAPI' is called at init scope without 'Aws::ShutdownAPI' on every path out of 'main'
  run_handler(handler);
  if (!configure())
    return 0; // A normal exit after run_handler, without ShutdownAPI.
  Aws::ShutdownAPI(options);
  return 0;
#elif defined(ERROR_EXITS)
  Aws::InitAPI(options);
  if (!configure())
    return 1; // Configuration missing: an error exit.
  if (!configure())
    throw 42;
  if (!configure())
    exit(2);
  if (!configure())
    abort();
  run_handler(handler);
  Aws::ShutdownAPI(options);
  // CHECK-MESSAGES-ERROR-EXITS-NOT: warning: 'Aws::InitAPI'
  return 0;
#elif defined(AFTER_RUN)
  Aws::InitAPI(options);
  if (!configure())
    return 1;
  run_handler(handler);
  if (!configure())
    return 1; // An error after run_handler is still an error exit.
  if (configure())
    return 0; // Normal, but no ShutdownAPI.
  // CHECK-MESSAGES-AFTER-HANDLER: :[[@LINE-8]]:3: warning: 'Aws::InitAPI' is called at init scope without 'Aws::ShutdownAPI' on every path out of 'main'
  Aws::ShutdownAPI(options);
  return 0;
#elif defined(NO_REGISTRAR)
  // No run_handler in main (a local test driver): every non-error path out
  // must shut down.
  Aws::InitAPI(options);
  // CHECK-MESSAGES-NO-REGISTRAR: :[[@LINE-1]]:3: warning: 'Aws::InitAPI' is called at init scope without 'Aws::ShutdownAPI' on every path out of 'main'
  if (!configure())
    return 3; // Error exit: fine.
  if (configure())
    return 0; // Normal exit without ShutdownAPI: the finding.
  Aws::ShutdownAPI(options);
  return 0;
#elif defined(ALL_PATHS)
  Aws::InitAPI(options);
  if (!configure()) {
    Aws::ShutdownAPI(options);
    return 1;
  }
  run_handler(handler);
  Aws::ShutdownAPI(options);
  // CHECK-MESSAGES-ALL-PATHS-NOT: warning:
  return 0;
#elif defined(HELPER)
  Aws::InitAPI(global_options);
  run_handler(handler);
  shutdown_sdk(); // Through a helper: fine.
  // CHECK-MESSAGES-HELPER-NOT: warning:
  return 0;
#endif
}
