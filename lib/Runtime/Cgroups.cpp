//===- Cgroups.cpp - Freezer and memory cgroups for environments ----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/Cgroups.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace serverless::runtime {

namespace {

const char *V1Base = "/sys/fs/cgroup";
const char *V2Unified = "/sys/fs/cgroup/unified";

bool writeFile(const std::string &Path, const std::string &Value) {
  int Fd = ::open(Path.c_str(), O_WRONLY | O_CLOEXEC);
  if (Fd < 0)
    return false;
  ssize_t N = ::write(Fd, Value.data(), Value.size());
  ::close(Fd);
  return N == static_cast<ssize_t>(Value.size());
}

std::string readFile(const std::string &Path) {
  std::ifstream In(Path);
  std::stringstream SS;
  SS << In.rdbuf();
  return SS.str();
}

bool exists(const std::string &Path) { return ::access(Path.c_str(), F_OK) == 0; }

/// The emulator's own group in \p Controller ("" = the v2 hierarchy).
std::string ownGroup(const std::string &Controller) {
  std::ifstream In("/proc/self/cgroup");
  std::string Line;
  while (std::getline(In, Line)) {
    // hierarchy-ID:controller-list:path
    auto A = Line.find(':');
    auto B = Line.find(':', A + 1);
    if (A == std::string::npos || B == std::string::npos)
      continue;
    std::string List = Line.substr(A + 1, B - A - 1);
    std::string Path = Line.substr(B + 1);
    if (Controller.empty()) {
      if (Line.compare(0, 2, "0:") == 0 && List.empty())
        return Path;
      continue;
    }
    std::stringstream SS(List);
    std::string C;
    while (std::getline(SS, C, ','))
      if (C == Controller)
        return Path;
  }
  return "/";
}

std::string join(const std::string &A, const std::string &B) {
  if (B == "/" || B.empty())
    return A;
  return A + B;
}

/// Creates the per-run parent \p Dir under \p Parent; false if not writable.
bool makeRunGroup(const std::string &Parent, std::string &Dir) {
  if (!exists(Parent))
    return false;
  Dir = Parent + "/serverless-tidy-" + std::to_string(::getpid());
  if (::mkdir(Dir.c_str(), 0755) != 0 && errno != EEXIST)
    return false;
  return true;
}

bool v2HasController(const std::string &Dir, const std::string &C) {
  std::stringstream SS(readFile(Dir + "/cgroup.controllers"));
  std::string W;
  while (SS >> W)
    if (W == C)
      return true;
  return false;
}

int64_t readInt(const std::string &Path) {
  std::string S = readFile(Path);
  if (S.empty())
    return -1;
  return std::strtoll(S.c_str(), nullptr, 10);
}

int64_t readKey(const std::string &Path, const std::string &Key) {
  std::stringstream SS(readFile(Path));
  std::string K;
  int64_t V;
  while (SS >> K >> V)
    if (K == Key)
      return V;
  return -1;
}

template <typename Pred> bool pollUntil(Pred P) {
  // Freezing a few tasks takes well under a millisecond; a second bounds a
  // task stuck in an uninterruptible sleep.
  for (int I = 0; I < 10000; ++I) {
    if (P())
      return true;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return false;
}

} // namespace

const char *Cgroups::name(FreezeMethod M) {
  switch (M) {
  case FreezeMethod::CgroupV2:
    return "cgroup-v2";
  case FreezeMethod::CgroupV1:
    return "cgroup-v1";
  case FreezeMethod::SigStop:
    return "sigstop";
  case FreezeMethod::None:
  case FreezeMethod::Auto:
    return "none";
  }
  return "none";
}

const char *Cgroups::name(MemoryMethod M) {
  switch (M) {
  case MemoryMethod::CgroupV2:
    return "cgroup-v2";
  case MemoryMethod::CgroupV1:
    return "cgroup-v1";
  case MemoryMethod::Rss:
    return "rss-sampling";
  case MemoryMethod::None:
  case MemoryMethod::Auto:
    return "none";
  }
  return "none";
}

bool Cgroups::setup(FreezeMethod WantFreeze, MemoryMethod WantMemory,
                    std::string &Error) {
  std::string V2Parent = join(V2Unified, ownGroup(""));
  std::string V2Run;
  bool V2Ok = false;
  auto NeedV2 = [&]() {
    if (!V2Run.empty())
      return V2Ok;
    V2Ok = exists(V2Parent + "/cgroup.procs") && makeRunGroup(V2Parent, V2Run);
    if (!V2Ok)
      V2Run = "-";
    return V2Ok;
  };

  // Freeze.
  auto TryV2Freeze = [&]() {
    if (!NeedV2())
      return false;
    // cgroup.freeze exists only in non-root v2 groups.
    if (!exists(V2Run + "/cgroup.freeze"))
      return false;
    FreezeRoot = V2Run;
    Freeze = FreezeMethod::CgroupV2;
    return true;
  };
  auto TryV1Freeze = [&]() {
    std::string Parent =
        join(std::string(V1Base) + "/freezer", ownGroup("freezer"));
    std::string Dir;
    if (!exists(Parent + "/freezer.state") && !exists(Parent + "/cgroup.procs"))
      return false;
    if (!makeRunGroup(Parent, Dir))
      return false;
    FreezeRoot = Dir;
    Freeze = FreezeMethod::CgroupV1;
    return true;
  };
  switch (WantFreeze) {
  case FreezeMethod::Auto:
    if (!TryV2Freeze() && !TryV1Freeze())
      Freeze = FreezeMethod::SigStop;
    break;
  case FreezeMethod::CgroupV2:
    if (!TryV2Freeze()) {
      Error = "--freeze=cgroup-v2: no writable cgroup v2 with cgroup.freeze";
      return false;
    }
    break;
  case FreezeMethod::CgroupV1:
    if (!TryV1Freeze()) {
      Error = "--freeze=cgroup-v1: no writable v1 freezer hierarchy";
      return false;
    }
    break;
  case FreezeMethod::SigStop:
  case FreezeMethod::None:
    Freeze = WantFreeze;
    break;
  }

  // Memory.
  auto TryV2Memory = [&]() {
    if (!NeedV2() || !v2HasController(V2Parent, "memory"))
      return false;
    // The controller must be delegated to our run group's children.
    writeFile(V2Parent + "/cgroup.subtree_control", "+memory");
    if (!writeFile(V2Run + "/cgroup.subtree_control", "+memory"))
      return false;
    MemoryRoot = V2Run;
    Memory = MemoryMethod::CgroupV2;
    return true;
  };
  auto TryV1Memory = [&]() {
    std::string Parent =
        join(std::string(V1Base) + "/memory", ownGroup("memory"));
    std::string Dir;
    if (!exists(Parent + "/memory.limit_in_bytes"))
      return false;
    if (!makeRunGroup(Parent, Dir))
      return false;
    MemoryRoot = Dir;
    Memory = MemoryMethod::CgroupV1;
    return true;
  };
  switch (WantMemory) {
  case MemoryMethod::Auto:
    if (!TryV2Memory() && !TryV1Memory())
      Memory = MemoryMethod::Rss;
    break;
  case MemoryMethod::CgroupV2:
    if (!TryV2Memory()) {
      Error = "--memory-method=cgroup-v2: no writable v2 memory controller";
      return false;
    }
    break;
  case MemoryMethod::CgroupV1:
    if (!TryV1Memory()) {
      Error = "--memory-method=cgroup-v1: no writable v1 memory hierarchy";
      return false;
    }
    break;
  case MemoryMethod::Rss:
  case MemoryMethod::None:
    Memory = WantMemory;
    break;
  }
  SameV2Group = Freeze == FreezeMethod::CgroupV2 && Memory == MemoryMethod::CgroupV2;
  if (V2Ok && Freeze != FreezeMethod::CgroupV2 && Memory != MemoryMethod::CgroupV2)
    ::rmdir(V2Run.c_str());
  return true;
}

Cgroups::~Cgroups() {
  if (!FreezeRoot.empty())
    ::rmdir(FreezeRoot.c_str());
  if (!MemoryRoot.empty() && MemoryRoot != FreezeRoot)
    ::rmdir(MemoryRoot.c_str());
}

bool Cgroups::create(const std::string &Leaf, int64_t LimitBytes,
                     EnvCgroup &Out, std::string &Error) {
  Out = EnvCgroup();
  if (!FreezeRoot.empty()) {
    Out.FreezeDir = FreezeRoot + "/" + Leaf;
    if (::mkdir(Out.FreezeDir.c_str(), 0755) != 0 && errno != EEXIST) {
      Error = "cannot create " + Out.FreezeDir + ": " + std::strerror(errno);
      return false;
    }
    Out.ProcsFiles.push_back(Out.FreezeDir + "/cgroup.procs");
  }
  if (!MemoryRoot.empty()) {
    Out.MemoryDir = MemoryRoot + "/" + Leaf;
    if (Out.MemoryDir != Out.FreezeDir) {
      if (::mkdir(Out.MemoryDir.c_str(), 0755) != 0 && errno != EEXIST) {
        Error = "cannot create " + Out.MemoryDir + ": " + std::strerror(errno);
        return false;
      }
      Out.ProcsFiles.push_back(Out.MemoryDir + "/cgroup.procs");
    }
    std::string Limit = std::to_string(LimitBytes);
    if (Memory == MemoryMethod::CgroupV2) {
      writeFile(Out.MemoryDir + "/memory.swap.max", "0");
      if (!writeFile(Out.MemoryDir + "/memory.max", Limit)) {
        Error = "cannot set memory.max in " + Out.MemoryDir;
        return false;
      }
    } else {
      // No swap: Lambda has none, and a swapping function would dodge the
      // OOM kill the cloud gives it.
      writeFile(Out.MemoryDir + "/memory.swappiness", "0");
      if (!writeFile(Out.MemoryDir + "/memory.limit_in_bytes", Limit)) {
        Error = "cannot set memory.limit_in_bytes in " + Out.MemoryDir;
        return false;
      }
      writeFile(Out.MemoryDir + "/memory.memsw.limit_in_bytes", Limit);
    }
  }
  return true;
}

void Cgroups::remove(EnvCgroup &G) {
  // rmdir fails while a (dying) task is still accounted; retry briefly.
  for (const std::string *Dir : {&G.FreezeDir, &G.MemoryDir}) {
    if (Dir->empty())
      continue;
    pollUntil([&] { return ::rmdir(Dir->c_str()) == 0 || errno == ENOENT; });
  }
  G = EnvCgroup();
}

bool Cgroups::freeze(const EnvCgroup &G) {
  if (G.FreezeDir.empty())
    return false;
  if (Freeze == FreezeMethod::CgroupV2) {
    if (!writeFile(G.FreezeDir + "/cgroup.freeze", "1"))
      return false;
    return pollUntil([&] { return readKey(G.FreezeDir + "/cgroup.events", "frozen") == 1; });
  }
  if (!writeFile(G.FreezeDir + "/freezer.state", "FROZEN"))
    return false;
  return pollUntil([&] {
    return readFile(G.FreezeDir + "/freezer.state").rfind("FROZEN", 0) == 0;
  });
}

bool Cgroups::thaw(const EnvCgroup &G) {
  if (G.FreezeDir.empty())
    return false;
  if (Freeze == FreezeMethod::CgroupV2) {
    if (!writeFile(G.FreezeDir + "/cgroup.freeze", "0"))
      return false;
    return pollUntil([&] { return readKey(G.FreezeDir + "/cgroup.events", "frozen") == 0; });
  }
  if (!writeFile(G.FreezeDir + "/freezer.state", "THAWED"))
    return false;
  return pollUntil([&] {
    return readFile(G.FreezeDir + "/freezer.state").rfind("THAWED", 0) == 0;
  });
}

int64_t Cgroups::peakBytes(const EnvCgroup &G) const {
  if (G.MemoryDir.empty())
    return -1;
  if (Memory == MemoryMethod::CgroupV2)
    return readInt(G.MemoryDir + "/memory.peak");
  return readInt(G.MemoryDir + "/memory.max_usage_in_bytes");
}

int64_t Cgroups::oomKills(const EnvCgroup &G) const {
  if (G.MemoryDir.empty())
    return 0;
  if (Memory == MemoryMethod::CgroupV2)
    return readKey(G.MemoryDir + "/memory.events", "oom_kill");
  int64_t V = readKey(G.MemoryDir + "/memory.oom_control", "oom_kill");
  return V < 0 ? 0 : V;
}

std::vector<pid_t> Cgroups::pids(const EnvCgroup &G) const {
  std::vector<pid_t> Out;
  for (const std::string &Dir : {G.FreezeDir, G.MemoryDir}) {
    if (Dir.empty())
      continue;
    std::stringstream SS(readFile(Dir + "/cgroup.procs"));
    pid_t P;
    while (SS >> P)
      Out.push_back(P);
  }
  return Out;
}

void Cgroups::killAll(const EnvCgroup &G) {
  if (Freeze == FreezeMethod::CgroupV2 && !G.FreezeDir.empty() &&
      writeFile(G.FreezeDir + "/cgroup.kill", "1"))
    return;
  for (pid_t P : pids(G))
    ::kill(P, SIGKILL);
  // A v1-frozen task keeps a pending SIGKILL until it is thawed.
  if (Freeze == FreezeMethod::CgroupV1 && !G.FreezeDir.empty())
    writeFile(G.FreezeDir + "/freezer.state", "THAWED");
}

void Cgroups::thawAll() {
  if (FreezeRoot.empty())
    return;
  DIR *D = ::opendir(FreezeRoot.c_str());
  if (!D)
    return;
  while (dirent *E = ::readdir(D)) {
    if (E->d_name[0] == '.')
      continue;
    std::string Dir = FreezeRoot + "/" + E->d_name;
    if (Freeze == FreezeMethod::CgroupV2)
      writeFile(Dir + "/cgroup.freeze", "0");
    else
      writeFile(Dir + "/freezer.state", "THAWED");
  }
  ::closedir(D);
}

namespace {
std::vector<std::string> leavesOf(const std::string &Root) {
  std::vector<std::string> Out;
  if (Root.empty())
    return Out;
  DIR *D = ::opendir(Root.c_str());
  if (!D)
    return Out;
  while (dirent *E = ::readdir(D))
    if (E->d_name[0] != '.' && E->d_type == DT_DIR)
      Out.push_back(Root + "/" + E->d_name);
  ::closedir(D);
  return Out;
}
} // namespace

void Cgroups::killEverything() {
  for (const std::string *Root : {&FreezeRoot, &MemoryRoot}) {
    for (const auto &Dir : leavesOf(*Root)) {
      writeFile(Dir + "/cgroup.kill", "1");
      std::stringstream SS(readFile(Dir + "/cgroup.procs"));
      pid_t P;
      while (SS >> P)
        ::kill(P, SIGKILL);
      if (Freeze == FreezeMethod::CgroupV2 && *Root == FreezeRoot)
        writeFile(Dir + "/cgroup.freeze", "0");
      if (Freeze == FreezeMethod::CgroupV1 && *Root == FreezeRoot)
        writeFile(Dir + "/freezer.state", "THAWED");
    }
  }
}

void Cgroups::removeEverything() {
  auto End = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (const std::string *Root : {&FreezeRoot, &MemoryRoot}) {
    for (const auto &Dir : leavesOf(*Root))
      while (::rmdir(Dir.c_str()) != 0 && errno != ENOENT &&
             std::chrono::steady_clock::now() < End)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (!Root->empty())
      ::rmdir(Root->c_str());
  }
}

} // namespace serverless::runtime
