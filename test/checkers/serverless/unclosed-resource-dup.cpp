// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -isystem %sdk

// dup2/dup3 return the target descriptor, a number the caller already owns
// (stdout redirected to a log and restored): not an acquisition. The
// descriptor dup() returned to save the old one is, and must be closed.
#include <aws/lambda-runtime/runtime.h>
#include <fcntl.h>
#include <unistd.h>
#include <cstdio>

using namespace aws::lambda_runtime;

static void redirect_and_restore(int log) {
  int saved = dup(STDOUT_FILENO);
  dup2(log, STDOUT_FILENO);
  puts("to the log");
  fflush(stdout);
  dup2(saved, STDOUT_FILENO);
  close(saved);
}

static void restore_without_close(int log) {
  int saved = dup(STDOUT_FILENO);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'fd' resource acquired by 'dup' is not released on every path; release it with 'close' or 'close_range' [serverless-unclosed-resource]
  dup2(log, STDOUT_FILENO);
  dup2(saved, STDOUT_FILENO);
}

static void dup3_onto_stderr(int log) {
  int r = dup3(log, STDERR_FILENO, O_CLOEXEC);
  if (r < 0)
    perror("dup3");
}

static void onto_a_tracked_fd() {
  int a = open("/tmp/a", O_RDONLY);
  int b = open("/tmp/b", O_RDONLY);
  if (a < 0 || b < 0)
    return; // Leaks whichever opened.
  // CHECK-MESSAGES: :[[@LINE-4]]:11: warning: 'fd' resource acquired by 'open' is not released on every path
  // CHECK-MESSAGES: :[[@LINE-4]]:11: warning: 'fd' resource acquired by 'open' is not released on every path
  int c = dup2(a, b); // c is b: closing b releases it.
  (void)c;
  close(a);
  close(b);
}

invocation_response handler(invocation_request const &) {
  int log = open("/tmp/log", O_WRONLY | O_CREAT, 0600);
  if (log < 0)
    return invocation_response::failure("open", "Err");
  redirect_and_restore(log);
  restore_without_close(log);
  dup3_onto_stderr(log);
  onto_a_tracked_fd();
  close(log);
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
