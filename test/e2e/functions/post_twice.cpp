//===- post_twice.cpp - A function that answers twice ---------------------===//
//
// Posts a response, then a second response and an error for the same
// request id; prints the status codes the API returned (202, then 403).
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <cstdio>
#include <unistd.h>

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  lambda_loop::Client C;
  lambda_loop::Invocation Inv;
  while (C.next(Inv)) {
    long A = C.postResponse(Inv.RequestId, "{\"first\":true}");
    long B = C.postResponse(Inv.RequestId, "{\"second\":true}");
    long E = C.postError(Inv.RequestId, "late error", "Late");
    std::printf("post_twice: first=%ld second=%ld error=%ld\n", A, B, E);
  }
  return 0;
}
