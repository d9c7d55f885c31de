//===- RunCommand.h - `serverless-tidy run` ---------------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Entry point of the lifecycle emulator, called by the serverless-tidy tool
// for its `run` subcommand. See docs/runtime.md.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_RUNCOMMAND_H
#define SERVERLESS_RUNTIME_RUNCOMMAND_H

#include <memory>
#include <vector>

namespace serverless::runtime {

class RunObserver;

/// Runs `run [options] <function-binary> [args...]`; Argv[0] is "run".
/// Returns the process exit code: 0 when no invocation failed (see
/// --fail-on), 1 when the function failed, 2 for bad options or a missing
/// binary, 3 when the emulator itself could not run.
int runCommand(int Argc, const char **Argv);

/// Same, with \p Observers in addition to the registered ones.
int runCommandWithObservers(
    int Argc, const char **Argv,
    const std::vector<std::shared_ptr<RunObserver>> &Observers);

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_RUNCOMMAND_H
