//===- ShimObserver.h - libserverless-shim.so in `serverless-tidy run` ----===//
//
// Part of serverless-tidy. A RunObserver (lib/Runtime/RunObserver.h) that
// injects the shim into each environment's process, writes the invocation
// boundaries into its control page (lib/Runtime/ShimProtocol.h), asks for
// every thread's stack when a deadline passes, and adds the ledger's numbers
// to the run's JSON once the run is over (per invocation: fds_opened,
// fds_closed, fds_open_after, connections_opened, dns_lookups,
// blocked_past_deadline; per shutdown entry: open_fds, open_fds_at_sigkill)
// and to the terminal summary.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_SHIM_SHIMOBSERVER_H
#define SERVERLESS_SHIM_SHIMOBSERVER_H

#include "LedgerDrain.h"
#include "LedgerReader.h"
#include "RunObserver.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct ShimControl;

namespace serverless::shim {

/// Run-wide invocation index -> the process's local invocation number, as
/// runs of consecutive pairs: one environment serving one invocation after
/// another is a single run however many invocations (RSS flat over long
/// runs; a std::map node per invocation was +64 bytes each).
class IndexMap {
public:
  void clear() { Runs.clear(); }
  void add(int64_t Index, uint64_t Local) {
    if (!Runs.empty()) {
      Run &B = Runs.back();
      if (Index == B.Index + int64_t(B.Count) && Local == B.Local + B.Count) {
        ++B.Count;
        return;
      }
    }
    Runs.push_back({Index, Local, 1});
  }
  /// The local number of \p Index, 0 if none.
  uint64_t find(int64_t Index) const {
    // Indices only grow within an environment's process: runs are sorted.
    auto It = std::upper_bound(Runs.begin(), Runs.end(), Index,
                               [](int64_t I, const Run &R) { return I < R.Index; });
    if (It == Runs.begin())
      return 0;
    --It;
    return Index < It->Index + int64_t(It->Count) ? It->Local + uint64_t(Index - It->Index) : 0;
  }
  /// Calls F(index) for the run-wide index of local number \p Local.
  template <typename Fn> void forEachLocal(uint64_t Local, Fn F) const {
    for (const Run &R : Runs)
      if (Local >= R.Local && Local < R.Local + R.Count)
        F(R.Index + int64_t(Local - R.Local));
  }

private:
  struct Run {
    int64_t Index;
    uint64_t Local, Count;
  };
  std::vector<Run> Runs;
};

class ShimObserver : public runtime::RunObserver {
public:
  /// \p ShimPath: the .so to preload; empty = SERVERLESS_SHIM_PATH, else the
  /// build tree's, else <exe dir>/../lib/libserverless-shim.so.
  explicit ShimObserver(std::string ShimPath = "");
  ~ShimObserver() override;

  void onEnvironmentSpawn(int EnvId, std::vector<std::string> &EnvVars) override;
  void onEnvironmentStarted(int EnvId, pid_t Pid) override;
  void onRunStart(const runtime::RunOptions &Opts, nlohmann::json &Config) override;
  void onInvocationStart(int EnvId, int64_t Index, int64_t DeadlineMs) override;
  void onInvocationSpan(int EnvId, int64_t Index, int ClientPort, uint64_t StartNs,
                        uint64_t EndNs) override;
  void onDeadlinePassed(int EnvId, int64_t Index, pid_t Pid) override;
  void onInvocationEnd(int EnvId, int64_t Index, nlohmann::json &Invocation) override;
  void onShutdownSignal(int EnvId, int Sig, nlohmann::json &ShutdownEntry) override;
  void onRunEnd(nlohmann::json &Run, std::ostream &Summary) override;
  void onRunAborted(nlohmann::json &Run, const std::string &Reason) override;

  const std::string &shimPath() const { return Shim; }

private:
  struct Env {
    std::string Dir, Ledger, ControlPath;
    ShimControl *Ctl = nullptr;
    pid_t Pid = 0;
    uint64_t Local = 0;                 // 1-based invocation count in this process
    IndexMap Local2;                    // run-wide index -> local index
    bool Sigterm = false, Sigkill = false;
    std::vector<uint64_t> TimedOut;     // local indices whose deadline passed
    int Fd = -1;
    int Running = 0;                    // --max-concurrency: invocations in flight
    std::vector<InvocationSpan> Spans;  // --max-concurrency: for shared sites
    // Ring mode (ShimProtocol.h): one drainer per process started for the
    // environment, emptying its rings into Ledger while it runs.
    std::vector<std::unique_ptr<RingDrainer>> Drainers;
    std::vector<std::string> RingDirs;
    void finishDrains() {
      for (auto &D : Drainers)
        D->finish();
    }
  };
  bool Concurrent = false; // run --max-concurrency
  int64_t TimeoutMs = 0;
  void setState(Env &E, uint64_t State, int64_t DeadlineMs = -1);
  std::string Shim;
  std::map<int, Env> Envs;
};

/// Registers a ShimObserver unless SERVERLESS_TIDY_NO_SHIM=1 (what `run
/// --no-shim` should set/skip) or no shim library is found. Returns it.
std::shared_ptr<ShimObserver> registerShimObserver(bool Enabled = true);

} // namespace serverless::shim

#endif
