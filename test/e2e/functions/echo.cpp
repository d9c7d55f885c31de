//===- echo.cpp - A well-behaved test function ----------------------------===//
//
// Echoes the event. Reports its pid, invocation count and what a background
// ticker saw since the last invocation: a frozen environment's ticker does
// not tick while the wall clock keeps running, which is how the tests observe
// the freeze from inside. {"fail":true} posts a function error.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

static std::atomic<long> Ticks{0};

static int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  struct rlimit RL;
  getrlimit(RLIMIT_NOFILE, &RL);
  const char *Mem = std::getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
  const char *Tz = std::getenv("TZ");
  const char *Handler = std::getenv("_HANDLER");
  const char *User = std::getenv("ECHO_USER_VAR");
  std::printf("echo init: pid=%d nofile=%ld tz=%s memory=%s handler=%s "
              "user=%s\n",
              getpid(), static_cast<long>(RL.rlim_cur), Tz ? Tz : "-",
              Mem ? Mem : "-", Handler ? Handler : "-", User ? User : "-");
  std::thread([] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ++Ticks;
    }
  }).detach();
  long Count = 0;
  long LastTicks = 0;
  int64_t LastMs = nowMs();
  return lambda_loop::run([&](const lambda_loop::Invocation &Inv) {
    ++Count;
    long T = Ticks.load();
    int64_t Now = nowMs();
    std::printf("echo invoke: pid=%d count=%ld ticks_since_last=%ld "
                "wall_since_last_ms=%lld remaining_ms=%lld\n",
                getpid(), Count, T - LastTicks,
                static_cast<long long>(Now - LastMs),
                static_cast<long long>(Inv.remainingMs()));
    LastTicks = T;
    LastMs = Now;
    if (Inv.Payload.find("\"fail\":true") != std::string::npos)
      return lambda_loop::Result::failure("asked to fail", "EchoError");
    return lambda_loop::Result::success(
        "{\"pid\":" + std::to_string(getpid()) +
        ",\"count\":" + std::to_string(Count) + ",\"event\":" + Inv.Payload +
        "}");
  });
}
