// RUN: %check_serverless -expect-clang-tidy-error %s serverless-unclosed-resource %t -- -- -std=gnu17

// The corpus's shape (hiredis example-libev.c): the event library's header
// is missing, a fatal error, after which clang reports nothing more but still
// builds the rest of the TU; the attach statement, written with the header's
// macro, is dropped. The function that lost it gives no leak finding; one
// built completely still does.
#include <stdio.h>
#include "no-such-event-loop.h"
// CHECK-MESSAGES: :[[@LINE-1]]:10: error: 'no-such-event-loop.h' file not found [clang-diagnostic-error]

#define H __attribute__((annotate("serverless.handler")))

void loop_attach(void *loop, FILE *f);

H int attach_dropped(const char *p) {
  FILE *f = fopen(p, "r");
  if (!f)
    return 1;
  loop_attach(EV_DEFAULT_ f);
  return 0;
}

H int complete(const char *p) {
  FILE *f = fopen(p, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!f)
    return 1;
  return 0;
}
