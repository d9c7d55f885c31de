// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk

// A read, recv or accept on a descriptor that a readiness call (poll,
// ppoll, select, pselect, epoll_wait) has just reported ready does not wait:
// the readiness call carries the timeout and is checked on its own. Which
// calls report readiness, which calls they cover and how a descriptor is
// registered with them (a struct pollfd's fd field, FD_SET, epoll_ctl
// EPOLL_CTL_ADD) is model data (posix.json `readiness`). Only descriptors
// registered with the set the call watches are covered, and only after the
// call on every path.
#include <aws/lambda-runtime/runtime.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

static char buf[64];

// poll, then recv on the pollfd's descriptor: not a finding.
void pollThenRecv() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd p = {s, POLLIN, 0};
  if (poll(&p, 1, 100) > 0)
    recv(s, buf, sizeof buf, 0);
  close(s);
}

// Designated initializer, an array of pollfds, a field assigned later.
void pollForms() {
  int a = socket(AF_INET, SOCK_STREAM, 0);
  int b = socket(AF_INET, SOCK_STREAM, 0);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd one = {.fd = a, .events = POLLIN};
  poll(&one, 1, 100);
  read(a, buf, sizeof buf);
  struct pollfd fds[2];
  fds[0].fd = b;
  fds[0].events = POLLIN;
  fds[1].fd = c;
  fds[1].events = POLLIN;
  poll(fds, 2, 100);
  if (fds[0].revents & POLLIN)
    recv(b, buf, sizeof buf, 0);
  if (fds[1].revents & POLLIN)
    accept(c, nullptr, nullptr);
  close(a); close(b); close(c);
}

// A socket not registered with the pollfd: still a finding.
void pollOtherSocket() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int other = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd p = {s, POLLIN, 0};
  poll(&p, 1, 100);
  recv(other, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  close(s); close(other);
}

// recv before the first poll: a finding; after it: not.
void recvBeforePoll() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd p = {s, POLLIN, 0};
  recv(s, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  poll(&p, 1, 100);
  recv(s, buf, sizeof buf, 0);
  close(s);
}

// An event loop: poll at the top of each iteration covers the read after it.
void pollLoop() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd p;
  p.fd = s;
  p.events = POLLIN;
  for (;;) {
    int n = poll(&p, 1, 100);
    if (n <= 0)
      break;
    if (read(s, buf, sizeof buf) <= 0)
      break;
  }
  close(s);
}

// The read before the poll in the loop is not covered by the previous
// iteration's poll: the first iteration has none.
void readThenPollLoop() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd p = {s, POLLIN, 0};
  for (int i = 0; i < 3; ++i) {
    read(s, buf, sizeof buf);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'read' can block without bound: no SO_RCVTIMEO is set on this handle
    poll(&p, 1, 100);
  }
  close(s);
}

// poll on only one branch: the recv after the join may wait.
void pollOnOneBranch(bool wait) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd p = {s, POLLIN, 0};
  if (wait)
    poll(&p, 1, 100);
  recv(s, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  close(s);
}

// An infinite poll is the finding; the recv after it is not reported again.
void infinitePoll() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd p = {s, POLLIN, 0};
  poll(&p, 1, -1);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'poll' can block without bound: its timeout argument is -1 (infinite)
  recv(s, buf, sizeof buf, 0);
  close(s);
}

// select with FD_SET and FD_ISSET, the usual copy of a master set.
void selectThenRead() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  fd_set master, rd;
  FD_ZERO(&master);
  FD_SET(s, &master);
  struct timeval tv = {0, 100000};
  rd = master;
  if (select(s + 1, &rd, nullptr, nullptr, &tv) > 0 && FD_ISSET(s, &rd))
    read(s, buf, sizeof buf);
  close(s);
}

// select watching another descriptor: a finding.
void selectOtherFd() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int other = socket(AF_INET, SOCK_STREAM, 0);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(other, &rd);
  struct timeval tv = {0, 100000};
  select(other + 1, &rd, nullptr, nullptr, &tv);
  read(s, buf, sizeof buf);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'read' can block without bound: no SO_RCVTIMEO is set on this handle
  close(s); close(other);
}

// select's write set does not make a read ready.
void selectWriteSet() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  fd_set wr;
  FD_ZERO(&wr);
  FD_SET(s, &wr);
  struct timeval tv = {0, 100000};
  select(s + 1, nullptr, &wr, nullptr, &tv);
  recv(s, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  close(s);
}

// epoll: registered with EPOLL_CTL_ADD, reported by epoll_wait.
void epollThenRecv() {
  int ep = epoll_create1(0);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int other = socket(AF_INET, SOCK_STREAM, 0);
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.fd = s;
  epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
  struct epoll_event out[4];
  int n = epoll_wait(ep, out, 4, 100);
  for (int i = 0; i < n; ++i)
    recv(s, buf, sizeof buf, 0);
  recv(other, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  // Removing is not registering.
  epoll_ctl(ep, EPOLL_CTL_DEL, other, nullptr);
  epoll_wait(ep, out, 4, 100);
  recv(other, buf, sizeof buf, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'recv' can block without bound: no SO_RCVTIMEO is set on this handle
  close(s); close(other); close(ep);
}

// Readiness covers reads, not sends (the model's `calls`).
void pollThenSend() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct pollfd p = {s, POLLIN | POLLOUT, 0};
  poll(&p, 1, 100);
  send(s, buf, 1, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'send' can block without bound: no SO_SNDTIMEO is set on this handle
  close(s);
}

invocation_response handler(invocation_request const &) {
  pollThenRecv();
  pollForms();
  pollOtherSocket();
  recvBeforePoll();
  pollLoop();
  readThenPollLoop();
  pollOnOneBranch(true);
  infinitePoll();
  selectThenRead();
  selectOtherFd();
  selectWriteSet();
  epollThenRecv();
  pollThenSend();
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
