//===- Environment.cpp - One execution environment's lifecycle ------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/Environment.h"
#include "Runtime/Supervisor.h"
#include "Runtime/Text.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <filesystem>
#include <optional>
#include <set>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace serverless::runtime {

using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point T) {
  return std::chrono::duration<double, std::milli>(Clock::now() - T).count();
}

std::string fmt2(double V) {
  char Buf[64];
  std::snprintf(Buf, sizeof Buf, "%.2f", V);
  return Buf;
}

double round2(double V) { return std::round(V * 100.0) / 100.0; }

std::string hex(uint64_t V, int Digits) {
  char Buf[32];
  std::snprintf(Buf, sizeof Buf, "%0*llx", Digits,
                static_cast<unsigned long long>(V));
  std::string S = Buf;
  return S.substr(S.size() - Digits);
}

std::string newRequestId() {
  thread_local std::mt19937_64 Rng(std::random_device{}());
  uint64_t A = Rng(), B = Rng();
  return hex(A >> 32, 8) + "-" + hex(A >> 16, 4) + "-4" + hex(A, 3) + "-" +
         hex(0x8000 | ((B >> 48) & 0x3fff), 4) + "-" + hex(B, 12);
}

std::string newTraceId() {
  thread_local std::mt19937_64 Rng(std::random_device{}());
  return "Root=1-" + hex(static_cast<uint64_t>(std::time(nullptr)), 8) + "-" +
         hex(Rng(), 12) + hex(Rng(), 12) + ";Parent=" + hex(Rng(), 16) +
         ";Sampled=0;Lineage=1:" + hex(Rng(), 8) + ":0";
}

std::string isoNow() {
  auto Now = std::chrono::system_clock::now();
  std::time_t T = std::chrono::system_clock::to_time_t(Now);
  auto Ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                Now.time_since_epoch())
                .count() %
            1000;
  std::tm Tm;
  gmtime_r(&T, &Tm);
  char Buf[64];
  std::snprintf(Buf, sizeof Buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                Tm.tm_year + 1900, Tm.tm_mon + 1, Tm.tm_mday, Tm.tm_hour,
                Tm.tm_min, Tm.tm_sec, static_cast<int>(Ms));
  return Buf;
}

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// VmRSS and VmHWM of \p Pid in kB (-1 when gone).
void readRss(pid_t Pid, int64_t &RssKb, int64_t &HwmKb) {
  RssKb = HwmKb = -1;
  std::ifstream In("/proc/" + std::to_string(Pid) + "/status");
  std::string Key;
  while (In >> Key) {
    if (Key == "VmRSS:")
      In >> RssKb;
    else if (Key == "VmHWM:")
      In >> HwmKb;
    In.ignore(1 << 20, '\n');
  }
}

/// Lines longer than this are cut: the part is written with a marker and
/// the line continues on the next (prefixed) output line.
constexpr size_t MaxLineBytes = 256 * 1024;
const char *LineContinues = " [line continues]\n";

/// Connections to the Runtime API open at once from which the environment
/// reports a connection leak.
constexpr int64_t LeakedConnections = 8;

/// Copies the function's output to \p TargetFd with "[env N] " before each
/// line (K > 1), through RunOutput so lines never interleave. Linear in the
/// output: each byte is scanned once, and a line is buffered up to
/// MaxLineBytes only, so the function never waits on a long line.
void startPump(int ReadFd, int EnvId, int TargetFd, RunContext &Ctx) {
  ++Ctx.LivePumps;
  auto Pump = [ReadFd, EnvId, TargetFd, &Ctx] {
    std::string Prefix = "[env " + std::to_string(EnvId) + "] ";
    std::string Buf;   // the current (partial) line
    std::string Lines; // complete lines to write
    std::vector<char> Chunk(64 * 1024);
    for (;;) {
      ssize_t N = ::read(ReadFd, Chunk.data(), Chunk.size());
      if (N < 0 && errno == EINTR)
        continue;
      if (N <= 0)
        break;
      try {
        const char *P = Chunk.data(), *End = P + N;
        while (P < End) {
          const char *NL = static_cast<const char *>(
              std::memchr(P, '\n', static_cast<size_t>(End - P)));
          const char *Stop = NL ? NL + 1 : End;
          size_t Room = MaxLineBytes - Buf.size();
          if (static_cast<size_t>(Stop - P) > Room) {
            // Too long: flush MaxLineBytes with a marker, keep going.
            Buf.append(P, Room);
            P += Room;
            Lines += Prefix;
            Lines += Buf;
            Lines += LineContinues;
            Buf.clear();
            continue;
          }
          Buf.append(P, static_cast<size_t>(Stop - P));
          P = Stop;
          if (NL) {
            Lines += Prefix;
            Lines += Buf;
            Buf.clear();
          }
        }
        if (!Lines.empty()) {
          Ctx.Out.raw(TargetFd, Lines);
          Lines.clear();
        }
      } catch (...) {
        Buf.clear();
        Lines.clear();
      }
    }
    if (!Buf.empty())
      Ctx.Out.raw(TargetFd, Prefix + Buf + "\n");
    ::close(ReadFd);
    --Ctx.LivePumps;
  };
  try {
    std::thread(Pump).detach();
  } catch (...) {
    // No thread: the function's output is dropped rather than blocking it.
    --Ctx.LivePumps;
    ::close(ReadFd);
  }
}

} // namespace

namespace {
std::string serveError(const std::string &Type, const std::string &Message) {
  return dumpJson({{"errorType", Type}, {"errorMessage", Message}});
}
/// Answers a --serve caller once (a job may be answered only once).
void deliver(ServeJob &J, ServeResult R) {
  if (!J.Done)
    return;
  try {
    J.Done->set_value(std::move(R));
  } catch (...) {
  }
  J.Done.reset();
}
} // namespace

void RunContext::abort(const std::string &Reason, int ExitCode) {
  std::vector<RuntimeApiServer *> Copy;
  {
    std::lock_guard<std::mutex> L(AbortMutex);
    if (Aborting)
      return;
    AbortReason = Reason;
    AbortExit = ExitCode;
    Aborting = true;
    Copy = Servers;
    AbortCV.notify_all();
  }
  for (auto *S : Copy)
    S->interrupt();
}

std::string RunContext::abortReason() {
  std::lock_guard<std::mutex> L(AbortMutex);
  return AbortReason;
}

int RunContext::abortExitCode() {
  std::lock_guard<std::mutex> L(AbortMutex);
  return AbortExit;
}

bool RunContext::sleepFor(int64_t Ms) {
  std::unique_lock<std::mutex> L(AbortMutex);
  return !AbortCV.wait_for(L, std::chrono::milliseconds(Ms),
                           [&] { return Aborting.load(); });
}

void RunContext::addServer(RuntimeApiServer *S) {
  std::lock_guard<std::mutex> L(AbortMutex);
  Servers.push_back(S);
  if (Aborting)
    S->interrupt();
}

void RunContext::removeServer(RuntimeApiServer *S) {
  std::lock_guard<std::mutex> L(AbortMutex);
  Servers.erase(std::remove(Servers.begin(), Servers.end(), S), Servers.end());
}

/// One function process (a "generation" of the slot's environment).
struct EnvironmentSlot::Process {
  int EnvId = 0;
  pid_t Pid = -1;
  EnvCgroup Group;
  bool Frozen = false;
  Clock::time_point Spawned;
  double InitMs = 0;
  std::string InitStatus = "pending";
  int64_t Invocations = 0;
  int64_t Freezes = 0;
  int64_t PeakKb = 0;      // RSS fallback high-water mark
  int64_t OomBaseline = 0; // cgroup oom_kill count at spawn
  bool RssOom = false;
  int64_t LastMaxMb = 0;
};

/// --max-concurrency: what the lanes of one slot share (runLanes below).
struct EnvironmentSlot::LaneState {
  std::mutex M;
  std::condition_variable CV;
  bool Busy = false;       // a lane is spawning or resetting the process
  int InFlight = 0;        // lanes using the current process
  std::string Reset;       // the process ended: reset once InFlight is 0
  size_t Next = 0;         // next position in the lane's index list
  // The process is spawned by the slot's own thread, which outlives it:
  // the function dies with the thread that forked it (PR_SET_PDEATHSIG),
  // and a lane may end before the environment does.
  bool SpawnWanted = false;
  int64_t SpawnIndex = 0;
  bool SpawnOk = false;
  nlohmann::json SpawnFailed;
  int LanesDone = 0;
};

EnvironmentSlot::EnvironmentSlot(int Slot, RunContext &Ctx)
    : Slot(Slot), Ctx(Ctx), Server(Slot, Ctx.Opts.FunctionName, Ctx.Out) {
  Ctx.addServer(&Server);
  Server.setMaxConcurrency(static_cast<int>(Ctx.Opts.MaxConcurrency));
}

EnvironmentSlot::~EnvironmentSlot() {
  Ctx.removeServer(&Server);
  try {
    if (P)
      kill(Ctx.aborting() ? "interrupted" : "emulator-exit");
  } catch (...) {
  }
  Server.stop();
}

bool EnvironmentSlot::start(std::string &Error) { return Server.start(Error); }

void EnvironmentSlot::record(nlohmann::json Invocation) {
  int64_t Index = Invocation["index"];
  int EnvId = Invocation["environment"].is_number()
                  ? Invocation["environment"].get<int>()
                  : 0;
  bool Failed = Invocation["status"] != "success";
  Ctx.notify([&](RunObserver &O) { O.onInvocationEnd(EnvId, Index, Invocation); });
  {
    std::lock_guard<std::mutex> L(Ctx.JsonMutex);
    ++Ctx.ByStatus[Invocation["status"].get<std::string>()];
    if (Invocation["cold"].get<bool>())
      ++Ctx.ColdStarts;
    Ctx.MaxMemoryMb =
        std::max(Ctx.MaxMemoryMb, Invocation["max_rss_mb"].get<int64_t>());
    Ctx.TotalDurationMs += Invocation["duration_ms"].get<double>();
    ++Ctx.Recorded;
    if (Ctx.KeepRecords)
      Ctx.Invocations.push_back(std::move(Invocation));
  }
  Ctx.Out.invocationDone(Failed);
}

bool EnvironmentSlot::sampleMemory() {
  if (!P || Ctx.Groups.memoryMethod() != MemoryMethod::Rss)
    return false;
  std::lock_guard<std::mutex> L(SampleMutex);
  int64_t Rss, Hwm;
  readRss(P->Pid, Rss, Hwm);
  if (Hwm > P->PeakKb)
    P->PeakKb = Hwm;
  if (Rss > 0 && Rss * 1024 > Ctx.Opts.MemoryMb * 1024 * 1024) {
    // Lambda's OOM is a SIGKILL from the kernel; without a memory cgroup
    // the sampler plays that part (a fast allocator can overshoot between
    // two 10 ms samples).
    P->RssOom = true;
    signalGroup(P->Pid, SIGKILL);
    return true;
  }
  return false;
}

int64_t EnvironmentSlot::maxMemoryMb() {
  if (!P)
    return 0;
  std::lock_guard<std::mutex> L(SampleMutex);
  int64_t Bytes = -1;
  if (Ctx.Groups.memoryMethod() == MemoryMethod::CgroupV1 ||
      Ctx.Groups.memoryMethod() == MemoryMethod::CgroupV2)
    Bytes = Ctx.Groups.peakBytes(P->Group);
  if (Bytes < 0) {
    int64_t Rss, Hwm;
    readRss(P->Pid, Rss, Hwm);
    if (Hwm > P->PeakKb)
      P->PeakKb = Hwm;
    Bytes = P->PeakKb * 1024;
  }
  int64_t Mb = (Bytes + (1 << 20) - 1) >> 20;
  if (Mb > P->LastMaxMb)
    P->LastMaxMb = Mb;
  return P->LastMaxMb;
}

void EnvironmentSlot::freeze() {
  if (!P || P->Frozen)
    return;
  switch (Ctx.Groups.freezeMethod()) {
  case FreezeMethod::CgroupV1:
  case FreezeMethod::CgroupV2:
    if (!Ctx.Groups.freeze(P->Group))
      Ctx.Out.line("[env " + std::to_string(P->EnvId) +
                   "] warning: the freezer did not report FROZEN in time");
    break;
  case FreezeMethod::SigStop:
    signalGroup(P->Pid, SIGSTOP);
    break;
  default:
    return;
  }
  P->Frozen = true;
  ++P->Freezes;
}

void EnvironmentSlot::thaw() {
  if (!P || !P->Frozen)
    return;
  switch (Ctx.Groups.freezeMethod()) {
  case FreezeMethod::CgroupV1:
  case FreezeMethod::CgroupV2:
    Ctx.Groups.thaw(P->Group);
    break;
  case FreezeMethod::SigStop:
    signalGroup(P->Pid, SIGCONT);
    break;
  default:
    break;
  }
  P->Frozen = false;
}

void EnvironmentSlot::finishProcess(const std::string &EndedBy) {
  // Any end but the run's own spin-down is a reset: the cloud's next init
  // runs inside the next invocation, within its timeout.
  NextInitSuppressed = EndedBy != "shutdown" && EndedBy != "interrupted" &&
                       EndedBy != "emulator-exit";
  // Whatever is left of the environment (forked children, daemons that
  // changed their process group) goes with it.
  signalGroup(P->Pid, SIGKILL);
  Ctx.Groups.killAll(P->Group);
  if (Ctx.Groups.freezeMethod() == FreezeMethod::SigStop)
    signalGroup(P->Pid, SIGCONT);
  Server.endGeneration();
  if (Server.waitExit(Clock::now() + std::chrono::seconds(5),
                      /*Interruptible=*/false) != Wake::Exited)
    Ctx.Out.line("[env " + std::to_string(P->EnvId) + "] warning: pid " +
                 std::to_string(P->Pid) + " not reaped 5 s after SIGKILL");
  maxMemoryMb();
  for (int I = 0; I < 100 && !Ctx.Groups.pids(P->Group).empty(); ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Ctx.Groups.remove(P->Group);

  ApiConnections Conns = Server.connections();
  nlohmann::json Env = {{"id", P->EnvId},
                        {"slot", Slot},
                        {"pid", P->Pid},
                        {"init_ms", round2(P->InitMs)},
                        {"init_status", P->InitStatus},
                        {"ended_by", EndedBy},
                        {"invocations", P->Invocations},
                        {"freezes", P->Freezes},
                        {"max_memory_used_mb", P->LastMaxMb},
                        {"runtime_api_connections",
                         {{"opened", Conns.Opened}, {"max_open", Conns.MaxOpen}}}};
  // A runtime needs one connection (plus one or two per extension); many
  // open at once is an HTTP client created per call and never closed.
  if (Conns.MaxOpen >= LeakedConnections)
    Ctx.Out.line("[env " + std::to_string(P->EnvId) +
                 "] connection leak: the runtime opened " +
                 std::to_string(Conns.Opened) +
                 " connections to the Runtime API in " +
                 std::to_string(P->Invocations) +
                 " invocation(s) and held up to " + std::to_string(Conns.MaxOpen) +
                 " open at once; a runtime needs one (aws-lambda-cpp reuses a "
                 "single kept-alive connection): an HTTP client is created per "
                 "call and never closed");
  if (Ctx.Opts.MaxConcurrency > 0 && Lanes) {
    // How much concurrency the runtime really took: invocations running at
    // once, and workers waiting in `next` at once.
    int64_t MaxRunning = Server.maxActiveInvocations();
    int MaxIdle = Server.maxIdleWorkers();
    Env["max_concurrency"] = Ctx.Opts.MaxConcurrency;
    Env["max_in_flight"] = MaxRunning;
    Env["max_waiting_workers"] = MaxIdle;
    if (Ctx.Opts.MaxConcurrency > 1 && P->Invocations > 1 && MaxRunning <= 1)
      Ctx.Out.line("[env " + std::to_string(P->EnvId) + "] --max-concurrency " +
                   std::to_string(Ctx.Opts.MaxConcurrency) +
                   ", but no two invocations ran at once: at most " + std::to_string(MaxIdle) +
                   " runtime worker(s) waited in next at a time (a runtime for Managed "
                   "Instances starts AWS_LAMBDA_MAX_CONCURRENCY workers)");
  }
  nlohmann::json Exts = nlohmann::json::array();
  for (const auto &E : Server.extensions())
    Exts.push_back({{"name", E.Name},
                    {"kind", "internal"},
                    {"events", nlohmann::json::array()},
                    {"events_delivered", E.EventsDelivered}});
  for (auto &E : Exts) {
    for (const auto &X : Server.extensions())
      if (X.Name == E["name"]) {
        if (X.Invoke)
          E["events"].push_back("INVOKE");
        if (X.Shutdown)
          E["events"].push_back("SHUTDOWN");
      }
  }
  for (const auto &Name : Ctx.Opts.Extensions)
    Exts.push_back({{"name", Name},
                    {"kind", "external-simulated"},
                    {"events", {"INVOKE", "SHUTDOWN"}}});
  Env["extensions"] = Exts;
  int EnvId = P->EnvId;
  Ctx.notify([&](RunObserver &O) { O.onEnvironmentEnd(EnvId, Env); });
  {
    std::lock_guard<std::mutex> L(Ctx.JsonMutex);
    Ctx.Environments.push_back(std::move(Env));
  }
  P.reset();
}

void EnvironmentSlot::kill(const std::string &EndedBy) {
  if (!P)
    return;
  finishProcess(EndedBy);
}

bool EnvironmentSlot::spawnAndInit(int64_t Index, nlohmann::json &Failed,
                                   bool Suppressed) {
  const RunOptions &Opts = Ctx.Opts;
  P = std::make_unique<Process>();
  P->EnvId = ++Ctx.EnvCounter;
  std::string Tag = "[env " + std::to_string(P->EnvId) + "] ";
  Server.beginGeneration();

  std::string Error;
  if (!Ctx.Groups.create("env" + std::to_string(P->EnvId),
                         Opts.MemoryMb * 1024 * 1024, P->Group, Error))
    Ctx.Out.line(Tag + "warning: " + Error);

  // A clean environment like the cloud's: the Lambda variables, PATH and
  // LD_LIBRARY_PATH from the emulator's (so locally built binaries load),
  // then the user's --env-file and --env. Nothing else of the caller's
  // shell: no HOME (an SDK would find the developer's ~/.aws), no AWS_*
  // credentials unless passed explicitly.
  std::vector<std::string> Env;
  for (char **E = environ; *E; ++E) {
    std::string V = *E;
    if (V.rfind("PATH=", 0) == 0 || V.rfind("LD_LIBRARY_PATH=", 0) == 0)
      Env.push_back(V);
  }
  // The task root is absolute (the cloud's /var/task) and the function's
  // working directory, as in the cloud.
  std::string FunctionAbs = Opts.FunctionPath;
  {
    std::error_code EC;
    auto A = std::filesystem::absolute(Opts.FunctionPath, EC);
    if (!EC)
      FunctionAbs = A.lexically_normal().string();
  }
  std::string TaskRoot = FunctionAbs;
  auto Slash = TaskRoot.rfind('/');
  TaskRoot = Slash == std::string::npos ? "." : Slash == 0 ? "/" : TaskRoot.substr(0, Slash);
  char Stream[64];
  {
    std::time_t T = std::time(nullptr);
    std::tm Tm;
    gmtime_r(&T, &Tm);
    std::snprintf(Stream, sizeof Stream, "%04d/%02d/%02d/[$LATEST]",
                  Tm.tm_year + 1900, Tm.tm_mon + 1, Tm.tm_mday);
  }
  std::vector<std::string> Lambda = {
      "AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(Server.port()),
      "_HANDLER=" + Opts.Handler,
      "AWS_REGION=" + Opts.Region,
      "AWS_DEFAULT_REGION=" + Opts.Region,
      "AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
      "AWS_LAMBDA_FUNCTION_NAME=" + Opts.FunctionName,
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + std::to_string(Opts.MemoryMb),
      "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
      "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
      "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + Opts.FunctionName,
      "AWS_LAMBDA_LOG_STREAM_NAME=" + std::string(Stream) +
          newRequestId().substr(0, 32),
      "LAMBDA_TASK_ROOT=" + TaskRoot,
      "LAMBDA_RUNTIME_DIR=" + TaskRoot,
      "LANG=en_US.UTF-8",
      "TZ=:UTC"};
  if (Opts.MaxConcurrency > 0)
    // Lambda Managed Instances: how many workers the runtime should run.
    Lambda.push_back("AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(Opts.MaxConcurrency));
  Env.insert(Env.end(), Lambda.begin(), Lambda.end());
  for (const auto &KV : Opts.Env) {
    std::string Key = KV.substr(0, KV.find('=') + 1);
    for (auto It = Env.begin(); It != Env.end();)
      It = It->rfind(Key, 0) == 0 ? Env.erase(It) : It + 1;
    Env.push_back(KV);
  }
  int EnvId = P->EnvId;
  Ctx.notify([&](RunObserver &O) { O.onEnvironmentSpawn(EnvId, Env); });

  SpawnSpec Spec;
  Spec.Path = FunctionAbs;
  Spec.Cwd = TaskRoot;
  Spec.Args = Opts.FunctionArgs;
  Spec.Env = std::move(Env);
  Spec.MaxFds = Opts.MaxFds;
  Spec.CgroupProcsFiles = P->Group.ProcsFiles;
  int OutPipe[2] = {-1, -1}, ErrPipe[2] = {-1, -1};
  if (Opts.Concurrency > 1) {
    if (::pipe2(OutPipe, O_CLOEXEC) == 0 && ::pipe2(ErrPipe, O_CLOEXEC) == 0) {
      Spec.StdoutFd = OutPipe[1];
      Spec.StderrFd = ErrPipe[1];
    }
  }
  P->OomBaseline = Ctx.Groups.oomKills(P->Group);
  RuntimeApiServer *S = &Server;
  P->Spawned = Clock::now();
  P->Pid = spawnFunction(
      Spec, [S](int Status) { S->notifyExit(Status); }, Error);
  for (int Fd : {OutPipe[1], ErrPipe[1]})
    if (Fd >= 0)
      ::close(Fd);
  if (OutPipe[0] >= 0)
    startPump(OutPipe[0], P->EnvId, 1, Ctx);
  if (ErrPipe[0] >= 0)
    startPump(ErrPipe[0], P->EnvId, 2, Ctx);

  auto Fail = [&](const std::string &Status, const std::string &ErrorType,
                  const std::string &Message, const std::string &InitStatus,
                  const std::string &EndedBy) {
    P->InitMs = msSince(P->Spawned);
    P->InitStatus = InitStatus;
    // A suppressed init runs in the invoke phase (the cloud's words).
    std::string Line = "INIT_REPORT Init Duration: " + fmt2(P->InitMs) +
                       " ms\tPhase: " + (Suppressed ? "invoke" : "init") +
                       "\tStatus: " +
                       (InitStatus == "timeout" ? "timeout" : "error");
    if (InitStatus != "timeout")
      Line += "\tError Type: " + printable(ErrorType);
    Ctx.Out.line(Line);
    if (!Message.empty())
      Ctx.Out.line(Tag + "init failed: " + printable(Message, 1000));
    Failed = {{"status", Status},
              {"error", Message},
              {"error_type", ErrorType},
              {"init_ms", round2(P->InitMs)},
              {"environment", P->EnvId},
              {"suppressed_init", Suppressed}};
    if (P->Pid > 0)
      Failed["pid"] = P->Pid;
    if (P->Pid > 0) {
      // After init/error the runtime is expected to exit on its own; give it
      // a moment so its last words reach the output, then kill.
      if (EndedBy == "init-error")
        Server.waitExit(Clock::now() + std::chrono::milliseconds(200));
      kill(EndedBy);
    }
    else
      finishProcess(EndedBy);
    return false;
  };

  if (P->Pid < 0)
    return Fail("crash", "Runtime.ExitError",
                "cannot start the function: " + Error, "crash", "exec-failed");
  Ctx.notify([&](RunObserver &O) { O.onEnvironmentStarted(EnvId, P->Pid); });

  RuntimeApiServer::Ticker Tick;
  if (Ctx.Groups.memoryMethod() == MemoryMethod::Rss)
    Tick = [this] { return sampleMemory(); };
  // A suppressed init (after a reset) has the function timeout, not 10 s.
  int64_t LimitMs = Suppressed ? Opts.TimeoutMs : Opts.InitTimeoutMs;
  Wake W = Server.waitReady(
      P->Spawned + std::chrono::milliseconds(LimitMs), Tick);
  switch (W) {
  case Wake::Done:
    P->InitMs = msSince(P->Spawned);
    P->InitStatus = "ok";
    return true;
  case Wake::InitError: {
    std::string Type = Server.initErrorType();
    std::string Msg = Server.initErrorMessage();
    return Fail("error", Type, Msg.empty() ? Type : Msg, "error", "init-error");
  }
  case Wake::Exited:
  case Wake::Aborted: {
    int Status = 0;
    Server.exited(Status);
    bool Oom = P->RssOom || W == Wake::Aborted ||
               Ctx.Groups.oomKills(P->Group) > P->OomBaseline;
    if (Oom)
      return Fail("oom", "Runtime.OutOfMemory",
                  "Runtime exited with error: signal: killed", "oom", "oom");
    std::string Why = WIFEXITED(Status) && WEXITSTATUS(Status) == 0
                          ? "Runtime exited without providing a reason"
                          : "Runtime exited with error: " +
                                describeWaitStatus(Status);
    return Fail("crash", "Runtime.ExitError", Why, "crash",
                WIFSIGNALED(Status) ? "crash" : "exit");
  }
  case Wake::Interrupted:
    P->InitMs = msSince(P->Spawned);
    P->InitStatus = "interrupted";
    Failed = {{"interrupted", true}};
    interrupted();
    return false;
  case Wake::Deadline:
    if (Suppressed) {
      // The doom loop: a re-init longer than the function timeout times
      // out, invocation after invocation.
      std::string Id = newRequestId();
      Ctx.Out.line(isoNow() + " " + Id + " Task timed out after " +
                   fmt2(Opts.TimeoutMs / 1000.0) + " seconds");
      bool R = Fail("timeout", "Sandbox.Timedout",
                    "Task timed out after " + fmt2(Opts.TimeoutMs / 1000.0) +
                        " seconds (in the re-init, which counts against the "
                        "function timeout)",
                    "timeout", "init-timeout");
      Failed["request_id"] = Id;
      return R;
    }
    return Fail("timeout", "Sandbox.Timedout",
                "init did not finish within " +
                    fmt2(Opts.InitTimeoutMs / 1000.0) +
                    " seconds (the runtime never called next)",
                "timeout", "init-timeout");
  }
  return false;
}

/// The invocation's numbers in its record, the answer to a --serve caller,
/// and the cloud's log lines (failures, END, REPORT).
void EnvironmentSlot::report(nlohmann::json &Inv, const std::string &RequestId,
                             const std::string &Status, const std::string &ErrorType,
                             const std::string &ErrorMessage, double Duration, bool Cold,
                             bool Suppressed, const InvocationOutcome &Outcome,
                             ServeJob *Job) {
  const RunOptions &Opts = Ctx.Opts;
  int64_t MaxMb = maxMemoryMb();
  Inv["status"] = Status;
  Inv["duration_ms"] = round2(Duration);
  // Billed as the cloud bills a provided runtime: the init of a cold start
  // too (a suppressed init is inside Duration already).
  int64_t Billed = static_cast<int64_t>(
      std::ceil(Duration + (Cold && !Suppressed ? P->InitMs : 0.0)));
  if (Billed < 1)
    Billed = 1;
  Inv["billed_ms"] = Billed;
  Inv["max_rss_mb"] = MaxMb;
  if (Status != "success") {
    Inv["error"] = ErrorMessage.empty() ? ErrorType : ErrorMessage;
    Inv["error_type"] = ErrorType;
  }
  if (Job) {
    // RIE's answer: 200 with the function's payload; a function error or a
    // platform failure with X-Amz-Function-Error: Unhandled.
    if (Status == "success")
      deliver(*Job, {200, Outcome.Body, Outcome.ContentType, ""});
    else if (Status == "error")
      deliver(*Job, {200, Outcome.Body, Outcome.ContentType, "Unhandled"});
    else
      deliver(*Job, {200, serveError(ErrorType, ErrorMessage), "application/json", "Unhandled"});
  }

  // The cloud's log lines for failures, then its REPORT line.
  if (Status == "timeout")
    Ctx.Out.line(isoNow() + " " + RequestId + " Task timed out after " +
                 fmt2(Opts.TimeoutMs / 1000.0) + " seconds");
  else if (Status == "crash" || Status == "oom")
    Ctx.Out.line("RequestId: " + RequestId + " Error: " + ErrorMessage +
                 "\n" + ErrorType); // the emulator's own words
  else if (Status == "error")
    Ctx.Out.line("RequestId: " + RequestId + " Error: function error " +
                 printable(ErrorType) +
                 (ErrorMessage.empty() ? "" : ": " + printable(ErrorMessage, 1000)));
  else if (Status == "invalid-response")
    Ctx.Out.line("RequestId: " + RequestId + " Error: " + ErrorMessage +
                 " (" + printable(ErrorType) + ")");
  if (!Opts.Quiet) {
    Ctx.Out.line("END RequestId: " + RequestId);
    std::string Report = "REPORT RequestId: " + RequestId +
                         "\tDuration: " + fmt2(Duration) +
                         " ms\tBilled Duration: " + std::to_string(Billed) +
                         " ms\tMemory Size: " + std::to_string(Opts.MemoryMb) +
                         " MB\tMax Memory Used: " + std::to_string(MaxMb) +
                         " MB";
    if (Cold && !Suppressed)
      Report += "\tInit Duration: " + fmt2(P->InitMs) + " ms";
    // Only the cloud's words: timeout, or error with its type (crash, oom
    // and invalid-response are the emulator's, in its own lines and JSON).
    if (Status != "success") {
      Report += std::string("\tStatus: ") + (Status == "timeout" ? "timeout" : "error");
      if (Status != "timeout")
        Report += "\tError Type: " + printable(ErrorType);
    }
    Ctx.Out.line(Report);
  }
}

/// The event of invocation \p Index: the request from --serve (\p Job) with
/// its headers passed through, else the next of the run's events.
static InvocationEvent newEvent(const RunOptions &Opts, int64_t Index, const ServeJob *Job,
                                const std::string &FunctionArn) {
  InvocationEvent E;
  E.RequestId = newRequestId();
  E.Payload = Job ? Job->Payload : Opts.Events[static_cast<size_t>(Index) % Opts.Events.size()];
  E.TraceId = Job && !Job->TraceId.empty() ? Job->TraceId : newTraceId();
  if (Job) {
    E.ClientContext = Job->ClientContext;
    E.CognitoIdentity = Job->CognitoIdentity;
    E.TenantId = Job->TenantId;
  }
  E.FunctionArn = FunctionArn;
  return E;
}

void EnvironmentSlot::invoke(int64_t Index, bool Cold, bool Suppressed, ServeJob *Job) {
  const RunOptions &Opts = Ctx.Opts;
  std::string Tag = "[env " + std::to_string(P->EnvId) + "] ";
  InvocationEvent E = newEvent(Opts, Index, Job, Ctx.FunctionArn);
  // A suppressed init ran inside this invocation: its time is spent.
  int64_t SpentMs =
      Suppressed ? static_cast<int64_t>(std::ceil(msSince(P->Spawned))) : 0;
  E.DeadlineMs = epochMs() + Opts.TimeoutMs - SpentMs;
  int EnvId = P->EnvId;
  pid_t Pid = P->Pid;
  ++P->Invocations;

  // Simulated external extensions get INVOKE too; they answer at once.
  if (!Opts.Quiet)
    Ctx.Out.line("START RequestId: " + E.RequestId + " Version: $LATEST");
  Ctx.notify([&](RunObserver &O) { O.onInvocationStart(EnvId, Index, E.DeadlineMs); });

  auto Start = Suppressed ? P->Spawned : Clock::now();
  auto Deadline = Start + std::chrono::milliseconds(Opts.TimeoutMs);
  Server.dispatch(E);
  RuntimeApiServer::Ticker Tick;
  if (Ctx.Groups.memoryMethod() == MemoryMethod::Rss)
    Tick = [this] { return sampleMemory(); };
  InvocationOutcome Outcome;
  Wake W = Server.waitOutcome(Deadline, Tick, Outcome);
  double Duration = msSince(Start);
  if (W == Wake::Interrupted) {
    if (Job)
      deliver(*Job, {503, serveError("ServiceException", "the run was interrupted"), "application/json", ""});
    // Not finished: reported as in flight, not as an invocation.
    {
      std::lock_guard<std::mutex> L(Ctx.JsonMutex);
      Ctx.InFlight.push_back({{"index", Index},
                              {"request_id", E.RequestId},
                              {"environment", EnvId},
                              {"pid", Pid},
                              {"elapsed_ms", round2(Duration)}});
    }
    interrupted();
    return;
  }

  nlohmann::json Inv = {{"index", Index},
                        {"request_id", E.RequestId},
                        {"environment", EnvId},
                        {"slot", Slot},
                        {"pid", Pid},
                        {"cold", Cold},
                        {"status", "success"},
                        {"duration_ms", 0},
                        {"billed_ms", 0},
                        {"max_rss_mb", 0},
                        {"error", nullptr}};
  if (Cold)
    Inv["init_ms"] = round2(P->InitMs);
  if (Suppressed)
    Inv["suppressed_init"] = true; // init_ms is inside duration_ms
  std::string Status = "success", ErrorType, ErrorMessage;
  std::string EndedBy; // non-empty: the environment is reset afterwards

  switch (W) {
  case Wake::Done:
    Inv["response_bytes"] = Outcome.Bytes;
    switch (Outcome.Kind) {
    case OutcomeKind::Response:
      break;
    case OutcomeKind::Error:
      Status = "error";
      ErrorType = Outcome.ErrorType;
      ErrorMessage = Outcome.ErrorMessage;
      if (!Outcome.PayloadErrorType.empty())
        Inv["payload_error_type"] = Outcome.PayloadErrorType;
      if (!Outcome.HeaderErrorType.empty())
        Inv["error_type_header"] = Outcome.HeaderErrorType;
      break;
    case OutcomeKind::Oversize:
      Status = "invalid-response";
      ErrorType = Outcome.ErrorType;
      ErrorMessage = Outcome.ErrorMessage;
      break;
    case OutcomeKind::NoResponse:
      Status = "invalid-response";
      ErrorType = "Runtime.NoResponse";
      ErrorMessage = "the runtime asked for the next event without posting "
                     "a response or an error";
      break;
    case OutcomeKind::None:
      break;
    }
    break;
  case Wake::Exited:
  case Wake::Aborted: {
    int WS = 0;
    Server.exited(WS);
    if (P->RssOom || W == Wake::Aborted ||
        Ctx.Groups.oomKills(P->Group) > P->OomBaseline) {
      Status = "oom";
      ErrorType = "Runtime.OutOfMemory";
      ErrorMessage = "Runtime exited with error: signal: killed";
      EndedBy = "oom";
    } else {
      Status = "crash";
      ErrorType = "Runtime.ExitError";
      ErrorMessage = WIFEXITED(WS) && WEXITSTATUS(WS) == 0
                         ? "Runtime exited without providing a reason"
                         : "Runtime exited with error: " +
                               describeWaitStatus(WS);
      EndedBy = WIFSIGNALED(WS) ? "crash" : "exit";
    }
    break;
  }
  case Wake::Deadline:
  case Wake::InitError:
  case Wake::Interrupted: // handled above
    Status = "timeout";
    ErrorType = "Sandbox.Timedout";
    ErrorMessage = "Task timed out after " + fmt2(Opts.TimeoutMs / 1000.0) +
                   " seconds";
    Duration = static_cast<double>(Opts.TimeoutMs);
    Ctx.notify([&](RunObserver &O) { O.onDeadlinePassed(EnvId, Index, Pid); });
    Server.markTimedOut();
    if (!Opts.KeepOnTimeout)
      EndedBy = "timeout";
    break;
  }

  // A finished invocation ends when the runtime is back in `next` (and the
  // extensions in `event/next`); only then is the environment frozen.
  if (EndedBy.empty() && Status != "timeout") {
    auto Bound = std::max(Deadline, Clock::now() + std::chrono::milliseconds(200));
    Wake R = Server.waitReady(Bound, Tick);
    if (R == Wake::Exited || R == Wake::Aborted) {
      int WS = 0;
      Server.exited(WS);
      Ctx.Out.line(Tag + "the runtime exited after the invocation (" +
                   describeWaitStatus(WS) +
                   "); the next invocation re-inits");
      EndedBy = WIFSIGNALED(WS) ? "crash" : "exit";
    } else if (R == Wake::Deadline) {
      Ctx.Out.line(Tag + "the runtime did not call next after invocation " +
                   E.RequestId + "; environment reset (SIGKILL)");
      EndedBy = "no-next";
    } else if (R == Wake::Interrupted) {
      EndedBy = "interrupted";
    }
  }
  if (Ctx.aborting() && EndedBy.empty())
    EndedBy = "interrupted";

  report(Inv, E.RequestId, Status, ErrorType, ErrorMessage, Duration, Cold, Suppressed,
         Outcome, Job);

  bool WithExtensions = !Opts.Extensions.empty() || !Server.extensions().empty();
  if (EndedBy == "interrupted") {
    interrupted();
  } else if (!EndedBy.empty() && WithExtensions) {
    // A reset is a shutdown when extensions are registered: SIGTERM, the
    // grace, SHUTDOWN with the reason to the extensions (RIE's Reset).
    shutdown(EndedBy == "timeout" || EndedBy == "no-next" ? "timeout" : "failure",
             EndedBy);
  } else if (!EndedBy.empty()) {
    if (EndedBy == "timeout" || EndedBy == "no-next")
      Ctx.Out.line(Tag + "environment reset after " +
                   (EndedBy == "timeout" ? std::string("timeout")
                                         : std::string("missing next")) +
                   ": SIGKILL to process group " + std::to_string(Pid) +
                   "; the next invocation re-inits");
    kill(EndedBy);
  } else {
    if (Status == "timeout")
      Ctx.Out.line(Tag + "--on-timeout=keep: process " + std::to_string(Pid) +
                   " kept (frozen mid-invocation) for the next invocation");
    freeze();
  }
  record(std::move(Inv));
}

pid_t EnvironmentSlot::runtimeApiHolder() {
  if (!P || P->Pid <= 0)
    return -1;
  // Client sockets connected to this environment's Runtime API port
  // (/proc/net/tcp: "sl local rem st ... inode", addresses in hex).
  std::set<std::string> Inodes;
  char PortHex[8];
  std::snprintf(PortHex, sizeof PortHex, "%04X", Server.port());
  for (const char *Table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream In(Table);
    std::string Line;
    std::getline(In, Line); // header
    while (std::getline(In, Line)) {
      std::istringstream F(Line);
      std::string Sl, Local, Rem, St, Skip, Inode;
      if (!(F >> Sl >> Local >> Rem >> St))
        continue;
      for (int I = 0; I < 5 && F >> Skip; ++I) {
      }
      if (!(F >> Inode))
        continue;
      auto Colon = Rem.rfind(':');
      if (St == "01" && Colon != std::string::npos && Rem.substr(Colon + 1) == PortHex)
        Inodes.insert("socket:[" + Inode + "]");
    }
  }
  if (Inodes.empty())
    return P->Pid;
  // The environment's processes: its process group and its cgroup.
  std::vector<pid_t> Pids = {P->Pid};
  for (pid_t Q : Ctx.Groups.pids(P->Group))
    Pids.push_back(Q);
  if (DIR *D = ::opendir("/proc")) {
    while (dirent *E = ::readdir(D)) {
      pid_t Q = static_cast<pid_t>(std::atoi(E->d_name));
      if (Q <= 0)
        continue;
      std::ifstream St("/proc/" + std::to_string(Q) + "/stat");
      std::string Text((std::istreambuf_iterator<char>(St)), std::istreambuf_iterator<char>());
      auto Close = Text.rfind(')');
      if (Close == std::string::npos)
        continue;
      std::istringstream F(Text.substr(Close + 1));
      std::string State;
      long PPid = 0, Pgrp = 0;
      if (F >> State >> PPid >> Pgrp && Pgrp == P->Pid)
        Pids.push_back(Q);
    }
    ::closedir(D);
  }
  for (pid_t Q : Pids) {
    std::string Dir = "/proc/" + std::to_string(Q) + "/fd";
    DIR *D = ::opendir(Dir.c_str());
    if (!D)
      continue;
    bool Holds = false;
    while (dirent *E = ::readdir(D)) {
      if (E->d_name[0] == '.')
        continue;
      char Buf[64];
      ssize_t N = ::readlink((Dir + "/" + E->d_name).c_str(), Buf, sizeof Buf - 1);
      if (N > 0 && Inodes.count(std::string(Buf, static_cast<size_t>(N)))) {
        Holds = true;
        break;
      }
    }
    ::closedir(D);
    if (Holds)
      return Q;
  }
  return P->Pid;
}

/// True when \p Pid is gone or a zombie.
static bool processGone(pid_t Pid) {
  std::ifstream St("/proc/" + std::to_string(Pid) + "/stat");
  std::string Text((std::istreambuf_iterator<char>(St)), std::istreambuf_iterator<char>());
  auto Close = Text.rfind(')');
  return Close == std::string::npos || Close + 2 >= Text.size() || Text[Close + 2] == 'Z';
}

void EnvironmentSlot::shutdown(const std::string &Reason, const std::string &EndedBy) {
  if (!P)
    return;
  const RunOptions &Opts = Ctx.Opts;
  thaw();
  std::string Tag = "[env " + std::to_string(P->EnvId) + "] ";
  auto Internal = Server.extensions();
  size_t External = Opts.Extensions.size();
  nlohmann::json Entry = {{"environment", P->EnvId},
                          {"pid", P->Pid},
                          {"reason", Reason},
                          {"internal_extensions", Internal.size()},
                          {"external_extensions", External}};
  int EnvId = P->EnvId;
  std::string Why = Reason == "spindown" ? "" : " (reset after " + EndedBy + ")";
  auto ExtensionsShutdown = [&] {
    // Simulated external extensions get SHUTDOWN with the reason, after the
    // runtime's SIGTERM (the cloud's order).
    for (const auto &Name : Opts.Extensions)
      Ctx.Out.line(Tag + "extension " + Name + ": SHUTDOWN (" + Reason + ")");
  };
  int WS0 = 0;
  if (Reason != "spindown" && Server.exited(WS0)) {
    // A failure reset: the runtime has exited already. The extensions still
    // get SHUTDOWN (failure); what is left of the environment is killed.
    Entry["signal"] = "SIGKILL";
    Entry["grace_ms"] = 0;
    Entry["exited_in_grace"] = false;
    Entry["runtime_exited"] = describeWaitStatus(WS0);
    Entry["rule"] = "the runtime had exited (" + describeWaitStatus(WS0) +
                    "): SHUTDOWN (failure) to the extensions, SIGKILL to the rest";
    Ctx.Out.line(Tag + "shutdown" + Why + ": the runtime had exited; extensions get SHUTDOWN (" +
                 Reason + "), SIGKILL to the rest of the environment");
    ExtensionsShutdown();
    Ctx.notify([&](RunObserver &O) { O.onShutdownSignal(EnvId, SIGKILL, Entry); });
    kill(EndedBy);
  } else if (Internal.empty() && External == 0) {
    // The cloud's rule: no extension, no SIGTERM, no grace.
    Entry["signal"] = "SIGKILL";
    Entry["grace_ms"] = 0;
    Entry["exited_in_grace"] = false;
    Entry["rule"] = "no extension registered: SIGKILL only";
    Ctx.Out.line(Tag + "shutdown: no extension registered, so the runtime "
                       "gets SIGKILL only (no SIGTERM, no grace)");
    Ctx.notify([&](RunObserver &O) { O.onShutdownSignal(EnvId, SIGKILL, Entry); });
    kill(EndedBy);
  } else {
    int64_t Grace = !Internal.empty() ? 500 : 300;
    std::string Rule = !Internal.empty()
                           ? "internal extension registered: SIGTERM, 500 ms"
                           : "external extension registered: SIGTERM, 300 ms";
    if (Opts.ShutdownGraceMs >= 0) {
      Grace = Opts.ShutdownGraceMs;
      Rule += " (overridden: " + std::to_string(Grace) + " ms)";
    }
    Entry["signal"] = "SIGTERM";
    Entry["grace_ms"] = Grace;
    Entry["rule"] = Rule;
    // "Exited in grace" is about the process holding the Runtime API
    // connection: with a wrapper bootstrap (a shell, npx) that is a child.
    pid_t Holder = runtimeApiHolder();
    if (Holder > 0 && Holder != P->Pid) {
      Entry["runtime_pid"] = Holder;
      Entry["bootstrap_pid"] = P->Pid;
    }
    Ctx.notify([&](RunObserver &O) { O.onShutdownSignal(EnvId, SIGTERM, Entry); });
    auto Sent = Clock::now();
    // To the whole process group, as RIE does: a bootstrap that wraps the
    // runtime does not keep SIGTERM from it.
    signalGroup(P->Pid, SIGTERM);
    ExtensionsShutdown();
    auto Until = Sent + std::chrono::milliseconds(Grace);
    Wake W;
    if (Holder <= 0 || Holder == P->Pid) {
      W = Server.waitExit(Until);
    } else {
      W = Wake::Deadline;
      while (Clock::now() < Until) {
        if (processGone(Holder)) {
          W = Wake::Exited;
          break;
        }
        if (!Ctx.sleepFor(5)) {
          W = Wake::Interrupted;
          break;
        }
      }
    }
    bool InGrace = W == Wake::Exited;
    Entry["exited_in_grace"] = InGrace;
    if (W == Wake::Interrupted) {
      Entry["interrupted_after_ms"] = round2(msSince(Sent));
      Ctx.Out.line(Tag + "shutdown" + Why + ": " + Rule +
                   " grace interrupted: SIGKILL to the environment");
      Ctx.notify([&](RunObserver &O) { O.onShutdownSignal(EnvId, SIGKILL, Entry); });
      interrupted();
      std::lock_guard<std::mutex> L(Ctx.JsonMutex);
      Ctx.Shutdowns.push_back(std::move(Entry));
      return;
    }
    std::string Who = Holder > 0 && Holder != P->Pid
                          ? "the runtime (pid " + std::to_string(Holder) +
                                ", holding the Runtime API connection; bootstrap pid " +
                                std::to_string(P->Pid) + ")"
                          : std::string("the runtime");
    if (InGrace) {
      Entry["exited_after_ms"] = round2(msSince(Sent));
      int WS = 0;
      std::string How;
      if (Holder <= 0 || Holder == P->Pid) {
        Server.exited(WS);
        Entry["exit"] = describeWaitStatus(WS);
        How = " (" + describeWaitStatus(WS) + ")";
      }
      Ctx.Out.line(Tag + "shutdown" + Why + ": " + Rule + " grace; " + Who + " exited " +
                   fmt2(msSince(Sent)) + " ms after SIGTERM" + How);
    } else {
      Ctx.Out.line(Tag + "shutdown" + Why + ": " + Rule + " grace; " + Who +
                   " did not exit within the grace: SIGKILL");
      Ctx.notify([&](RunObserver &O) { O.onShutdownSignal(EnvId, SIGKILL, Entry); });
    }
    kill(EndedBy);
  }
  std::lock_guard<std::mutex> L(Ctx.JsonMutex);
  Ctx.Shutdowns.push_back(std::move(Entry));
}

void EnvironmentSlot::interrupted() {
  if (P)
    kill("interrupted");
}

void EnvironmentSlot::run(const std::vector<int64_t> &Indices) {
  if (Ctx.Opts.MaxConcurrency > 0)
    return runLanes(&Indices, nullptr);
  bool First = true;
  for (int64_t Index : Indices) {
    if (!First && Ctx.Opts.IdleMs > 0)
      Ctx.sleepFor(Ctx.Opts.IdleMs);
    First = false;
    if (Ctx.aborting())
      break;
    if (!runOne(Index, nullptr))
      break;
  }
  if (Ctx.aborting())
    interrupted();
  else
    shutdown();
}

void EnvironmentSlot::serve(ServeQueue &Q) {
  Server.keepBodies(true);
  if (Ctx.Opts.MaxConcurrency > 0)
    return runLanes(nullptr, &Q);
  while (auto J = Q.pop()) {
    if (Ctx.aborting()) {
      deliver(*J, {503, serveError("ServiceException", "the run was interrupted"), "application/json", ""});
      continue;
    }
    if (!runOne(J->Index, &*J))
      deliver(*J, {503, serveError("ServiceException", "the run was interrupted"), "application/json", ""});
  }
  if (Ctx.aborting())
    interrupted();
  else
    shutdown();
}

/// An event above the limit is refused as the cloud refuses the invoke.
bool EnvironmentSlot::refuseOversize(int64_t Index, ServeJob *Job) {
  // An event above the limit is refused the way the cloud refuses the
  // synchronous invoke (413 RequestEntityTooLargeException): the function
  // never sees it, no environment is touched.
  const std::string &Event =
      Job ? Job->Payload : Ctx.Opts.Events[static_cast<size_t>(Index) % Ctx.Opts.Events.size()];
  if (Event.size() > MaxPayloadBytes) {
    std::string Msg = "the event is " + std::to_string(Event.size()) +
                      " bytes; a synchronous invoke carries at most " +
                      std::to_string(MaxPayloadBytes) +
                      " bytes: 413 RequestEntityTooLargeException, the function does not run";
    Ctx.Out.line("[run] invocation " + std::to_string(Index) + " refused: " + Msg);
    record({{"index", Index},
            {"request_id", newRequestId()},
            {"environment", 0}, // no environment saw it (ids start at 1)
            {"slot", Slot},
            {"cold", false},
            {"status", "error"},
            {"duration_ms", 0},
            {"billed_ms", 0},
            {"max_rss_mb", 0},
            {"error", Msg},
            {"error_type", "RequestEntityTooLargeException"},
            {"event_bytes", Event.size()},
            {"rejected", true}});
    if (Job)
      deliver(*Job, {413, serveError("RequestEntityTooLargeException", Msg), "application/json", ""});
    return true;
  }
  return false;
}

/// The invocation whose init failed fails with it (\p Failed from
/// spawnAndInit).
void EnvironmentSlot::recordInitFailure(int64_t Index, nlohmann::json &Failed,
                                        bool Suppressed, ServeJob *Job) {
  // The invocation that triggered the failed init fails with it; the
  // next one tries init again, as the cloud does.
  // A suppressed init is the invocation's own time (and its bill);
  // a first init that failed is reported with Duration 0.
  double InitMs = Failed["init_ms"].get<double>();
  double Dur = Suppressed ? std::min<double>(InitMs, double(Ctx.Opts.TimeoutMs)) : 0.0;
  int64_t Billed = Suppressed ? std::max<int64_t>(1, int64_t(std::ceil(Dur))) : 0;
  nlohmann::json Inv = {{"index", Index},
                        {"request_id", Failed.value("request_id", newRequestId())},
                        {"environment", Failed["environment"]},
                        {"slot", Slot},
                        {"cold", true},
                        {"status", Failed["status"]},
                        {"duration_ms", round2(Dur)},
                        {"billed_ms", Billed},
                        {"max_rss_mb", 0},
                        {"error", Failed["error"]},
                        {"error_type", Failed["error_type"]},
                        {"init_ms", Failed["init_ms"]},
                        {"phase", "init"}};
  if (Suppressed)
    Inv["suppressed_init"] = true;
  if (Failed.contains("pid"))
    Inv["pid"] = Failed["pid"];
  std::string St = Failed["status"].get<std::string>();
  if (!Ctx.Opts.Quiet)
    Ctx.Out.line("REPORT RequestId: " + Inv["request_id"].get<std::string>() +
                 "\tDuration: " + fmt2(Dur) + " ms\tBilled Duration: " +
                 std::to_string(Billed) + " ms\tMemory Size: " +
                 std::to_string(Ctx.Opts.MemoryMb) + " MB\tMax Memory Used: 0 MB" +
                 (Suppressed ? std::string()
                             : "\tInit Duration: " + fmt2(InitMs) + " ms") +
                 "\tStatus: " + (St == "timeout" ? "timeout" : "error") +
                 (St == "timeout" ? std::string()
                                  : "\tError Type: " +
                                        printable(Failed["error_type"].get<std::string>())));
  if (Job)
    deliver(*Job, {200, serveError(Inv["error_type"].get<std::string>(),
                                   Inv["error"].is_string() ? Inv["error"].get<std::string>() : ""),
                   "application/json", "Unhandled"});
  record(std::move(Inv));
}

bool EnvironmentSlot::runOne(int64_t Index, ServeJob *Job) {
  if (refuseOversize(Index, Job))
    return true;
  bool Cold = false;
  bool Suppressed = false;
  if (!P) {
    Cold = true;
    Suppressed = NextInitSuppressed;
    nlohmann::json Failed;
    if (!spawnAndInit(Index, Failed, Suppressed)) {
      if (Failed.contains("interrupted"))
        return false;
      recordInitFailure(Index, Failed, Suppressed, Job);
      return true;
    }
  } else {
    thaw();
  }
  invoke(Index, Cold, Suppressed, Job);
  return true;
}

// ---- Lambda Managed Instances: --max-concurrency N -------------------------
//
// The cloud's (and RIE's) Managed Instances mode: the runtime runs workers
// (threads, processes) that each call `next`; up to N invocations run in
// one environment at once; nothing is frozen; a timeout fails its
// invocation only (the code keeps running, the environment stays); init
// ends at the first worker's `next`. Here N lanes share the slot's process:
// each lane takes an invocation, waits for an idle worker, hands the event
// out and waits for its answer. A crash or OOM ends the process: the lanes
// in flight record it, the last one resets the environment, and the next
// invocation inits a new process (not a suppressed init: Managed Instances
// init outside invocations).


namespace {
uint64_t monoNs(std::chrono::steady_clock::time_point T) {
  // libstdc++'s steady_clock is CLOCK_MONOTONIC, the shim's record clock.
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(T.time_since_epoch()).count());
}
} // namespace

void EnvironmentSlot::runLanes(const std::vector<int64_t> *Indices, ServeQueue *Q) {
  Lanes = std::make_unique<LaneState>();
  int64_t N = Ctx.Opts.MaxConcurrency;
  auto Lane = [this, Indices, Q] {
    struct Leave {
      LaneState &S;
      ~Leave() {
        std::lock_guard<std::mutex> L(S.M);
        ++S.LanesDone;
        S.CV.notify_all();
      }
    } OnExit{*Lanes};
    bool First = true;
    for (;;) {
      if (Ctx.aborting())
        return;
      std::optional<ServeJob> Job;
      int64_t Index = 0;
      if (Q) {
        Job = Q->pop();
        if (!Job)
          return;
        Index = Job->Index;
        if (Ctx.aborting()) {
          deliver(*Job, {503, serveError("ServiceException", "the run was interrupted"),
                         "application/json", ""});
          continue;
        }
      } else {
        std::lock_guard<std::mutex> L(Lanes->M);
        if (Lanes->Next >= Indices->size())
          return;
        Index = (*Indices)[Lanes->Next++];
      }
      if (!First && Ctx.Opts.IdleMs > 0 && !Q)
        Ctx.sleepFor(Ctx.Opts.IdleMs); // idle, not frozen
      First = false;
      bool Ok = false;
      try {
        Ok = laneOne(Index, Job ? &*Job : nullptr);
      } catch (const std::exception &E) {
        Ctx.abort(std::string("internal error: ") + E.what(), 3);
      } catch (...) {
        Ctx.abort("internal error: unknown exception", 3);
      }
      if (!Ok) {
        if (Job)
          deliver(*Job, {503, serveError("ServiceException", "the run was interrupted"),
                         "application/json", ""});
        if (Q) // drain: every queued caller gets an answer
          continue;
        return;
      }
    }
  };
  std::vector<std::thread> Threads;
  for (int64_t I = 0; I < N; ++I) {
    try {
      Threads.emplace_back(Lane);
    } catch (const std::exception &E) {
      Ctx.abort(std::string("internal error: cannot start a lane thread: ") + E.what(), 3);
      break;
    }
  }
  // Spawns on this thread, for the lanes, until every lane is done.
  for (;;) {
    std::unique_lock<std::mutex> L(Lanes->M);
    while (!Lanes->SpawnWanted && Lanes->LanesDone != static_cast<int>(Threads.size()))
      Lanes->CV.wait_for(L, std::chrono::milliseconds(50));
    if (!Lanes->SpawnWanted)
      break;
    int64_t Index = Lanes->SpawnIndex;
    L.unlock();
    nlohmann::json Failed;
    bool Ok = false;
    try {
      Ok = spawnAndInit(Index, Failed, /*Suppressed=*/false);
    } catch (const std::exception &E) {
      Ctx.abort(std::string("internal error: ") + E.what(), 3);
      Failed = {{"interrupted", true}};
    }
    L.lock();
    Lanes->SpawnOk = Ok;
    Lanes->SpawnFailed = std::move(Failed);
    Lanes->SpawnWanted = false;
    Lanes->CV.notify_all();
  }
  for (auto &T : Threads)
    T.join();
  if (Ctx.aborting())
    interrupted();
  else
    shutdown();
}

bool EnvironmentSlot::laneOne(int64_t Index, ServeJob *Job) {
  if (refuseOversize(Index, Job))
    return true;
  for (int Attempt = 0;; ++Attempt) {
    bool Cold = false;
    {
      std::unique_lock<std::mutex> L(Lanes->M);
      // Polled too: an interrupt (RunContext::abort) does not notify this.
      while (!Ctx.aborting() && (Lanes->Busy || !Lanes->Reset.empty()))
        Lanes->CV.wait_for(L, std::chrono::milliseconds(50));
      if (Ctx.aborting())
        return false;
      if (!P) {
        // The slot's thread spawns (runLanes); this lane waits for it.
        Lanes->Busy = true;
        Lanes->SpawnIndex = Index;
        Lanes->SpawnWanted = true;
        Lanes->CV.notify_all();
        Lanes->CV.wait(L, [&] { return !Lanes->SpawnWanted; });
        Lanes->Busy = false;
        Lanes->CV.notify_all();
        if (!Lanes->SpawnOk) {
          nlohmann::json Failed = std::move(Lanes->SpawnFailed);
          L.unlock();
          if (Failed.contains("interrupted"))
            return false;
          recordInitFailure(Index, Failed, false, Job);
          return true;
        }
        Cold = true;
      }
      ++Lanes->InFlight;
      ++P->Invocations;
    }
    std::string EndedBy;
    bool Retry = false;
    bool Ok = invokeConcurrent(Index, Cold, Job, EndedBy, Retry, /*MayRetry=*/Attempt < 2);
    std::unique_lock<std::mutex> L(Lanes->M);
    --Lanes->InFlight;
    if (Retry && P)
      --P->Invocations; // it never started in this process
    if (!EndedBy.empty() && Lanes->Reset.empty())
      Lanes->Reset = EndedBy;
    if (Lanes->InFlight == 0 && !Lanes->Reset.empty() && P) {
      std::string Why = std::move(Lanes->Reset);
      Lanes->Reset.clear();
      Lanes->Busy = true;
      L.unlock();
      try {
        if (Ctx.aborting())
          interrupted();
        else
          resetAfter(Why);
      } catch (...) {
        L.lock();
        Lanes->Busy = false;
        Lanes->CV.notify_all();
        throw;
      }
      L.lock();
      Lanes->Busy = false;
    } else if (Lanes->InFlight == 0) {
      Lanes->Reset.clear();
    }
    Lanes->CV.notify_all();
    if (!Ok)
      return false;
    if (!Retry)
      return true;
    // The process died before the invocation started: it goes to the next
    // process (the reset above has happened, or happens in another lane).
  }
}

bool EnvironmentSlot::invokeConcurrent(int64_t Index, bool Cold, ServeJob *Job,
                                       std::string &EndedBy, bool &Retry, bool MayRetry) {
  const RunOptions &Opts = Ctx.Opts;
  std::string Tag = "[env " + std::to_string(P->EnvId) + "] ";
  InvocationEvent E = newEvent(Opts, Index, Job, Ctx.FunctionArn);
  int EnvId = P->EnvId;
  pid_t Pid = P->Pid;
  RuntimeApiServer::Ticker Tick;
  if (Ctx.Groups.memoryMethod() == MemoryMethod::Rss)
    Tick = [this] { return sampleMemory(); };
  auto ExitReason = [&](Wake W, std::string &Status, std::string &Type, std::string &Msg) {
    int WS = 0;
    Server.exited(WS);
    if (P->RssOom || W == Wake::Aborted || Ctx.Groups.oomKills(P->Group) > P->OomBaseline) {
      Status = "oom";
      Type = "Runtime.OutOfMemory";
      Msg = "Runtime exited with error: signal: killed";
      return std::string("oom");
    }
    Status = "crash";
    Type = "Runtime.ExitError";
    Msg = WIFEXITED(WS) && WEXITSTATUS(WS) == 0
              ? "Runtime exited without providing a reason"
              : "Runtime exited with error: " + describeWaitStatus(WS);
    return std::string(WIFSIGNALED(WS) ? "crash" : "exit");
  };

  // A worker must be waiting in `next` (the cloud rejects an invocation
  // when every worker is busy; here it waits for one, at most the function
  // timeout, which is not part of its duration).
  auto WaitFrom = Clock::now();
  Wake W = Server.dispatchToIdleWorker(E, WaitFrom + std::chrono::milliseconds(Opts.TimeoutMs),
                                       Tick, Opts.TimeoutMs);
  if (W == Wake::Interrupted)
    return false;
  if (W == Wake::Exited || W == Wake::Aborted) {
    std::string S, T, M;
    EndedBy = ExitReason(W, S, T, M);
    if (MayRetry) { // it goes to the next process
      Retry = true;
      return true;
    }
    // A process that dies again before taking it: the invocation fails
    // with it (no endless re-init).
    Ctx.Out.line("RequestId: " + E.RequestId + " Error: " + M + "\n" + T);
    nlohmann::json Inv = {{"index", Index},       {"request_id", E.RequestId},
                          {"environment", EnvId}, {"slot", Slot},
                          {"pid", Pid},           {"cold", Cold},
                          {"status", S},          {"duration_ms", 0},
                          {"billed_ms", 0},       {"max_rss_mb", maxMemoryMb()},
                          {"error", M},           {"error_type", T},
                          {"not_started", true}};
    if (Job)
      deliver(*Job, {200, serveError(T, M), "application/json", "Unhandled"});
    record(std::move(Inv));
    return true;
  }
  if (W != Wake::Done) {
    // No worker became free: the invocation never ran.
    bool Stuck = Server.activeInvocations() == 0;
    std::string Msg = "no runtime worker waited in next for " + fmt2(Opts.TimeoutMs / 1000.0) +
                      " s (AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(Opts.MaxConcurrency) +
                      "; every worker busy or gone)";
    Ctx.Out.line(Tag + "invocation " + std::to_string(Index) + " not started: " + Msg +
                 (Stuck ? "; no invocation is running either, so the environment is reset"
                        : ""));
    if (Stuck)
      EndedBy = "no-worker";
    nlohmann::json Inv = {{"index", Index},        {"request_id", E.RequestId},
                          {"environment", EnvId},  {"slot", Slot},
                          {"pid", Pid},            {"cold", Cold},
                          {"status", "error"},     {"duration_ms", 0},
                          {"billed_ms", 0},        {"max_rss_mb", maxMemoryMb()},
                          {"error", Msg},          {"error_type", "Runtime.Unavailable"},
                          {"not_started", true}};
    if (Job)
      deliver(*Job, {200, serveError("Runtime.Unavailable", Msg), "application/json", "Unhandled"});
    record(std::move(Inv));
    return true;
  }

  auto Start = Clock::now();
  auto Deadline = Start + std::chrono::milliseconds(Opts.TimeoutMs);
  if (!Opts.Quiet)
    Ctx.Out.line("START RequestId: " + E.RequestId + " Version: $LATEST");
  Ctx.notify([&](RunObserver &O) { O.onInvocationStart(EnvId, Index, E.DeadlineMs); });
  InvocationOutcome Outcome;
  W = Server.waitOutcomeFor(E.RequestId, Deadline, Tick, Outcome);
  double Duration = msSince(Start);
  if (W == Wake::Interrupted) {
    std::lock_guard<std::mutex> L(Ctx.JsonMutex);
    Ctx.InFlight.push_back({{"index", Index},
                            {"request_id", E.RequestId},
                            {"environment", EnvId},
                            {"pid", Pid},
                            {"elapsed_ms", round2(Duration)}});
    return false;
  }
  nlohmann::json Inv = {{"index", Index},       {"request_id", E.RequestId},
                        {"environment", EnvId}, {"slot", Slot},
                        {"pid", Pid},           {"cold", Cold},
                        {"status", "success"},  {"duration_ms", 0},
                        {"billed_ms", 0},       {"max_rss_mb", 0},
                        {"error", nullptr}};
  if (Cold)
    Inv["init_ms"] = round2(P->InitMs);
  std::string Status = "success", ErrorType, ErrorMessage;
  switch (W) {
  case Wake::Done:
    Inv["response_bytes"] = Outcome.Bytes;
    if (Outcome.Kind == OutcomeKind::Error) {
      Status = "error";
      ErrorType = Outcome.ErrorType;
      ErrorMessage = Outcome.ErrorMessage;
      if (!Outcome.PayloadErrorType.empty())
        Inv["payload_error_type"] = Outcome.PayloadErrorType;
      if (!Outcome.HeaderErrorType.empty())
        Inv["error_type_header"] = Outcome.HeaderErrorType;
    } else if (Outcome.Kind == OutcomeKind::Oversize) {
      Status = "invalid-response";
      ErrorType = Outcome.ErrorType;
      ErrorMessage = Outcome.ErrorMessage;
    }
    break;
  case Wake::Exited:
  case Wake::Aborted:
    EndedBy = ExitReason(W, Status, ErrorType, ErrorMessage);
    break;
  default:
    // The invocation fails; the worker keeps running it (the cloud does
    // not stop it either) and the environment stays.
    Status = "timeout";
    ErrorType = "Sandbox.Timedout";
    ErrorMessage = "Task timed out after " + fmt2(Opts.TimeoutMs / 1000.0) + " seconds";
    Duration = static_cast<double>(Opts.TimeoutMs);
    Ctx.notify([&](RunObserver &O) { O.onDeadlinePassed(EnvId, Index, Pid); });
    Server.markTimedOutId(E.RequestId);
    break;
  }
  Clock::time_point Taken = Start;
  int Port = 0, ActiveAtStart = 1;
  Server.handedOut(E.RequestId, Taken, Port, ActiveAtStart);
  Inv["concurrent_at_start"] = ActiveAtStart;
  uint64_t StartNs = monoNs(Taken);
  uint64_t EndNs = Status == "timeout" ? 0 : monoNs(Clock::now());
  Ctx.notify([&](RunObserver &O) { O.onInvocationSpan(EnvId, Index, Port, StartNs, EndNs); });
  if (Ctx.aborting() && EndedBy.empty())
    EndedBy = "interrupted";
  report(Inv, E.RequestId, Status, ErrorType, ErrorMessage, Duration, Cold, false, Outcome, Job);
  record(std::move(Inv));
  return true;
}

void EnvironmentSlot::resetAfter(const std::string &EndedBy) {
  if (!P)
    return;
  bool WithExtensions = !Ctx.Opts.Extensions.empty() || !Server.extensions().empty();
  if (EndedBy == "interrupted")
    interrupted();
  else if (WithExtensions)
    shutdown("failure", EndedBy);
  else {
    Ctx.Out.line("[env " + std::to_string(P->EnvId) + "] environment reset after " + EndedBy +
                 ": SIGKILL to process group " + std::to_string(P->Pid) +
                 "; the next invocation inits a new one");
    kill(EndedBy);
  }
}

} // namespace serverless::runtime
