// RUN: %check_serverless %s serverless-unclosed-resource %t -- \
// RUN:   -config="{CheckOptions: {serverless-unclosed-resource.HandlerScopeOnly: false}}" -- -isystem %sdk

#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <netdb.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

static FILE *g_log;
struct Holder { FILE *f; };
struct Owner {
  explicit Owner(FILE *f) : f(f) {}
  ~Owner() { fclose(f); }
  FILE *f;
};
void consume(FILE *) {}

// Leak on all paths.
int leak_all(const char *p) {
  FILE *f = fopen(p, "r");
  // CHECK-NOTES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  consume(f);
  return fgetc(f);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: resource acquired by 'fopen' is not released when returning here
}

// Leak on one early-return path only.
int leak_early(const char *p, bool skip) {
  FILE *f = fopen(p, "r");
  // CHECK-NOTES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path
  if (!f)
    return -1; // Failed acquisition: nothing to release.
  if (skip)
    return 0;
  // CHECK-NOTES: :[[@LINE-1]]:5: note: resource acquired by 'fopen' is not released when returning here
  fclose(f);
  return 1;
}

// Leak inside a loop body, through `continue`.
void leak_loop(int n) {
  for (int i = 0; i < n; ++i) {
    int fd = open("/tmp/x", O_RDONLY);
    // CHECK-NOTES: :[[@LINE-1]]:14: warning: 'fd' resource acquired by 'open' is not released on every path; release it with 'close'
    if (fd < 0)
      continue;
    if (i == 3)
      continue;
    // CHECK-NOTES: :[[@LINE-1]]:7: note: resource acquired by 'open' is not released when it goes out of scope here
    close(fd);
  }
}

// Leak through `break` out of the loop.
void leak_break(int n) {
  int fd = -1;
  for (int i = 0; i < n; ++i) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    // CHECK-NOTES: :[[@LINE-1]]:10: warning: 'socket' resource acquired by 'socket' is not released on every path; release it with 'close'
    if (fd == -1)
      return;
    if (i == 2)
      break;
    close(fd);
  }
}
// CHECK-NOTES: :[[@LINE-1]]:1: note: resource acquired by 'socket' is not released when it goes out of scope here

// Leak when a throw leaves the function.
void leak_throw(bool bad) {
  FILE *f = fopen("t", "r");
  // CHECK-NOTES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path
  if (f == nullptr)
    return;
  if (bad)
    throw std::runtime_error("bad");
  // CHECK-NOTES: :[[@LINE-1]]:5: note: resource acquired by 'fopen' is not released when an exception is thrown here
  fclose(f);
}

// Overwritten while held.
void leak_overwrite() {
  FILE *f = fopen("a", "r");
  // CHECK-NOTES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path
  f = nullptr;
  // CHECK-NOTES: :[[@LINE-1]]:3: note: resource acquired by 'fopen' is not released when the handle is overwritten here
}

// The result is never kept.
void leak_discarded() {
  fopen("x", "r");
  // CHECK-NOTES: :[[@LINE-1]]:3: warning: the 'FILE' resource acquired by 'fopen' is discarded and never released; keep the handle and release it with 'fclose'
}

// Released on all paths.
void ok_all(const char *p, bool x) {
  FILE *f = fopen(p, "r");
  if (f == NULL)
    return;
  if (x) {
    fclose(f);
    return;
  }
  fclose(f);
}

// Failed-acquisition guards.
void ok_guards() {
  int fd = open("a", O_RDONLY);
  if (fd == -1)
    return;
  close(fd);
  FILE *f;
  if ((f = fopen("b", "r")) == NULL)
    return;
  fclose(f);
  if (FILE *g = fopen("c", "r")) {
    fclose(g);
  }
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s >= 0)
    close(s);
}

// Escapes: returned, stored into a global/member/out-parameter, aliased.
FILE *ok_returned() {
  FILE *f = fopen("a", "r");
  return f;
}
void ok_global() {
  FILE *f = fopen("a", "r");
  g_log = f;
}
void ok_member(Holder &h) {
  FILE *f = fopen("a", "r");
  h.f = f;
}
void ok_out_param(FILE **out) {
  FILE *f = fopen("a", "r");
  *out = f;
}
void ok_address_taken(FILE *&slot) {
  FILE *f = fopen("a", "r");
  slot = f;
}

// RAII owners.
void ok_unique_ptr() {
  std::unique_ptr<FILE, int (*)(FILE *)> f(fopen("a", "r"), &fclose);
  FILE *g = fopen("b", "r");
  std::unique_ptr<FILE, int (*)(FILE *)> owner(g, &fclose);
  Owner o(fopen("c", "r"));
  FILE *h = fopen("d", "r");
  Owner o2(h);
  std::ifstream in("e");
  // Handed to an owner through a model ownership_transfer member.
  std::unique_ptr<FILE, int (*)(FILE *)> later(nullptr, &fclose);
  FILE *k = fopen("f", "r");
  later.reset(k);
}

// Ownership transfer from the models: fdopen takes the descriptor.
FILE *ok_fdopen() {
  int fd = open("a", O_RDONLY);
  if (fd < 0)
    return nullptr;
  return fdopen(fd, "r");
}

// Out-argument resources with call-result guards.
int ok_pipe() {
  int fds[2];
  if (pipe(fds) < 0)
    return -1;
  close(fds[0]);
  close(fds[1]);
  return 0;
}
int ok_getaddrinfo(const char *host) {
  struct addrinfo *res;
  if (getaddrinfo(host, "80", nullptr, &res) != 0)
    return -1;
  freeaddrinfo(res);
  return 0;
}

// Process exit ends the path: nothing leaks.
void ok_exit() {
  FILE *f = fopen("a", "r");
  if (!f)
    return;
  _exit(1);
}

// Each other POSIX / stdio family.
void family_dir() {
  DIR *d = opendir("/");
  // CHECK-NOTES: :[[@LINE-1]]:12: warning: 'DIR' resource acquired by 'opendir' is not released on every path; release it with 'closedir'
  (void)d;
}
// CHECK-NOTES: :[[@LINE-1]]:1: note: resource acquired by 'opendir' is not released when it goes out of scope here
void family_popen() {
  FILE *p = popen("ls", "r");
  // CHECK-NOTES: :[[@LINE-1]]:13: warning: 'pipe-stream' resource acquired by 'popen' is not released on every path; release it with 'pclose'
  (void)p;
}
// CHECK-NOTES: :[[@LINE-1]]:1: note: resource acquired by 'popen' is not released when it goes out of scope here
void family_dup() {
  int dupfd = dup(1);
  // CHECK-NOTES: :[[@LINE-1]]:15: warning: 'fd' resource acquired by 'dup' is not released on every path
  (void)dupfd;
}
// CHECK-NOTES: :[[@LINE-1]]:1: note: resource acquired by 'dup' is not released when it goes out of scope here
void family_accept() {
  int accepted = accept(3, nullptr, nullptr);
  // CHECK-NOTES: :[[@LINE-1]]:18: warning: 'socket' resource acquired by 'accept' is not released on every path
  (void)accepted;
}
// CHECK-NOTES: :[[@LINE-1]]:1: note: resource acquired by 'accept' is not released when it goes out of scope here
