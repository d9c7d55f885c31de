//===- sigterm.cpp - Functions and SIGTERM --------------------------------===//
//
// argv[1]: handle (a SIGTERM hook that prints and exits 0, like incident
// 001's fix), ignore (SIG_IGN: must be SIGKILLed after the grace), slow (a
// hook that prints and returns, so the runtime outlives the grace), or none
// (aws-lambda-cpp's default: no handler). With --internal-extension the
// function also registers an internal extension (a thread on the Extensions
// API, as Lambda Insights-style libraries do), which gives it SIGTERM and a
// 500 ms grace at shutdown.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>
#include <unistd.h>

static void onTerm(int) {
  const char Msg[] = "sigterm: SIGTERM received, closing the pool\n";
  (void)!write(1, Msg, sizeof Msg - 1);
  _exit(0);
}

static void onTermSlow(int) {
  const char Msg[] = "sigterm: SIGTERM received, slow shutdown\n";
  (void)!write(1, Msg, sizeof Msg - 1);
}

int main(int Argc, char **Argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string Mode = Argc > 1 ? Argv[1] : "handle";
  bool Ext = Argc > 2 && std::strcmp(Argv[2], "--internal-extension") == 0;
  if (Mode == "handle")
    std::signal(SIGTERM, onTerm);
  else if (Mode == "ignore")
    std::signal(SIGTERM, SIG_IGN);
  else if (Mode == "slow")
    std::signal(SIGTERM, onTermSlow);
  if (Ext) {
    lambda_loop::Client C;
    std::string Id = C.registerExtension("test-internal-ext", {"INVOKE"});
    std::printf("sigterm: internal extension registered id=%s\n",
                Id.empty() ? "FAILED" : Id.c_str());
    std::thread([Id] {
      lambda_loop::Client EC;
      for (;;) {
        std::string Ev = EC.nextExtensionEvent(Id);
        if (Ev.empty())
          return;
        std::printf("sigterm: extension event %s\n",
                    Ev.find("INVOKE") != std::string::npos ? "INVOKE" : "other");
      }
    }).detach();
  }
  std::printf("sigterm init: pid=%d mode=%s\n", getpid(), Mode.c_str());
  return lambda_loop::run([](const lambda_loop::Invocation &) {
    return lambda_loop::Result::success("{}");
  });
}
