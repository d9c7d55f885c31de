//===- sleeper.cpp - A function that runs past its timeout ----------------===//
//
// Sleeps "sleep_ms" from the event (default 5000) before answering, without
// looking at its deadline: the shape of incident 001's handler. Prints each
// start and finish so the tests can see whether a timed-out process was
// reused (--on-timeout=keep) or replaced.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <unistd.h>

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("sleeper init: pid=%d\n", getpid());
  return lambda_loop::run([](const lambda_loop::Invocation &Inv) {
    long Ms = 5000;
    auto Pos = Inv.Payload.find("\"sleep_ms\":");
    if (Pos != std::string::npos)
      Ms = std::strtol(Inv.Payload.c_str() + Pos + 11, nullptr, 10);
    std::printf("sleeper start: pid=%d request=%s sleep_ms=%ld\n", getpid(),
                Inv.RequestId.c_str(), Ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(Ms));
    std::printf("sleeper done: pid=%d request=%s\n", getpid(),
                Inv.RequestId.c_str());
    return lambda_loop::Result::success("{\"slept_ms\":" + std::to_string(Ms) +
                                        "}");
  });
}
