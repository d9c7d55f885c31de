// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -std=gnu17 -Wno-implicit-function-declaration

// A handle handed to a function C had to declare implicitly (its header is
// missing, or it was never declared) is handed to unknown code, which may
// take it: not a leak (issue 18: unknown is not missing; the hiredis async
// examples of docs/precision.md, whose adapter headers were absent, attach the
// context to an event loop that frees it).
#include <stdio.h>

__attribute__((annotate("serverless.handler"))) int handler(const char *p) {
  FILE *f = fopen(p, "r");
  if (!f)
    return 1;
  attach_to_loop(f);
  return 0;
}

__attribute__((annotate("serverless.handler"))) int leaks(const char *p) {
  FILE *g = fopen(p, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!g)
    return 1;
  fputs("x", g);
  return 0;
}
