//===- ShimObserver.cpp - libserverless-shim.so in `serverless-tidy run` --===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "ShimObserver.h"

#include "LedgerReader.h"
#include "ShimProtocol.h"

#include "Runtime/Cleanup.h"
#include "Runtime/RunOptions.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace serverless::shim {
namespace {

std::string findShim(std::string P) {
  if (!P.empty())
    return P;
  if (const char *E = getenv("SERVERLESS_SHIM_PATH"))
    return E;
#ifdef SERVERLESS_SHIM_BUILD_PATH
  if (access(SERVERLESS_SHIM_BUILD_PATH, R_OK) == 0)
    return SERVERLESS_SHIM_BUILD_PATH;
#endif
  char Self[PATH_MAX];
  ssize_t N = readlink("/proc/self/exe", Self, sizeof(Self) - 1);
  if (N > 0) {
    Self[N] = 0;
    auto Dir = std::filesystem::path(Self).parent_path();
    for (auto C : {Dir / "../lib/libserverless-shim.so", Dir / "libserverless-shim.so",
                   Dir / "../lib/Shim/libserverless-shim.so"})
      if (access(C.c_str(), R_OK) == 0)
        return std::filesystem::weakly_canonical(C).string();
  }
  return "";
}

void futexWake(uint32_t *A) { syscall(SYS_futex, A, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0); }

// The rings' directory: tmpfs (/dev/shm) when there is one -- pages written
// again and again never go to a disk -- else beside the ledger.
std::string makeRingDir(const std::string &EnvDir) {
  struct statfs F;
  if (statfs("/dev/shm", &F) == 0 && F.f_type == 0x01021994 /* TMPFS_MAGIC */ &&
      access("/dev/shm", W_OK) == 0) {
    std::string T = "/dev/shm/serverless-shim-ring-XXXXXX";
    if (mkdtemp(T.data()))
      return T;
  }
  std::string D = EnvDir + "/ring";
  std::error_code EC;
  std::filesystem::create_directory(D, EC);
  return EC ? "" : D;
}

} // namespace

ShimObserver::ShimObserver(std::string ShimPath) : Shim(findShim(std::move(ShimPath))) {}

ShimObserver::~ShimObserver() {
  for (auto &[Id, E] : Envs) {
    E.finishDrains();
    E.Drainers.clear();
    for (auto &R : E.RingDirs) {
      std::error_code EC;
      std::filesystem::remove_all(R, EC);
    }
    if (E.Ctl)
      munmap(E.Ctl, SHIM_CONTROL_SIZE);
    if (!E.Dir.empty() && !getenv("SERVERLESS_SHIM_KEEP")) {
      std::error_code EC;
      std::filesystem::remove_all(E.Dir, EC);
    }
  }
}

void ShimObserver::setState(Env &E, uint64_t State, int64_t DeadlineMs) {
  if (!E.Ctl)
    return;
  if (DeadlineMs >= 0)
    __atomic_store_n(&E.Ctl->deadline_unix_ms, DeadlineMs, __ATOMIC_RELEASE);
  __atomic_store_n(&E.Ctl->state, State, __ATOMIC_RELEASE);
  __atomic_fetch_add(&E.Ctl->seq, 1, __ATOMIC_ACQ_REL);
  futexWake(&E.Ctl->seq);
}

void ShimObserver::onEnvironmentSpawn(int EnvId, std::vector<std::string> &EnvVars) {
  if (Shim.empty())
    return;
  Env &E = Envs[EnvId];
  // $TMPDIR like any temporary file; removed however the run ends
  // (runtime::registerCleanupPath), unless SERVERLESS_SHIM_KEEP is set.
  const char *TmpDir = getenv("TMPDIR");
  std::string Tmpl = std::string(TmpDir && *TmpDir ? TmpDir : "/tmp") +
                     "/serverless-shim-XXXXXX";
  if (!mkdtemp(Tmpl.data()))
    return;
  E.Dir = Tmpl;
  if (!getenv("SERVERLESS_SHIM_KEEP"))
    runtime::registerCleanupPath(E.Dir);
  // A new process for this environment (first start, or re-init after a
  // reset) gets a fresh ledger directory and control page.
  E.Ledger = E.Dir + "/ledger";
  E.ControlPath = E.Dir + "/control";
  std::filesystem::create_directory(E.Ledger);
  int Fd = open(E.ControlPath.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (Fd < 0 || ftruncate(Fd, SHIM_CONTROL_SIZE) != 0) {
    if (Fd >= 0)
      close(Fd);
    return;
  }
  void *M = mmap(nullptr, SHIM_CONTROL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
  close(Fd);
  if (M == MAP_FAILED)
    return;
  E.Ctl = static_cast<ShimControl *>(M);
  E.Ctl->version = SHIM_PROTOCOL_VERSION;
  E.Ctl->capture_timeout_ms = 200;
  E.Ctl->auto_capture = 1;
  E.Ctl->state = SHIM_STATE(0, SHIM_PHASE_INIT);
  __atomic_store_n(&E.Ctl->magic, SHIM_CONTROL_MAGIC, __ATOMIC_RELEASE);
  E.Local = 0;
  E.Local2.clear();
  bool HadPreload = false;
  for (std::string &V : EnvVars)
    if (V.rfind("LD_PRELOAD=", 0) == 0) {
      V = "LD_PRELOAD=" + Shim + (V.size() > 11 ? ":" + V.substr(11) : "");
      HadPreload = true;
    }
  if (!HadPreload)
    EnvVars.push_back("LD_PRELOAD=" + Shim);
  EnvVars.push_back(std::string(SHIM_ENV_LEDGER) + "=" + E.Ledger);
  EnvVars.push_back(std::string(SHIM_ENV_CONTROL) + "=" + E.ControlPath);
  // Ring mode: the function writes a bounded ring this drainer empties while
  // it runs (its memory no longer grows with its records). SERVERLESS_SHIM_NO_RING=1:
  // the growing ledger file instead.
  // The environment's previous process (before a reset) is gone, and its
  // ledger directory is no longer read: its drainer's thread stops here.
  E.finishDrains();
  E.Drainers.clear();
  const char *NoRing = getenv("SERVERLESS_SHIM_NO_RING");
  if (!(NoRing && *NoRing && strcmp(NoRing, "0") != 0)) {
    std::string RingDir = makeRingDir(E.Dir);
    if (!RingDir.empty()) {
      if (RingDir.rfind("/dev/shm/", 0) == 0) {
        E.RingDirs.push_back(RingDir);
        if (!getenv("SERVERLESS_SHIM_KEEP"))
          runtime::registerCleanupPath(RingDir);
      }
      auto D = std::make_unique<RingDrainer>(RingDir, E.Ledger);
      if (D->ok()) {
        D->start();
        E.Drainers.push_back(std::move(D));
        EnvVars.push_back(std::string(SHIM_ENV_RING) + "=" + RingDir);
      }
    }
  }
}

void ShimObserver::onEnvironmentStarted(int EnvId, pid_t Pid) {
  auto It = Envs.find(EnvId);
  if (It != Envs.end())
    It->second.Pid = Pid;
}

void ShimObserver::onRunStart(const runtime::RunOptions &Opts, nlohmann::json &) {
  Concurrent = Opts.MaxConcurrency > 0;
  TimeoutMs = Opts.TimeoutMs;
}

void ShimObserver::onInvocationSpan(int EnvId, int64_t Index, int ClientPort, uint64_t StartNs,
                                    uint64_t EndNs) {
  auto It = Envs.find(EnvId);
  if (It == Envs.end())
    return;
  It->second.Spans.push_back({Index, It->second.Local2.find(Index), ClientPort,
                              StartNs, EndNs, StartNs + uint64_t(TimeoutMs) * 1000000});
}

void ShimObserver::onInvocationStart(int EnvId, int64_t Index, int64_t DeadlineMs) {
  auto It = Envs.find(EnvId);
  if (It == Envs.end())
    return;
  Env &E = It->second;
  ++E.Running;
  E.Local2.add(Index, ++E.Local);
  setState(E, SHIM_STATE(E.Local, SHIM_PHASE_INVOKE), DeadlineMs);
}

void ShimObserver::onDeadlinePassed(int EnvId, int64_t Index, pid_t) {
  auto It = Envs.find(EnvId);
  if (It == Envs.end())
    return;
  if (uint64_t L = It->second.Local2.find(Index))
    It->second.TimedOut.push_back(L);
  if (!It->second.Ctl)
    return;
  ShimControl *C = It->second.Ctl;
  uint32_t Req = __atomic_add_fetch(&C->capture_request, 1, __ATOMIC_ACQ_REL);
  __atomic_fetch_add(&C->seq, 1, __ATOMIC_ACQ_REL);
  futexWake(&C->seq);
  // Bounded: the capture itself waits at most capture_timeout_ms for threads.
  for (int I = 0; I < 100 && __atomic_load_n(&C->capture_done, __ATOMIC_ACQUIRE) != Req; ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void ShimObserver::onInvocationEnd(int EnvId, int64_t, nlohmann::json &) {
  auto It = Envs.find(EnvId);
  if (It == Envs.end())
    return;
  Env &E = It->second;
  // With --max-concurrency the page says INVOKE while any invocation runs
  // (records count for the latest started); shared sites go by thread.
  if (--E.Running > 0 && Concurrent)
    return;
  E.Running = 0;
  setState(E, SHIM_STATE(E.Local, SHIM_PHASE_IDLE));
  // The numbers are filled in once, at onRunEnd (or onRunAborted), from one
  // reading of the ledger: reading it after every invocation cost O(ledger)
  // per invocation and grew the emulator over long runs.
}

void ShimObserver::onShutdownSignal(int EnvId, int Sig, nlohmann::json &) {
  auto It = Envs.find(EnvId);
  if (It == Envs.end())
    return;
  Env &E = It->second;
  if (Sig == SIGTERM) {
    E.Sigterm = true;
    setState(E, SHIM_STATE(E.Local, SHIM_PHASE_SHUTDOWN));
  } else if (Sig == SIGKILL) {
    // SIGKILL alone (no extension) stays "at SIGKILL": the reader takes
    // what was open at the first signal either way.
    E.Sigkill = true;
    setState(E, SHIM_STATE(E.Local, SHIM_PHASE_KILLED));
  }
}

/// Copies the ledger's per-invocation numbers of environment \p EnvId into
/// the run document's invocation records (matched by the environment's
/// local invocation number).
template <typename EnvT, typename AnalysisT>
static void addInvocationNumbers(nlohmann::json &Run, int64_t EnvId, const EnvT &E,
                                 const AnalysisT &A) {
  for (auto &Inv : Run["invocations"]) {
    // A refused invocation (an event above the limit) has no environment.
    if (!Inv.is_object() || !Inv.contains("environment") || !Inv["environment"].is_number() ||
        Inv["environment"].template get<int64_t>() != EnvId || !Inv.contains("index"))
      continue;
    uint64_t L = E.Local2.find(Inv["index"].template get<int64_t>());
    if (!L)
      continue;
    auto J = A.invocationJson(L);
    if (J.is_object())
      for (auto &[K, V] : J.items())
        Inv[K] = V;
  }
}

void ShimObserver::onRunAborted(nlohmann::json &Run, const std::string &) {
  // Every process is dead already: per-invocation numbers only, no
  // symbolization (an interrupted run must end quickly).
  for (auto &[EnvId, E] : Envs) {
    if (E.Ledger.empty() || !Run.contains("invocations") || !Run["invocations"].is_array())
      continue;
    AnalysisOptions O;
    O.Symbolize = false;
    O.Invocations = E.Local;
    O.MainPid = E.Pid;
    O.TimedOut = E.TimedOut;
    E.finishDrains();
    auto A = analyzeLedgerDir(E.Ledger, O);
    if (!A)
      continue;
    addInvocationNumbers(Run, EnvId, E, *A);
  }
}

void ShimObserver::onRunEnd(nlohmann::json &Run, std::ostream &Summary) {
  // One report for K environments: an aggregate, then each environment's
  // lines, environments with identical lines given once.
  struct EnvResult {
    int EnvId = 0;
    std::vector<std::string> Lines;
    uint64_t Invocations = 0;
    double Growth = 0;
    bool Measured = false;
    int64_t Connections = 0, PeakOpen = -1;
  };
  std::vector<EnvResult> Results;
  nlohmann::json Evidence = nlohmann::json::array();
  for (auto &[EnvId, E] : Envs) {
    if (E.Ledger.empty())
      continue;
    AnalysisOptions O;
    O.Invocations = E.Local;
    O.MainPid = E.Pid;
    O.Sigterm = E.Sigterm;
    O.Sigkill = E.Sigkill;
    O.TimedOut = E.TimedOut;
    O.Spans = E.Spans;
    E.finishDrains(); // the processes are gone: the rings' last records
    std::string Err;
    auto A = analyzeLedgerDir(E.Ledger, O, &Err);
    EnvResult R;
    R.EnvId = EnvId;
    if (!A) {
      R.Lines.push_back(Err);
      Results.push_back(std::move(R));
      continue;
    }
    // "invocation N" in the summary is the run document's index.
    // Only the invocations a line names (not one map entry per invocation).
    auto Label = [&](uint64_t Local) {
      E.Local2.forEachLocal(Local, [&](int64_t Index) { A->IndexLabels[Local] = Index; });
    };
    for (auto &S : A->Invocations)
      if (S.TimedOut || !S.BlockedPastDeadline.empty())
        Label(S.Index);
    if (A->MainDropped)
      Label(A->LastCompleteInvocation);
    if (Run.contains("invocations") && Run["invocations"].is_array())
      addInvocationNumbers(Run, EnvId, E, *A);
    if (Run.contains("shutdown") && Run["shutdown"].is_array())
      for (auto &S : Run["shutdown"])
        if (S.is_object() && S.contains("environment") && S["environment"].is_number() &&
            S["environment"].get<int>() == EnvId) {
          auto J = A->shutdownJson();
          if (J.is_object())
            for (auto &[K, V] : J.items())
              S[K] = V;
        }
    Run["shim"] = Run.contains("shim") ? Run["shim"] : nlohmann::json::object();
    auto J = A->toJson(/*WithInvocations=*/false);
    J.erase("invocations");
    Run["shim"][std::to_string(EnvId)] = J;
    for (auto &Ev : A->evidence())
      Evidence.push_back({{"kind", Ev.Kind}, {"environment", EnvId}, {"text", Ev.Text}});
    R.Lines = A->summaryLines();
    R.Invocations = A->Invocations.size();
    R.Growth = A->FdsPerInvocation;
    R.Measured = A->GrowthMeasured;
    for (auto &S : A->Invocations) {
      R.Connections += int64_t(S.ConnectionsOpened.size());
      R.PeakOpen = std::max<int64_t>(R.PeakOpen, S.FdsOpenAfter);
    }
    Results.push_back(std::move(R));
  }
  // Evidence kinds for `run --fail-on` (RunCommand reads "evidence").
  if (!Results.empty())
    Run["evidence"] = Evidence;
  if (Results.size() == 1) {
    Summary << "shim (environment " << Results[0].EnvId << "):\n";
    for (auto &L : Results[0].Lines)
      Summary << "  " << L << "\n";
    return;
  }
  if (Results.empty())
    return;
  uint64_t Invs = 0;
  int64_t Conns = 0, Peak = -1;
  int PeakEnv = 0, Measured = 0;
  double GrowthSum = 0;
  uint64_t GrowthWeight = 0;
  for (auto &R : Results) {
    Invs += R.Invocations;
    Conns += R.Connections;
    if (R.PeakOpen > Peak) {
      Peak = R.PeakOpen;
      PeakEnv = R.EnvId;
    }
    if (R.Measured) {
      ++Measured;
      GrowthSum += R.Growth * double(R.Invocations);
      GrowthWeight += R.Invocations;
    }
  }
  char G[64];
  snprintf(G, sizeof G, "%+.1f", GrowthWeight ? GrowthSum / double(GrowthWeight) : 0.0);
  Summary << "shim (" << Results.size() << " environments, " << Invs << " invocations):\n";
  if (Measured)
    Summary << "  fd growth " << G << " fd/invocation (weighted mean over " << Measured << " of "
            << Results.size() << " environments with enough invocations)\n";
  else
    Summary << "  fd growth not measured: no environment had 2 invocations after warm-up without a timeout\n";
  Summary << "  " << Conns << " new connection" << (Conns == 1 ? "" : "s")
          << " opened in all (the Runtime API not counted)\n";
  if (Peak >= 0)
    Summary << "  peak " << Peak << " descriptors open after an invocation (environment " << PeakEnv << ")\n";
  // Per environment, identical line lists given once.
  std::vector<std::pair<std::vector<int>, const std::vector<std::string> *>> Groups;
  for (auto &R : Results) {
    bool Found = false;
    for (auto &Gr : Groups)
      if (*Gr.second == R.Lines) {
        Gr.first.push_back(R.EnvId);
        Found = true;
        break;
      }
    if (!Found)
      Groups.push_back({{R.EnvId}, &R.Lines});
  }
  for (auto &Gr : Groups) {
    std::string Ids;
    for (int Id : Gr.first)
      Ids += (Ids.empty() ? "" : ", ") + std::to_string(Id);
    Summary << "  " << (Gr.first.size() == 1 ? "environment " : "environments ") << Ids
            << (Groups.size() == 1 ? " (all alike)" : "") << ":\n";
    for (auto &L : *Gr.second)
      Summary << "    " << L << "\n";
  }
}

std::shared_ptr<ShimObserver> registerShimObserver(bool Enabled) {
  const char *No = getenv("SERVERLESS_TIDY_NO_SHIM");
  if (!Enabled || (No && *No && strcmp(No, "0") != 0))
    return nullptr;
  auto O = std::make_shared<ShimObserver>();
  if (O->shimPath().empty())
    return nullptr;
  runtime::addRunObserver(O);
  return O;
}

} // namespace serverless::shim
