//===- RunDevMain.cpp - Dev-only driver for `serverless-tidy run` ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Lets the emulator be built and tested without LLVM (the serverless-tidy
// tool links Clang). Not installed.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RunCommand.h"

#include <vector>

int main(int Argc, const char **Argv) {
  std::vector<const char *> Args;
  Args.push_back("run");
  for (int I = 1; I < Argc; ++I)
    Args.push_back(Argv[I]);
  return serverless::runtime::runCommand(static_cast<int>(Args.size()),
                                         Args.data());
}
