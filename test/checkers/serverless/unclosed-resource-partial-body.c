// RUN: %check_serverless -expect-clang-tidy-error %s serverless-unclosed-resource %t -- -- -std=gnu17

// A function whose body the compiler built only in part gives no leak
// findings: a statement the parser dropped (hiredis example-libev.c, whose
// `redisLibevAttach(EV_DEFAULT_ c);` vanishes from the AST when <ev.h> is
// missing: the statement that hands the handle over is not there to see),
// or an expression it could not resolve. What the missing code does is
// unknown, which is not a leak. The other functions of the same TU, built
// completely, are still judged: a skipped `#if 0` block or an empty macro
// is not a dropped statement.
#include <stdio.h>

#define H __attribute__((annotate("serverless.handler")))
#define TRACE(msg)

void loop_attach(void *loop, FILE *f);

H int attach_dropped(const char *p) {
  FILE *f = fopen(p, "r");
  if (!f)
    return 1;
  loop_attach(LOOP_DEFAULT_ f);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: error: use of undeclared identifier 'LOOP_DEFAULT_' [clang-diagnostic-error]
  return 0;
}

H int unresolved_elsewhere(const char *p) {
  FILE *f = fopen(p, "r");
  if (!f)
    return 1;
  int n = NOT_DECLARED + 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:11: error: use of undeclared identifier 'NOT_DECLARED' [clang-diagnostic-error]
  return n;
}

H int complete(const char *p) {
  FILE *f = fopen(p, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!f)
    return 1;
  TRACE("opened");
#if 0
  fclose(f);
#endif
  return 0;
}
