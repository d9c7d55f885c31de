//===- Supervisor.cpp - Spawning, reaping and killing functions -----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/Supervisor.h"

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace serverless::runtime {

namespace {

/// Owns waitpid(-1). Spawning holds the same mutex across fork() and the
/// registration, so a child that dies at once is still matched to its
/// callback.
class Reaper {
public:
  static Reaper &get() {
    static Reaper *R = new Reaper(); // never destroyed: the thread is detached
    return *R;
  }
  std::mutex M;
  std::condition_variable CV;
  std::map<pid_t, ExitCallback> Watched;
  unsigned Spawns = 0; // bumped on every fork

private:
  Reaper() {
    // Orphans of the function become our children instead of init's.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    std::thread([this] { loop(); }).detach();
  }
  void loop() {
    for (;;) {
      unsigned SeenSpawns;
      {
        std::lock_guard<std::mutex> L(M);
        SeenSpawns = Spawns;
      }
      int Status = 0;
      pid_t P = ::waitpid(-1, &Status, __WALL);
      if (P > 0) {
        std::lock_guard<std::mutex> L(M);
        auto It = Watched.find(P);
        if (It != Watched.end()) {
          ExitCallback CB = std::move(It->second);
          Watched.erase(It);
          CB(Status);
        }
        CV.notify_all();
        continue;
      }
      if (errno == EINTR)
        continue;
      // ECHILD: nothing to wait for until the next spawn.
      std::unique_lock<std::mutex> L(M);
      CV.wait_for(L, std::chrono::milliseconds(50),
                  [&] { return Spawns != SeenSpawns; });
    }
  }
};

void writeAll(int Fd, const char *S) {
  size_t N = std::strlen(S);
  while (N) {
    ssize_t W = ::write(Fd, S, N);
    if (W <= 0)
      return;
    S += W;
    N -= W;
  }
}

} // namespace

pid_t spawnFunction(const SpawnSpec &Spec, ExitCallback OnExit,
                    std::string &Error) {
  // Everything the child touches is prepared before fork(): after it only
  // async-signal-safe calls are allowed (the emulator is multi-threaded).
  std::vector<char *> Argv;
  Argv.push_back(const_cast<char *>(Spec.Path.c_str()));
  for (const auto &A : Spec.Args)
    Argv.push_back(const_cast<char *>(A.c_str()));
  Argv.push_back(nullptr);
  std::vector<char *> Envp;
  for (const auto &E : Spec.Env)
    Envp.push_back(const_cast<char *>(E.c_str()));
  Envp.push_back(nullptr);
  std::vector<const char *> Procs;
  for (const auto &P : Spec.CgroupProcsFiles)
    Procs.push_back(P.c_str());

  // exec failures come back through a close-on-exec pipe.
  int ErrPipe[2];
  if (::pipe2(ErrPipe, O_CLOEXEC) != 0) {
    Error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  Reaper &R = Reaper::get();
  pid_t Pid;
  {
    std::lock_guard<std::mutex> L(R.M);
    pid_t Parent = ::getpid();
    Pid = ::fork();
    if (Pid == 0) {
      ::setpgid(0, 0);
      // If the emulator dies without cleaning up (SIGKILL), so does the
      // function (the spawning thread outlives the process it spawns).
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != Parent)
        ::_exit(127);
      char Buf[32];
      int Len = 0;
      {
        char Tmp[16];
        int T = 0;
        for (pid_t Self = ::getpid(); Self; Self /= 10)
          Tmp[T++] = static_cast<char>('0' + Self % 10);
        while (T)
          Buf[Len++] = Tmp[--T];
        Buf[Len] = 0;
      }
      for (const char *File : Procs) {
        int Fd = ::open(File, O_WRONLY | O_CLOEXEC);
        if (Fd < 0 || ::write(Fd, Buf, Len) != Len) {
          writeAll(ErrPipe[1], "cannot join cgroup ");
          writeAll(ErrPipe[1], File);
          ::_exit(127);
        }
        ::close(Fd);
      }
      struct rlimit RL;
      RL.rlim_cur = RL.rlim_max = static_cast<rlim_t>(Spec.MaxFds);
      ::setrlimit(RLIMIT_NOFILE, &RL);
      if (!Spec.Cwd.empty() && ::chdir(Spec.Cwd.c_str()) != 0) {
        writeAll(ErrPipe[1], "cannot change to the task root ");
        writeAll(ErrPipe[1], Spec.Cwd.c_str());
        ::_exit(127);
      }
      if (Spec.StdoutFd >= 0)
        ::dup2(Spec.StdoutFd, 1);
      if (Spec.StderrFd >= 0)
        ::dup2(Spec.StderrFd, 2);
      // Only 0-2 and the exec-error pipe reach the function: not the
      // emulator's sockets (Runtime API connections) or pipes, even those
      // opened without O_CLOEXEC by a racing thread.
      {
        unsigned Keep = static_cast<unsigned>(ErrPipe[1]);
        bool Ok = (Keep <= 3 ||
                   ::syscall(SYS_close_range, 3u, Keep - 1, 0u) == 0) &&
                  ::syscall(SYS_close_range, Keep + 1, ~0u, 0u) == 0;
        if (!Ok)
          for (int Fd = 3; Fd < 65536; ++Fd)
            if (Fd != ErrPipe[1])
              ::close(Fd);
      }
      // Undo what the emulator's threads may have changed.
      sigset_t All;
      sigemptyset(&All);
      ::sigprocmask(SIG_SETMASK, &All, nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      ::execve(Spec.Path.c_str(), Argv.data(), Envp.data());
      writeAll(ErrPipe[1], "exec failed: ");
      writeAll(ErrPipe[1], std::strerror(errno));
      ::_exit(127);
    }
    if (Pid > 0) {
      // Also from the parent, so there is no window where the group does
      // not exist yet for killpg().
      ::setpgid(Pid, Pid);
      R.Watched[Pid] = std::move(OnExit);
      ++R.Spawns;
      R.CV.notify_all();
    }
  }
  ::close(ErrPipe[1]);
  if (Pid < 0) {
    Error = std::string("fork: ") + std::strerror(errno);
    ::close(ErrPipe[0]);
    return -1;
  }
  char Buf[512];
  ssize_t N;
  std::string Msg;
  while ((N = ::read(ErrPipe[0], Buf, sizeof Buf)) > 0)
    Msg.append(Buf, N);
  ::close(ErrPipe[0]);
  if (!Msg.empty()) {
    Error = Msg;
    // The callback still fires when the reaper collects the child.
    return -1;
  }
  return Pid;
}

void signalGroup(pid_t Pgid, int Sig) {
  if (Pgid > 0)
    ::killpg(Pgid, Sig);
}

void waitNoChildren(int TimeoutMs) {
  auto Deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(TimeoutMs);
  while (std::chrono::steady_clock::now() < Deadline) {
    // waitid with WNOWAIT asks without stealing the reaper's statuses.
    siginfo_t Info;
    std::memset(&Info, 0, sizeof Info);
    if (::waitid(P_ALL, 0, &Info, WEXITED | WNOHANG | WNOWAIT) != 0 &&
        errno == ECHILD)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string describeWaitStatus(int Status) {
  if (WIFEXITED(Status))
    return "exit status " + std::to_string(WEXITSTATUS(Status));
  if (WIFSIGNALED(Status)) {
    int Sig = WTERMSIG(Status);
    const char *Name = ::strsignal(Sig);
    std::string S = "signal: ";
    S += Name ? Name : std::to_string(Sig).c_str();
    for (char &C : S)
      C = static_cast<char>(std::tolower(static_cast<unsigned char>(C)));
    return S;
  }
  return "status " + std::to_string(Status);
}

} // namespace serverless::runtime
