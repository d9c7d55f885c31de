//===- Cleanup.cpp - Nothing left behind, however the run ends ------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/Cleanup.h"
#include "Runtime/Cgroups.h"
#include "Runtime/Text.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace serverless::runtime {

namespace {

std::mutex PathsM;
std::vector<std::string> &paths() {
  static auto *P = new std::vector<std::string>(); // outlives static dtors
  return *P;
}

std::atomic<Cgroups *> RunGroups{nullptr};

std::mutex HandlerM;
std::function<void(int)> &handler() {
  static auto *H = new std::function<void(int)>();
  return *H;
}
std::string &jsonPath() {
  static auto *P = new std::string();
  return *P;
}
std::atomic<int> JsonState{0}; // 0 unclaimed, 1 being written, 2 written
std::atomic<int> FirstSignal{0};
std::atomic<bool> EmergencyStarted{false};

void removeTree(const std::string &P) {
  std::error_code EC;
  std::filesystem::remove_all(P, EC);
}

void writeErr(const std::string &S) {
  const char *P = S.data();
  size_t N = S.size();
  while (N) {
    ssize_t W = ::write(2, P, N);
    if (W <= 0)
      return;
    P += W;
    N -= static_cast<size_t>(W);
  }
}

/// (state, ppid) of every process, from /proc/<pid>/stat.
std::unordered_map<pid_t, pid_t> liveParents() {
  std::unordered_map<pid_t, pid_t> Parent;
  DIR *D = ::opendir("/proc");
  if (!D)
    return Parent;
  while (dirent *E = ::readdir(D)) {
    pid_t P = std::atoi(E->d_name);
    if (P <= 0)
      continue;
    char Path[64], Buf[512];
    std::snprintf(Path, sizeof Path, "/proc/%d/stat", P);
    int Fd = ::open(Path, O_RDONLY | O_CLOEXEC);
    if (Fd < 0)
      continue;
    ssize_t N = ::read(Fd, Buf, sizeof Buf - 1);
    ::close(Fd);
    if (N <= 0)
      continue;
    Buf[N] = 0;
    char *RP = std::strrchr(Buf, ')');
    if (!RP || RP[1] != ' ')
      continue;
    char State = RP[2];
    int PPid = std::atoi(RP + 4);
    if (State != 'Z' && State != 'X')
      Parent[P] = PPid;
  }
  ::closedir(D);
  return Parent;
}

void writeMinimalJson(const std::string &Reason, int ExitCode) {
  std::string Path;
  {
    std::unique_lock<std::mutex> L(HandlerM, std::try_to_lock);
    if (!L.owns_lock())
      return;
    Path = jsonPath();
  }
  if (Path.empty() || !claimJsonOutput())
    return;
  struct Done {
    ~Done() { jsonOutputDone(); }
  } D;
  std::string Doc = dumpJson({{"schema", "serverless-tidy-run/1"},
                              {"incomplete", true},
                              {"incomplete_reason", Reason},
                              {"environments", nlohmann::json::array()},
                              {"invocations", nlohmann::json::array()},
                              {"shutdown", nlohmann::json::array()},
                              {"exit_code", ExitCode}},
                             2) +
                    "\n";
  int Fd = ::open(Path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (Fd < 0)
    return;
  (void)!::write(Fd, Doc.data(), Doc.size());
  ::close(Fd);
}

void emergency(const std::string &Reason, int ExitCode) {
  if (EmergencyStarted.exchange(true)) {
    // Another thread is at it; it exits the process when done.
    std::this_thread::sleep_for(std::chrono::seconds(5));
    ::_exit(ExitCode);
  }
  emergencyCleanup(Reason, ExitCode);
  ::_exit(ExitCode);
}

void signalLoop(sigset_t Set) {
  for (;;) {
    int Sig = 0;
    if (::sigwait(&Set, &Sig) != 0)
      continue;
    int First = FirstSignal.load();
    bool Handled = false;
    if (First == 0) {
      // Called under the lock: setInterruptHandler() (the run ending) waits
      // for a call in progress, so the handler never outlives its run.
      std::lock_guard<std::mutex> L(HandlerM);
      if (handler()) {
        FirstSignal = Sig;
        try {
          handler()(Sig);
          Handled = true;
        } catch (...) {
        }
      }
    }
    if (Handled) {
      // The run ends in order; if it has not within 10 s, the last resort.
      try {
        std::thread([Sig] {
          std::this_thread::sleep_for(std::chrono::seconds(10));
          writeErr("serverless-tidy run: the run did not end within 10 s of " +
                   signalName(Sig) + "; killing everything\n");
          emergency("interrupted by " + signalName(Sig) +
                        " (the run did not end in time)",
                    128 + Sig);
        }).detach();
      } catch (...) {
      }
      continue;
    }
    int Code = 128 + (First ? First : Sig);
    writeErr("serverless-tidy run: interrupted by " + signalName(Sig) +
             (First ? " again" : "") +
             "; killing every function process now\n");
    emergency("interrupted by " + signalName(Sig), Code);
  }
}

[[noreturn]] void onTerminate() {
  std::string What = "std::terminate called";
  try {
    if (auto E = std::current_exception())
      std::rethrow_exception(E);
  } catch (const std::exception &X) {
    What = X.what();
  } catch (...) {
    What = "unknown exception";
  }
  writeErr("serverless-tidy run: internal error: " + printable(What) +
           "; every function process was killed\n");
  emergency("internal error: " + What, 3);
  ::_exit(3);
}

} // namespace

std::string signalName(int Sig) {
  switch (Sig) {
  case SIGINT:
    return "SIGINT";
  case SIGTERM:
    return "SIGTERM";
  case SIGHUP:
    return "SIGHUP";
  case SIGQUIT:
    return "SIGQUIT";
  default:
    return "signal " + std::to_string(Sig);
  }
}

void registerCleanupPath(const std::string &Path) {
  std::lock_guard<std::mutex> L(PathsM);
  paths().push_back(Path);
}

void removeCleanupPaths() {
  // Under the lock: the last resort waits for a removal in progress instead
  // of exiting in its middle.
  std::lock_guard<std::mutex> L(PathsM);
  for (const auto &P : paths())
    removeTree(P);
  paths().clear();
}

void registerRunCgroups(Cgroups *G) { RunGroups = G; }

int killDescendants() {
  pid_t Self = ::getpid();
  int Total = 0;
  for (int Round = 0; Round < 50; ++Round) {
    auto Parent = liveParents();
    std::vector<pid_t> Ds;
    for (auto &[P, PP] : Parent) {
      pid_t Q = P;
      for (int Depth = 0; Depth < 128; ++Depth) {
        auto It = Parent.find(Q);
        if (It == Parent.end())
          break;
        Q = It->second;
        if (Q == Self) {
          Ds.push_back(P);
          break;
        }
      }
    }
    if (Ds.empty())
      break;
    for (pid_t P : Ds)
      ::kill(P, SIGKILL);
    Total += static_cast<int>(Ds.size());
    // Let the killed die (and a racing fork show its child) before looking
    // again.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Total;
}

void emergencyCleanup(const std::string &Reason, int ExitCode) {
  Cgroups *G = RunGroups.load();
  if (G)
    G->killEverything();
  killDescendants();
  if (G)
    G->removeEverything();
  {
    std::unique_lock<std::mutex> L(PathsM, std::defer_lock);
    for (int I = 0; I < 300 && !L.try_lock(); ++I)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (const auto &P : paths())
      removeTree(P); // without the lock after 3 s: better than leaving them
    if (L.owns_lock())
      paths().clear();
  }
  writeMinimalJson(Reason, ExitCode);
  // The run may be writing its own document: let it finish (bounded).
  for (int I = 0; I < 300 && JsonState.load() == 1; ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void setInterruptHandler(std::function<void(int Sig)> OnSignal,
                         const std::string &JsonPath) {
  static std::once_flag Once;
  {
    std::lock_guard<std::mutex> L(HandlerM);
    handler() = std::move(OnSignal);
    jsonPath() = JsonPath;
  }
  std::call_once(Once, [] {
    sigset_t Set;
    sigemptyset(&Set);
    sigaddset(&Set, SIGINT);
    sigaddset(&Set, SIGTERM);
    sigaddset(&Set, SIGHUP);
    // Blocked here, so in every thread started from now on; only the
    // signal thread takes them (sigwait).
    ::pthread_sigmask(SIG_BLOCK, &Set, nullptr);
    std::thread([Set] { signalLoop(Set); }).detach();
    std::set_terminate(onTerminate);
  });
}

bool claimJsonOutput() {
  int Expected = 0;
  return JsonState.compare_exchange_strong(Expected, 1);
}

void jsonOutputDone() { JsonState = 2; }

} // namespace serverless::runtime
