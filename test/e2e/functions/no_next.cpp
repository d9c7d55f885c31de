//===- no_next.cpp - A function that answers but never asks again ---------===//
//
// Posts its response, then sleeps instead of calling `next` (a runtime loop
// that hangs after the response). The invocation succeeded; the environment
// cannot be frozen or reused.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <chrono>
#include <cstdio>
#include <thread>
#include <unistd.h>

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  lambda_loop::Client C;
  lambda_loop::Invocation Inv;
  while (C.next(Inv)) {
    long S = C.postResponse(Inv.RequestId, "{\"answered\":true}");
    std::printf("no_next: pid=%d posted %ld, now never calling next\n",
                getpid(), S);
    for (;;)
      std::this_thread::sleep_for(std::chrono::seconds(60));
  }
  return 0;
}
