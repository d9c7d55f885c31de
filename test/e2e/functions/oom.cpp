//===- oom.cpp - A function that allocates until it is killed -------------===//
//
// Allocates and touches "mb" from the event (default: forever) in 8 MiB
// steps: incident 004's function at 127/128 MB, taken past the limit.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::vector<char *> Keep;
  return lambda_loop::run([&](const lambda_loop::Invocation &Inv) {
    long Mb = -1;
    auto Pos = Inv.Payload.find("\"mb\":");
    if (Pos != std::string::npos)
      Mb = std::strtol(Inv.Payload.c_str() + Pos + 5, nullptr, 10);
    long Total = 0;
    while (Mb < 0 || Total < Mb) {
      char *P = static_cast<char *>(std::malloc(8 << 20));
      std::memset(P, 1, 8 << 20);
      Keep.push_back(P);
      Total += 8;
      // Slow enough that RSS sampling (10 ms) catches it near the limit.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::printf("oom: holding %ld MB\n", Total);
    return lambda_loop::Result::success("{\"mb\":" + std::to_string(Total) + "}");
  });
}
