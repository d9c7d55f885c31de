//===- RunOutput.cpp - The emulator's terminal output ---------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RunOutput.h"

#include <cstdio>
#include <unistd.h>

namespace serverless::runtime {

namespace {
void writeAll(int Fd, const char *S, size_t N) {
  while (N) {
    ssize_t W = ::write(Fd, S, N);
    if (W <= 0)
      return;
    S += W;
    N -= static_cast<size_t>(W);
  }
}
} // namespace

RunOutput::RunOutput(int64_t Total)
    : Total(Total), Tty(::isatty(2)), Start(std::chrono::steady_clock::now()),
      LastDraw(Start) {}

void RunOutput::clearProgressLocked() {
  if (ProgressShown) {
    writeAll(2, "\r\033[K", 4);
    ProgressShown = false;
  }
}

void RunOutput::drawProgressLocked() {
  // Only for long runs: a progress line for a 3-invocation run is noise.
  auto Now = std::chrono::steady_clock::now();
  if (!Tty || Now - Start < std::chrono::seconds(2) ||
      Now - LastDraw < std::chrono::milliseconds(200))
    return;
  LastDraw = Now;
  // On stderr, on a terminal only: done/total, failures so far, elapsed.
  char Buf[160];
  double Elapsed = std::chrono::duration<double>(Now - Start).count();
  int N = std::snprintf(Buf, sizeof Buf,
                        "\r\033[K[run] %lld/%lld invocations, %lld failed, %.1f s",
                        static_cast<long long>(Done), static_cast<long long>(Total),
                        static_cast<long long>(Failures), Elapsed);
  writeAll(2, Buf, static_cast<size_t>(N));
  ProgressShown = true;
}

void RunOutput::line(const std::string &Line) {
  std::lock_guard<std::mutex> L(M);
  clearProgressLocked();
  std::string S = Line;
  S += '\n';
  // write(2) directly: the function shares this stdout, and stdio buffering
  // would reorder our lines against its output.
  writeAll(1, S.data(), S.size());
}

void RunOutput::raw(int Fd, const std::string &Text) {
  std::lock_guard<std::mutex> L(M);
  clearProgressLocked();
  writeAll(Fd, Text.data(), Text.size());
}

void RunOutput::invocationDone() { invocationDone(false); }

void RunOutput::invocationDone(bool Failed) {
  std::lock_guard<std::mutex> L(M);
  ++Done;
  if (Failed)
    ++Failures;
  drawProgressLocked();
}

void RunOutput::finish() {
  std::lock_guard<std::mutex> L(M);
  clearProgressLocked();
}

} // namespace serverless::runtime
