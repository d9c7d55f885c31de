//===- RunOutput.h - The emulator's terminal output -------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// One writer for everything the emulator prints, shared by the environment
// threads, the Runtime API handlers and the pumps that prefix the function's
// output when K > 1: lines never interleave, and the TTY progress line is
// cleared before a line and redrawn after it.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_RUNOUTPUT_H
#define SERVERLESS_RUNTIME_RUNOUTPUT_H

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace serverless::runtime {

class RunOutput {
public:
  explicit RunOutput(int64_t Total);
  ~RunOutput();
  /// Prints one line (no trailing newline needed) on stdout.
  void line(const std::string &Line);
  /// Writes raw function output (already prefixed) on \p Fd.
  void raw(int Fd, const std::string &Text);
  /// Counts a finished invocation and redraws the progress line.
  void invocationDone();
  /// The same, counting a failure (a status other than success).
  void invocationDone(bool Failed);
  /// Clears the progress line for good (and stops its ticker).
  void finish();

private:
  void clearProgressLocked();
  void drawProgressLocked();

  std::mutex M;
  int64_t Total;
  int64_t Done = 0;
  int64_t Failures = 0;
  bool Tty;
  bool ProgressShown = false;
  std::chrono::steady_clock::time_point Start, LastDraw;
  // On a terminal: redraws every second, so a long invocation still shows
  // the elapsed time.
  std::thread Ticker;
  std::condition_variable TickCV;
  bool Finished = false;
};

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_RUNOUTPUT_H
