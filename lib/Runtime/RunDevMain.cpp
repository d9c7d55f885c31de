//===- RunDevMain.cpp - Dev-only driver for `serverless-tidy run` ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Lets the emulator be built and tested without LLVM (the serverless-tidy
// tool links Clang). Not installed. Takes exactly what `serverless-tidy run`
// takes, --no-shim included, and preloads the shim the same way when the
// build has it (lib/Shim links it in).
//
//===----------------------------------------------------------------------===//

#include "Runtime/RunCommand.h"

#ifdef SERVERLESS_HAVE_SHIM
#include "ShimObserver.h"
#endif

#include <cstring>
#include <vector>

int main(int Argc, const char **Argv) {
  std::vector<const char *> Args;
  Args.push_back("run");
  // Same rule as the tool: --no-shim before the function binary belongs to
  // this layer; what follows the binary is the function's own.
  bool NoShim = false, Positional = false;
  for (int I = 1; I < Argc; ++I) {
    const char *A = Argv[I];
    if (!Positional && std::strcmp(A, "--no-shim") == 0) {
      NoShim = true;
      continue;
    }
    if (!Positional && I > 1 && A[0] != '-' && Argv[I - 1][0] != '-')
      Positional = true;
    Args.push_back(A);
  }
#ifdef SERVERLESS_HAVE_SHIM
  serverless::shim::registerShimObserver(!NoShim);
#else
  (void)NoShim;
#endif
  return serverless::runtime::runCommand(static_cast<int>(Args.size()),
                                         Args.data());
}
