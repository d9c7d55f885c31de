//===- RunObserver.h - Hooks into the lifecycle emulator --------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The seam between the lifecycle emulator and whatever watches the function
// from the inside (first of all the resource ledger, libserverless-shim.so).
//
// How to plug in:
//   1. Derive from RunObserver and override the hooks you need (all default to
//      no-ops).
//   2. Register an instance with addRunObserver() before runCommand() runs
//      (the tool's main, or a static initializer in the observer's library),
//      or pass it to runCommandWithObservers().
//
// Guarantees the emulator gives observers:
//   - Hooks are serialized by one run-wide mutex, so an observer needs no
//     locking of its own even with --concurrency K (K environment threads).
//   - onEnvironmentSpawn runs in the emulator before fork(): adding
//     "LD_PRELOAD=..." or "SERVERLESS_LEDGER=..." to EnvVars reaches the
//     function (and only it).
//   - onDeadlinePassed runs while the timed-out process is still alive and
//     not yet frozen or killed, so its state (a shared-memory ledger, a stack
//     sample) can be read.
//   - The JSON values handed to onInvocationEnd, onShutdownSignal and
//     onRunEnd are the very objects written by --json; fields added there are
//     part of the output. Without --json, per-invocation records are not
//     kept (a long run must not grow the emulator): onRunEnd then sees an
//     empty "invocations" array. The schema ("serverless-tidy-run/1") is open: new
//     fields may be added, existing ones keep their meaning.
//   - onRunEnd gets the summary stream printed after the emulator's summary.
//   - An interrupted run (SIGINT/SIGTERM/SIGHUP, internal error) calls
//     onRunAborted instead of onRunEnd. Temporary files an observer creates
//     should be registered with registerCleanupPath() (Cleanup.h): they are
//     removed however the run ends.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_RUNOBSERVER_H
#define SERVERLESS_RUNTIME_RUNOBSERVER_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <sys/types.h>
#include <vector>

namespace serverless::runtime {

struct RunOptions;

class RunObserver {
public:
  virtual ~RunObserver() = default;

  /// The run is about to start; \p Config is the "config" JSON object.
  virtual void onRunStart(const RunOptions &Opts, nlohmann::json &Config) {}

  /// A function process for environment \p EnvId is about to be spawned;
  /// \p EnvVars ("K=V") is its whole environment and may be edited.
  virtual void onEnvironmentSpawn(int EnvId,
                                  std::vector<std::string> &EnvVars) {}

  /// The process was spawned (its process group id is \p Pid too).
  virtual void onEnvironmentStarted(int EnvId, pid_t Pid) {}

  /// Invocation \p Index (0-based, run-wide) is handed to the runtime;
  /// \p DeadlineMs is the Unix epoch deadline the runtime sees.
  virtual void onInvocationStart(int EnvId, int64_t Index,
                                 int64_t DeadlineMs) {}

  /// The function timeout expired; the process is still alive.
  virtual void onDeadlinePassed(int EnvId, int64_t Index, pid_t Pid) {}

  /// --max-concurrency: invocation \p Index was taken by a runtime worker
  /// at \p StartNs and answered at \p EndNs (CLOCK_MONOTONIC ns; EndNs 0:
  /// it timed out and may still run), on the Runtime API connection whose
  /// client port is \p ClientPort (0: unknown). Just before onInvocationEnd.
  virtual void onInvocationSpan(int EnvId, int64_t Index, int ClientPort,
                                uint64_t StartNs, uint64_t EndNs) {}

  /// Invocation \p Index ended; \p Invocation is its JSON entry.
  virtual void onInvocationEnd(int EnvId, int64_t Index,
                               nlohmann::json &Invocation) {}

  /// The environment's process is being ended with \p Sig: SIGTERM first
  /// when the cloud would send it (then SIGKILL again if it outlives the
  /// grace), else SIGKILL only. \p ShutdownEntry is its "shutdown" JSON
  /// entry; "exited_in_grace" is filled in after the SIGTERM hook returns.
  virtual void onShutdownSignal(int EnvId, int Sig,
                                nlohmann::json &ShutdownEntry) {}

  /// The environment's process is gone (reaped); \p Environment is its JSON
  /// entry in "environments".
  virtual void onEnvironmentEnd(int EnvId, nlohmann::json &Environment) {}

  /// The run is over; \p Run is the whole JSON document.
  virtual void onRunEnd(nlohmann::json &Run, std::ostream &Summary) {}

  /// The run was interrupted (a signal, an internal error) and ends now
  /// instead of with onRunEnd: every process is already killed. \p Run is
  /// the document written so far ("incomplete": true). Must be quick.
  virtual void onRunAborted(nlohmann::json &Run, const std::string &Reason) {}
};

/// Registers an observer for every later runCommand() in this process.
void addRunObserver(std::shared_ptr<RunObserver> Observer);

/// The observers registered so far.
const std::vector<std::shared_ptr<RunObserver>> &registeredRunObservers();

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_RUNOBSERVER_H
