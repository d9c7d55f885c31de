//===- Cgroups.h - Freezer and memory cgroups for environments --*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Lambda freezes an environment between invocations and enforces its memory
// size with a real OOM kill. Both map onto cgroups when the emulator may
// create them (root, cgroupfs writable): cgroup v2 `cgroup.freeze` /
// `memory.max`, or cgroup v1 `freezer.state` / `memory.limit_in_bytes`. The
// project's machines have a hybrid layout (v1 controllers plus v2 at
// /sys/fs/cgroup/unified), so freeze and memory methods are chosen
// separately. Elsewhere the emulator falls back to SIGSTOP/SIGCONT of the
// process group and RSS sampling, and says so.
//
// Groups are created under the emulator's own cgroup (read from
// /proc/self/cgroup), one per-run parent and one leaf per function process,
// and removed at the end.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_CGROUPS_H
#define SERVERLESS_RUNTIME_CGROUPS_H

#include "Runtime/RunOptions.h"

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace serverless::runtime {

/// One function process's groups (empty paths where a method is not a
/// cgroup).
struct EnvCgroup {
  std::string FreezeDir;
  std::string MemoryDir;
  /// The cgroup.procs files the child writes its pid into before exec.
  std::vector<std::string> ProcsFiles;
};

class Cgroups {
public:
  /// Chooses the methods (honouring forced ones) and creates the per-run
  /// parent groups. Returns false with \p Error when a forced method is
  /// unavailable.
  bool setup(FreezeMethod Freeze, MemoryMethod Memory, std::string &Error);
  ~Cgroups();

  FreezeMethod freezeMethod() const { return Freeze; }
  MemoryMethod memoryMethod() const { return Memory; }
  static const char *name(FreezeMethod M);
  static const char *name(MemoryMethod M);

  /// Creates the leaf groups for one process with \p LimitBytes of memory.
  bool create(const std::string &Leaf, int64_t LimitBytes, EnvCgroup &Out,
              std::string &Error);
  /// Removes the leaf groups (every process in them must be gone).
  void remove(EnvCgroup &G);

  /// Freezes / thaws and waits (bounded) until the kernel reports the state.
  bool freeze(const EnvCgroup &G);
  bool thaw(const EnvCgroup &G);

  /// Peak memory in bytes (memory.peak / memory.max_usage_in_bytes), -1 if
  /// not available.
  int64_t peakBytes(const EnvCgroup &G) const;
  /// OOM kills so far in the group (memory.events / memory.oom_control).
  int64_t oomKills(const EnvCgroup &G) const;
  /// Every pid in the group (function, forked children, daemons).
  std::vector<pid_t> pids(const EnvCgroup &G) const;
  /// SIGKILLs every pid in the group; v1-frozen tasks are thawed so the
  /// signal is delivered.
  void killAll(const EnvCgroup &G);
  /// Thaws every leaf of this run (interrupt path: killed tasks must run to
  /// die).
  void thawAll();
  /// Last resort (any thread, the run may still be going): thaws and kills
  /// every process in every leaf of this run.
  void killEverything();
  /// Last resort: removes every leaf of this run, then the run's groups
  /// (bounded wait for dying tasks).
  void removeEverything();

private:
  FreezeMethod Freeze = FreezeMethod::SigStop;
  MemoryMethod Memory = MemoryMethod::Rss;
  std::string FreezeRoot; // per-run parent group for freezing
  std::string MemoryRoot; // per-run parent group for memory
  bool SameV2Group = false;
};

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_CGROUPS_H
