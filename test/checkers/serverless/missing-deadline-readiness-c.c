// RUN: %check_serverless %s serverless-missing-deadline %t -- \
// RUN:   -config="{CheckOptions: {HandlerFunctions: 'handle'}}" -- -std=gnu17

// Readiness in C (missing-deadline-readiness.cpp has the C++ forms): FD_SET
// read from its macro invocation, a compound literal stored in a pollfd
// array. A macro of the user's wrapping FD_SET is not read (its arguments
// are not spelled in the FD_SET invocation): still a finding.
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[64];
#define WATCH(fd, set) FD_SET(fd, set)

void handle(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int t = socket(AF_INET, SOCK_STREAM, 0);
  fd_set rd;
  FD_ZERO(&rd);
  WATCH(s, &rd);
  FD_SET(t, &rd);
  struct timeval tv = {0, 1000};
  select(t + 1, &rd, NULL, NULL, &tv);
  read(s, buf, sizeof buf);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'read' can block without bound: no SO_RCVTIMEO is set on this handle
  read(t, buf, sizeof buf);
  struct pollfd fds[1];
  fds[0] = (struct pollfd){.fd = s, .events = POLLIN};
  poll(fds, 1, 10);
  read(s, buf, sizeof buf);
  close(s);
  close(t);
}
