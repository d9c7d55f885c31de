//===- Supervisor.h - Spawning, reaping and killing functions ---*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The function runs in its own process group (so SIGSTOP/SIGKILL reach the
// children it forks) with Lambda's RLIMIT_NOFILE, joined to its cgroups
// before exec. The emulator makes itself a child subreaper so children that
// outlive the function are reparented to it and can be reaped, and one reaper
// thread owns waitpid() so no exit status is lost between environment
// threads.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_SUPERVISOR_H
#define SERVERLESS_RUNTIME_SUPERVISOR_H

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace serverless::runtime {

struct SpawnSpec {
  std::string Path;
  std::vector<std::string> Args; // without argv[0]
  std::vector<std::string> Env;  // K=V, the whole environment
  long MaxFds = 1024;
  std::vector<std::string> CgroupProcsFiles;
  int StdoutFd = -1; // -1: inherit
  int StderrFd = -1;
  std::string Cwd;   // working directory of the function ("": inherit)
};

/// Called on the reaper thread with the wait status of a watched pid.
using ExitCallback = std::function<void(int Status)>;

/// Forks and execs \p Spec in a new process group, registering \p OnExit
/// before the reaper can see the child. Returns the pid, or -1 with \p Error.
pid_t spawnFunction(const SpawnSpec &Spec, ExitCallback OnExit,
                    std::string &Error);

/// Sends \p Sig to the process group \p Pgid (ignores ESRCH).
void signalGroup(pid_t Pgid, int Sig);

/// Waits (bounded) until the emulator has no children left to reap.
void waitNoChildren(int TimeoutMs);

/// "signal: segmentation fault", "exit status 3", ...
std::string describeWaitStatus(int Status);

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_SUPERVISOR_H
