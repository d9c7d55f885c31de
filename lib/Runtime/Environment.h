//===- Environment.h - One execution environment's lifecycle ---*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// An environment slot runs its share of the invocations the way Lambda runs
// an execution environment: init on the first invocation (cold), then warm
// invocations with the process frozen in between, a reset (kill, re-init on
// the next invocation) after a timeout or crash, and the cloud's shutdown
// rules after the last invocation. With --concurrency K there are K slots,
// each on its own thread with its own Runtime API server.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_ENVIRONMENT_H
#define SERVERLESS_RUNTIME_ENVIRONMENT_H

#include "Runtime/Cgroups.h"
#include "Runtime/RunObserver.h"
#include "Runtime/RunOptions.h"
#include "Runtime/RunOutput.h"
#include "Runtime/RuntimeApiServer.h"
#include "Runtime/Serve.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace serverless::runtime {

/// What the environment threads share: options, methods, output, observers
/// and the JSON being built.
struct RunContext {
  const RunOptions &Opts;
  Cgroups &Groups;
  RunOutput &Out;
  std::vector<std::shared_ptr<RunObserver>> Observers;
  std::string FunctionArn;

  std::mutex ObserverMutex; // serializes every observer hook
  std::mutex JsonMutex;
  nlohmann::json Environments = nlohmann::json::array();
  nlohmann::json Invocations = nlohmann::json::array();
  nlohmann::json Shutdowns = nlohmann::json::array();
  // Per-invocation records are kept only for --json: a 10,000-invocation
  // run must not grow the emulator. The summary is computed from these
  // running totals either way.
  bool KeepRecords = true;
  std::map<std::string, int64_t> ByStatus;
  int64_t ColdStarts = 0, MaxMemoryMb = 0, Recorded = 0;
  double TotalDurationMs = 0;
  std::atomic<int> EnvCounter{0};
  std::atomic<int> LivePumps{0};
  // Invocations handed out and not finished when the run was interrupted.
  nlohmann::json InFlight = nlohmann::json::array();

  RunContext(const RunOptions &Opts, Cgroups &Groups, RunOutput &Out)
      : Opts(Opts), Groups(Groups), Out(Out) {}

  /// Asks the run to stop (signal, internal error): every wait of every
  /// environment returns, each environment kills its process tree, and the
  /// run writes what it saw, marked incomplete. The first reason wins.
  /// Callable from any thread; only sets flags and wakes waiters.
  void abort(const std::string &Reason, int ExitCode);
  bool aborting() const { return Aborting.load(); }
  std::string abortReason();
  int abortExitCode();
  /// Sleeps \p Ms unless the run is aborted; false when it was.
  bool sleepFor(int64_t Ms);
  void addServer(RuntimeApiServer *S);
  void removeServer(RuntimeApiServer *S);

  template <typename F> void notify(F &&Fn) {
    if (Observers.empty())
      return;
    std::lock_guard<std::mutex> L(ObserverMutex);
    for (auto &O : Observers)
      Fn(*O);
  }

private:
  std::atomic<bool> Aborting{false};
  std::mutex AbortMutex;
  std::condition_variable AbortCV;
  std::string AbortReason;
  int AbortExit = 0;
  std::vector<RuntimeApiServer *> Servers;
};

class EnvironmentSlot {
public:
  EnvironmentSlot(int Slot, RunContext &Ctx);
  ~EnvironmentSlot();
  bool start(std::string &Error);
  /// Runs the invocations with these (run-wide, 0-based) indices, then shuts
  /// the environment down.
  void run(const std::vector<int64_t> &Indices);
  /// run --serve: takes jobs until the queue is closed and drained, answers
  /// each, then shuts the environment down.
  void serve(ServeQueue &Q);

private:
  struct Process;
  struct LaneState;

  /// --max-concurrency N (Lambda Managed Instances): N lanes share this
  /// environment's process, each running one invocation at a time, from
  /// \p Indices or (run --serve) from \p Q.
  void runLanes(const std::vector<int64_t> *Indices, ServeQueue *Q);
  /// One invocation on a lane; false when the run is being interrupted.
  bool laneOne(int64_t Index, ServeJob *Job);
  /// The invocation itself. \p EndedBy: the process ended (crash, oom,
  /// exit) or is unusable (no-worker); \p Retry: it never started (the
  /// process died while the invocation waited for a worker) and, as
  /// \p MayRetry allows, goes to the next process; else it fails with it.
  bool invokeConcurrent(int64_t Index, bool Cold, ServeJob *Job,
                        std::string &EndedBy, bool &Retry, bool MayRetry);
  /// Ends the process after a failure, as a reset does.
  void resetAfter(const std::string &EndedBy);

  bool spawnAndInit(int64_t Index, nlohmann::json &Failed,
                    bool Suppressed = false);
  void invoke(int64_t Index, bool Cold, bool Suppressed = false,
              ServeJob *Job = nullptr);
  /// One invocation (init first when there is no process); false when the
  /// run is being interrupted.
  bool runOne(int64_t Index, ServeJob *Job);
  /// The invocation's numbers, a --serve caller's answer, the log lines.
  void report(nlohmann::json &Inv, const std::string &RequestId,
              const std::string &Status, const std::string &ErrorType,
              const std::string &ErrorMessage, double Duration, bool Cold,
              bool Suppressed, const InvocationOutcome &Outcome, ServeJob *Job);
  bool refuseOversize(int64_t Index, ServeJob *Job);
  void recordInitFailure(int64_t Index, nlohmann::json &Failed, bool Suppressed,
                         ServeJob *Job);
  void freeze();
  void thaw();
  /// SIGKILLs the process group (and cgroup), reaps, and records the end.
  void kill(const std::string &EndedBy);
  /// The cloud's shutdown: at the end of the run (reason "spindown") and,
  /// with extensions registered, on a reset after a timeout ("timeout") or
  /// a failure ("failure"). Ends the process with \p EndedBy.
  void shutdown(const std::string &Reason = "spindown",
                const std::string &EndedBy = "shutdown");
  /// The pid of the process holding the Runtime API connection (the
  /// runtime; a wrapper bootstrap's child), or the spawned pid.
  pid_t runtimeApiHolder();
  void finishProcess(const std::string &EndedBy);
  /// The run is being interrupted: \p P dies with its whole tree.
  void interrupted();
  bool sampleMemory(); // RSS fallback; true when over the limit (killed)
  int64_t maxMemoryMb();
  void record(nlohmann::json Invocation);

  int Slot;
  RunContext &Ctx;
  // The slot's previous process ended other than by a spin-down (timeout,
  // crash, OOM, exit, failed init): the next init is the cloud's
  // "suppressed init", inside the invocation and its timeout.
  bool NextInitSuppressed = false;
  RuntimeApiServer Server;
  std::unique_ptr<Process> P;
  std::unique_ptr<LaneState> Lanes;
  std::mutex SampleMutex; // memory sampling from several lanes
};

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_ENVIRONMENT_H
