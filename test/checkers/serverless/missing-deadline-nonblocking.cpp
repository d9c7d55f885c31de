// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk

// A call the arguments make non-blocking, or on a descriptor made
// non-blocking, cannot block: not a finding. What makes a call or a handle
// non-blocking is model data (posix.json: `nonblocking_if` on a blocking
// entry, the `nonblocking` section), matched as the source spells it.
#include <aws/lambda-runtime/runtime.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

#define MY_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)
#define TRY_LOCK (LOCK_EX | LOCK_NB)

invocation_response handler(invocation_request const &, int flags) {
  char buf[64];
  int s = socket(AF_INET, SOCK_STREAM, 0);
  recv(s, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  recv(s, buf, sizeof buf, MSG_DONTWAIT);
  recv(s, buf, sizeof buf, MY_FLAGS);
  const int kFlags = MSG_PEEK | MSG_DONTWAIT;
  recv(s, buf, sizeof buf, kFlags);
  send(s, buf, 1, MSG_NOSIGNAL);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'send' can block without bound: no SO_SNDTIMEO is set on this handle
  send(s, buf, 1, MSG_NOSIGNAL | MSG_DONTWAIT);

  // Created non-blocking.
  int n = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  recv(n, buf, sizeof buf, 0);
  connect(n, nullptr, 0);

  // Made non-blocking with fcntl; F_GETFL alone does not.
  int f = socket(AF_INET, SOCK_STREAM, 0);
  fcntl(f, F_GETFL);
  recv(f, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  fcntl(f, F_SETFL, fcntl(f, F_GETFL) | O_NONBLOCK);
  recv(f, buf, sizeof buf, 0);

  // Datagrams: sends and connect do not wait for a peer, receives do.
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  sendto(u, buf, 1, 0, (sockaddr *)&a, sizeof a);
  connect(u, (sockaddr *)&a, sizeof a);
  recvfrom(u, buf, 1, 0, nullptr, nullptr);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recvfrom' can block without bound: no SO_RCVTIMEO is set on this handle

  // A descriptor opened with O_NONBLOCK.
  int fifo = open("/tmp/fifo", O_RDONLY | O_NONBLOCK);
  read(fifo, buf, sizeof buf);
  // A descriptor opened by path is a file: read does not wait for a peer
  // (whether the path names a FIFO or a terminal is not in the code). Reads
  // on a socket still wait: the recv/recvfrom findings above, and read on an
  // accepted socket below.
  int file = open("/tmp/data", O_RDONLY);
  read(file, buf, sizeof buf);
  int file2 = openat(AT_FDCWD, "data", O_RDONLY);
  read(file2, buf, sizeof buf);
  int file3 = creat("/tmp/out", 0600);
  read(file3, buf, sizeof buf);
  int conn = accept(s, nullptr, nullptr);
  // CHECK-MESSAGES: :[[@LINE-1]]:14: warning: 'accept' can block without bound: no SO_RCVTIMEO is set on this handle
  read(conn, buf, sizeof buf);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'read' can block without bound: no SO_RCVTIMEO is set on this handle

  int lf = open("/tmp/lock", O_RDONLY);
  flock(lf, LOCK_EX | LOCK_NB);
  flock(lf, TRY_LOCK);
  flock(lf, LOCK_EX);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'flock' can block without bound: it takes no timeout

  int st;
  waitpid(-1, &st, WNOHANG);
  waitpid(-1, &st, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'waitpid' can block without bound: it takes no timeout
  // Flags the analysis cannot see: the call may block.
  recv(s, buf, sizeof buf, flags);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle

  close(s); close(n); close(f); close(u); close(fifo); close(file); close(file2); close(file3); close(conn);
  close(lf);
  return invocation_response::success("", "");
}

int main() { run_handler([](invocation_request const &r) { return handler(r, 0); }); }
