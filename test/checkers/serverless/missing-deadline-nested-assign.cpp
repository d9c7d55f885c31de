// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk

// A handle created by an assignment inside an expression (the C idiom
// `if ((s = socket(...)) < 0)`) is created where that assignment runs: after
// the call on its right, before what the expression does next. The CFG the
// analysis reads has elements for statements, calls and declarations only,
// so the assignment is placed in the evaluation order by the analysis; each
// case below fails if it is not seen, or seen in the wrong place.
#include <aws/lambda-runtime/runtime.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

static timeval Tv = {2, 0};
static int both(int, int) { return 0; }

invocation_response handler(invocation_request const &, bool c) {
  char buf[64];

  // Created in a condition: the recv after it waits without a timeout.
  int a;
  if ((a = socket(AF_INET, SOCK_STREAM, 0)) < 0)
    return invocation_response::failure("socket", "E");
  recv(a, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle

  // Created, then given a timeout in the same condition (`||` runs its right
  // side after the assignment on its left): bounded.
  int b;
  if ((b = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
      setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &Tv, sizeof Tv) < 0)
    return invocation_response::failure("socket", "E");
  recv(b, buf, sizeof buf, 0);

  // A timeout set before the handle is made again does not carry over: the
  // nested assignment runs after setsockopt, so the new socket has none.
  int d = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &Tv, sizeof Tv);
  close(d);
  if ((d = socket(AF_INET, SOCK_STREAM, 0)) < 0)
    return invocation_response::failure("socket", "E");
  recv(d, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle

  // Made non-blocking by the call inside the assignment: not a finding.
  int e;
  if ((e = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
    return invocation_response::failure("socket", "E");
  recv(e, buf, sizeof buf, 0);

  // Assigned inside the branches of `?:` (after the call in each branch).
  int f;
  int g = c ? (f = socket(AF_INET, SOCK_STREAM, 0)) : (f = socket(AF_INET6, SOCK_STREAM, 0));
  if (g >= 0)
    recv(f, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  // In one branch only: on the other path `f2` is -1, not a socket; the two
  // states join to unknown, which is not a finding.
  int f2 = -1;
  if ((c ? (f2 = socket(AF_INET, SOCK_STREAM, 0)) : -1) >= 0)
    recv(f2, buf, sizeof buf, 0);

  // Arguments run in order: the socket is made, then given a timeout, before
  // `both` is called; the recv after it is bounded.
  int k;
  both(k = socket(AF_INET, SOCK_STREAM, 0),
       setsockopt(k, SOL_SOCKET, SO_RCVTIMEO, &Tv, sizeof Tv));
  recv(k, buf, sizeof buf, 0);
  // And the other way round: the timeout went to the socket `k2` held
  // before; the new one has none.
  int k2 = socket(AF_INET, SOCK_STREAM, 0);
  both(setsockopt(k2, SOL_SOCKET, SO_RCVTIMEO, &Tv, sizeof Tv),
       k2 = socket(AF_INET, SOCK_STREAM, 0));
  recv(k2, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle

  // `_Generic` runs the association it selects, and only that one.
  int m = -1, m2 = -1;
  (void)_Generic(0, int: (m = socket(AF_INET, SOCK_STREAM, 0)), default: 0);
  recv(m, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  (void)_Generic(0, long: (m2 = socket(AF_INET, SOCK_STREAM, 0)), default: 0);
  recv(m2, buf, sizeof buf, 0);

  // An assignment in an unevaluated operand creates nothing.
  int h = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  (void)sizeof(h = socket(AF_INET, SOCK_STREAM, 0));
  (void)noexcept(h = socket(AF_INET, SOCK_STREAM, 0));
  recv(h, buf, sizeof buf, 0);

  close(a); close(b); close(d); close(e); close(f); close(f2); close(h); close(k); close(k2); close(m); close(m2);
  return invocation_response::success("", "");
}

int main() { run_handler([](invocation_request const &r) { return handler(r, true); }); }
