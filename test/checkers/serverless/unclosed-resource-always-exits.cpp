// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -isystem %sdk

// A function of the file that ends every path in exit() (no [[noreturn]])
// ends the process: nothing leaks on the path that calls it.
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>
#include <cstdlib>

using namespace aws::lambda_runtime;

static void usage(const char *why) {
  fprintf(stderr, "%s\n", why);
  exit(1);
}

static void fail_twice(const char *why) { usage(why); } // Through another one.

static void maybe_exit(bool really) {
  if (really)
    exit(2);
}

static int read_first(int argc, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return 1;
  if (argc > 2) {
    fclose(f);
    return 0;
  }
  if (argc > 1)
    fail_twice("two arguments");
  usage("bad arguments");
  return 0;
}

static int may_leak(int argc, const char *path) {
  FILE *f = fopen(path, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path
  if (!f)
    return 1;
  maybe_exit(argc > 3); // Returns on some paths.
  return 0;
}

invocation_response handler(invocation_request const &req) {
  read_first(static_cast<int>(req.payload.size()), "/etc/hostname");
  may_leak(static_cast<int>(req.payload.size()), "/etc/hostname");
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
