//===- alc_shutdown.cpp - Shutdown patterns on the real aws-lambda-cpp ----===//
//
// Part of serverless-tidy. Which SIGTERM pattern flushes a buffered stream
// at shutdown when the runtime is aws-lambda-cpp (issue 18, item 5)? The
// stream is ALC_MARKER (a file), opened at init, written per invocation,
// fully buffered; ALC_PATTERN chooses:
//   "flag"     the SIGTERM handler sets a flag; main flushes after
//              run_handler returns (the pattern the check no longer accepts)
//   "sigwait"  SIGTERM blocked in every thread; a thread waiting in sigwait()
//              flushes and closes the stream and _exits (the recommended one)
//   "none"     no hook at all
// The marker's content after the run shows what reached the file.
//
//===----------------------------------------------------------------------===//

#include <aws/lambda-runtime/runtime.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

namespace {

FILE *Marker = nullptr;
char Buffer[1 << 16];
volatile sig_atomic_t Stop = 0;

void onSigterm(int) { Stop = 1; }

void *waitForSigterm(void *) {
  sigset_t Set;
  sigemptyset(&Set);
  sigaddset(&Set, SIGTERM);
  int Sig = 0;
  sigwait(&Set, &Sig);
  std::fputs("flushed by the sigwait thread\n", Marker);
  std::fclose(Marker);
  _exit(0);
}

invocation_response handler(invocation_request const &) {
  std::fputs("invocation\n", Marker); // Stays in the buffer.
  return invocation_response::success("{}", "application/json");
}

} // namespace

int main() {
  const char *Path = std::getenv("ALC_MARKER");
  const char *Pattern = std::getenv("ALC_PATTERN");
  if (!Path || !Pattern)
    return 2;
  Marker = std::fopen(Path, "w");
  if (!Marker)
    return 2;
  std::setvbuf(Marker, Buffer, _IOFBF, sizeof Buffer);

  if (std::strcmp(Pattern, "sigwait") == 0) {
    // Before any other thread exists, so every thread inherits the mask.
    sigset_t Block;
    sigemptyset(&Block);
    sigaddset(&Block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &Block, nullptr);
    pthread_t T;
    pthread_create(&T, nullptr, waitForSigterm, nullptr);
  } else if (std::strcmp(Pattern, "flag") == 0) {
    std::signal(SIGTERM, onSigterm);
  }

  run_handler(handler);

  // Reached only if run_handler returns.
  std::fputs("flushed after run_handler returned\n", Marker);
  std::fclose(Marker);
  return 0;
}
