// RUN: %check_serverless -check-suffix=NOTES %s serverless-unclosed-resource %t -- \
// RUN:   -config="{CheckOptions: {serverless-unclosed-resource.HandlerScopeOnly: false}}" -- -isystem %sdk

// Where a leak is reported: the earliest place in the source where the
// handle is still held when it is lost. The walk may find a later place
// first (fewer blocks away) and must then still reach an earlier one; it
// stops only at blocks from which nothing before the place found can be
// reached. Functions whose possible handle variables are all in the
// outermost scope get a CFG without scope ends: their closing brace is
// still "when it goes out of scope here".

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

void hops(int c) {
  int fd = open("/tmp/x", O_RDONLY);
  // CHECK-NOTES-NOTES: :[[@LINE-1]]:12: warning: 'fd' resource acquired by 'open' is not released on every path; release it with 'close' or 'close_range'
  if (fd < 0)
    return;
  if (c)
    goto tail; // Two blocks to the later return.
  if (c > 1)
    c = 4;
  if (c > 2)
    c = 5;
  if (c > 3)
    return; // Earlier in the source, more blocks away.
  // CHECK-NOTES-NOTES: :[[@LINE-1]]:5: note: resource acquired by 'open' is not released when returning here
  close(fd);
  return;
tail:
  return;
}

// The same, the later place found first is a loop's return.
void loop(int n) {
  FILE *f = fopen("/tmp/x", "r");
  // CHECK-NOTES-NOTES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose'
  if (!f)
    return;
  for (int i = 0; i < n; ++i)
    if (i == n - 1)
      return; // Reached on the loop's first lap.
  // CHECK-NOTES-NOTES: :[[@LINE-1]]:7: note: resource acquired by 'fopen' is not released when returning here
  if (n == 3)
    return;
  fclose(f);
}

// Outermost scope, falls off the end: no scope-end element, same report.
void falls_off(int c) {
  FILE *f = fopen("/tmp/x", "r");
  // CHECK-NOTES-NOTES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose'
  if (!f)
    return;
  if (c)
    fclose(f);
}
// CHECK-NOTES-NOTES: :[[@LINE-1]]:1: note: resource acquired by 'fopen' is not released when it goes out of scope here

// A nested scope's local: its scope end is where it leaks, before the
// function's later return.
int nested(int c) {
  {
    int fd = open("/tmp/x", O_RDONLY);
    // CHECK-NOTES-NOTES: :[[@LINE-1]]:14: warning: 'fd' resource acquired by 'open' is not released on every path; release it with 'close' or 'close_range'
    if (fd >= 0 && c)
      close(fd);
  }
  // CHECK-NOTES-NOTES: :[[@LINE-1]]:3: note: resource acquired by 'open' is not released when it goes out of scope here
  return c;
}

// Nested locals that receive the handle by assignment or as an out
// argument need the scope ends as much as an initialised one: the leak is
// at the inner scope's end, not at the later return.
int nested_assigned(int c) {
  if (c > 0) {
    int fd;
    fd = open("/tmp/x", O_RDONLY);
    // CHECK-NOTES-NOTES: :[[@LINE-1]]:10: warning: 'fd' resource acquired by 'open' is not released on every path; release it with 'close' or 'close_range'
    if (fd >= 0 && c > 1)
      close(fd);
  }
  // CHECK-NOTES-NOTES: :[[@LINE-1]]:3: note: resource acquired by 'open' is not released when it goes out of scope here
  return c;
}

int nested_out_arg(int c) {
  for (int i = 0; i < c; ++i) {
    int fds[2];
    if (pipe(fds) != 0)
    // CHECK-NOTES-NOTES: :[[@LINE-1]]:9: warning: 'fd-pair' resource acquired by 'pipe' is not released on every path; release it with 'close'
      continue;
    if (i == 3)
      continue;
    // CHECK-NOTES-NOTES: :[[@LINE-1]]:7: note: resource acquired by 'pipe' is not released when it goes out of scope here
    close(fds[0]);
    close(fds[1]);
  }
  return c;
}

// Negative: released on every path, whatever the order the walk takes.
void released(int c) {
  int fd = open("/tmp/x", O_RDONLY);
  if (fd < 0)
    return;
  if (c)
    goto out;
  if (c > 1)
    c = 2;
out:
  close(fd);
}
