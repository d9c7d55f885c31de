// RUN: %check_serverless -check-suffixes=SIGWAIT %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DSIGWAIT
// RUN: %check_serverless -check-suffixes=FLAG %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DFLAG

// The two patterns of test/e2e/functions/alc_shutdown.cpp, whose run under
// the emulator with the real aws-lambda-cpp client
// (test/e2e/runtime/test_shutdown_patterns.py) shows which one flushes:
// a thread waiting in sigwait() flushes within the grace (accepted here);
// a flag with the flush after run_handler never runs (reported).
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

FILE *Marker;
volatile sig_atomic_t Stop = 0;

static void onSigterm(int) { Stop = 1; }

static void *waitForSigterm(void *) {
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
  std::fputs("invocation\n", Marker);
  return invocation_response::success("{}", "application/json");
}

int main() {
  Marker = std::fopen("/tmp/marker", "w");
  // CHECK-MESSAGES-FLAG: :[[@LINE-1]]:12: warning: 'Marker' (FILE from fopen) is created at init scope and never flushed on shutdown
  // CHECK-MESSAGES-SIGWAIT-NOT: warning:
#ifdef SIGWAIT
  sigset_t Block;
  sigemptyset(&Block);
  sigaddset(&Block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &Block, nullptr);
  pthread_t T;
  pthread_create(&T, nullptr, waitForSigterm, nullptr);
#else
  std::signal(SIGTERM, onSigterm);
#endif
  run_handler(handler);
  std::fclose(Marker);
}
