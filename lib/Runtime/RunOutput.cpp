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
      LastDraw(Start) {
  if (!Tty)
    return;
  try {
    Ticker = std::thread([this] {
      std::unique_lock<std::mutex> L(M);
      while (!Finished) {
        TickCV.wait_for(L, std::chrono::seconds(1));
        if (!Finished)
          drawProgressLocked();
      }
    });
  } catch (...) {
    // No ticker: the line is redrawn as invocations finish.
  }
}

RunOutput::~RunOutput() { finish(); }

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
  char Of[32] = "";
  if (Total > 0) // --serve without --invocations: no total
    std::snprintf(Of, sizeof Of, "/%lld", static_cast<long long>(Total));
  int N = std::snprintf(Buf, sizeof Buf,
                        "\r\033[K[run] %lld%s invocations, %lld failed, %.1f s",
                        static_cast<long long>(Done), Of,
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
  {
    std::lock_guard<std::mutex> L(M);
    clearProgressLocked();
    Finished = true;
    TickCV.notify_all();
  }
  if (Ticker.joinable() && Ticker.get_id() != std::this_thread::get_id())
    Ticker.join();
}

} // namespace serverless::runtime
