// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -isystem %sdk

// A finding twelve calls below the handler: the chain notes are bounded (the
// first three and last three steps, and one note counting the rest).
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>

using namespace aws::lambda_runtime;

static void f12() {
  FILE *f = fopen("/tmp/x", "w");
  // CHECK-NOTES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path
  // CHECK-NOTES: :[[@LINE+2]]:1: note: resource acquired by 'fopen' is not released when it goes out of scope here
  (void)f;
}
static void f11() { f12(); }
static void f10() { f11(); }
static void f9() { f10(); }
static void f8() { f9(); }
static void f7() { f8(); }
static void f6() { f7(); }
static void f5() { f6(); }
static void f4() { f5(); }
static void f3() { f4(); }
static void f2() { f3(); }
static void f1() { f2(); }

invocation_response handler(invocation_request const &) {
  // CHECK-NOTES: :[[@LINE-1]]:21: note: handler 'handler' is defined here
  f1();
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'f1' is called from 'handler' here
  return invocation_response::success("", "");
}
// The chain, in order (absolute lines: the code above does not move).
// CHECK-NOTES: :26:20: note: 'f2' is called from 'f1' here
// CHECK-NOTES: :25:20: note: 'f3' is called from 'f2' here
// CHECK-NOTES: :24:20: note: (6 more calls on the way from handler 'handler')
// CHECK-NOTES: :18:20: note: 'f10' is called from 'f9' here
// CHECK-NOTES: :17:21: note: 'f11' is called from 'f10' here
// CHECK-NOTES: :16:21: note: 'f12' is called from 'f11' here

int main() { run_handler(handler); }
