//===- crasher.cpp - Functions that die -----------------------------------===//
//
// argv[1] chooses how: segv (SIGSEGV in the handler), exit3 (exit(3) in the
// handler), exit0 (exit(0) in the handler), init-crash (abort() before the
// first next), init-error (POST init/error, then exit 1 as aws-lambda-cpp
// does), exit-after-response (answers, then exits). The first invocation
// with {"ok":true} succeeds, so re-init after a crash can be observed.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

int main(int Argc, char **Argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string Mode = Argc > 1 ? Argv[1] : "segv";
  std::printf("crasher init: pid=%d mode=%s\n", getpid(), Mode.c_str());
  if (Mode == "init-crash")
    std::abort();
  if (Mode == "init-error") {
    lambda_loop::Client C;
    long S = C.postInitError("cannot load config", "ConfigError");
    std::printf("crasher init/error -> %ld\n", S);
    return 1;
  }
  if (Mode == "exit-after-response") {
    lambda_loop::Client C;
    lambda_loop::Invocation Inv;
    if (!C.next(Inv))
      return 2;
    C.postResponse(Inv.RequestId, "{}");
    return 0;
  }
  return lambda_loop::run([&](const lambda_loop::Invocation &Inv) {
    if (Inv.Payload.find("\"ok\":true") != std::string::npos)
      return lambda_loop::Result::success("{\"ok\":true}");
    if (Mode == "segv") {
      std::raise(SIGSEGV);
    } else if (Mode == "exit3") {
      std::exit(3);
    } else if (Mode == "exit0") {
      std::exit(0);
    }
    return lambda_loop::Result::success("{}");
  });
}
