//===- hang_init.cpp - A function whose init never ends -------------------===//
//
// Sleeps forever before its first `next` (a blocking call at init with no
// timeout): the emulator must stop it at the init limit.
//
//===----------------------------------------------------------------------===//

#include <chrono>
#include <cstdio>
#include <thread>
#include <unistd.h>

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("hang_init: pid=%d sleeping in init\n", getpid());
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds(60));
}
