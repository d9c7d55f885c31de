//===- RunCommand.cpp - `serverless-tidy run` -----------------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RunCommand.h"
#include "Runtime/Cgroups.h"
#include "Runtime/Environment.h"
#include "Runtime/RunObserver.h"
#include "Runtime/RunOptions.h"
#include "Runtime/RunOutput.h"
#include "Runtime/Supervisor.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace serverless::runtime {

namespace {

std::string fmt2(double V) {
  char Buf[64];
  std::snprintf(Buf, sizeof Buf, "%.2f", V);
  return Buf;
}

/// Ctrl-C or a SIGTERM to the emulator must not leave frozen functions
/// behind: a thread waits for those signals (blocked everywhere else) and
/// kills every child before exiting.
void installInterruptHandler(Cgroups *Groups) {
  static Cgroups *G;
  static bool Installed = false;
  G = Groups;
  if (Installed)
    return;
  Installed = true;
  sigset_t Set;
  sigemptyset(&Set);
  sigaddset(&Set, SIGINT);
  sigaddset(&Set, SIGTERM);
  sigaddset(&Set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &Set, nullptr);
  std::thread([Set] {
    int Sig = 0;
    sigwait(&Set, &Sig);
    killAllChildren();
    if (G)
      G->thawAll();
    std::fprintf(stderr, "serverless-tidy run: interrupted by signal %d; "
                         "every function process was killed\n", Sig);
    std::_Exit(128 + Sig);
  }).detach();
}

} // namespace

int runCommandWithObservers(
    int Argc, const char **Argv,
    const std::vector<std::shared_ptr<RunObserver>> &Extra) {
  RunOptions Opts;
  std::string Error;
  bool Help = false;
  if (!parseRunOptions(Argc, Argv, Opts, Error, Help)) {
    std::cerr << "serverless-tidy run: error: " << Error << "\n";
    return 2;
  }
  if (Help) {
    std::cout << runUsage();
    return 0;
  }
  // Writes to a socket whose peer (a killed function) is gone must not kill
  // the emulator.
  std::signal(SIGPIPE, SIG_IGN);

  Cgroups Groups;
  if (!Groups.setup(Opts.Freeze, Opts.Memory, Error)) {
    std::cerr << "serverless-tidy run: error: " << Error << "\n";
    return 2;
  }
  installInterruptHandler(&Groups);

  RunOutput Out(Opts.Invocations);
  RunContext Ctx(Opts, Groups, Out);
  Ctx.Observers = registeredRunObservers();
  Ctx.Observers.insert(Ctx.Observers.end(), Extra.begin(), Extra.end());
  Ctx.KeepRecords = !Opts.JsonFile.empty() || !Ctx.Observers.empty();
  Ctx.FunctionArn = "arn:aws:lambda:" + Opts.Region +
                    ":012345678912:function:" + Opts.FunctionName;

  int64_t K = std::min<int64_t>(Opts.Concurrency, Opts.Invocations);
  nlohmann::json Run;
  Run["schema"] = "serverless-tidy-run/1";
  Run["function"] = {{"path", Opts.FunctionPath}, {"args", Opts.FunctionArgs}};
  double GraceDefault = Opts.ShutdownGraceMs;
  Run["config"] = {
      {"timeout_ms", Opts.TimeoutMs},
      {"init_timeout_ms", Opts.InitTimeoutMs},
      {"memory_mb", Opts.MemoryMb},
      {"max_fds", Opts.MaxFds},
      {"concurrency", Opts.Concurrency},
      {"invocations", Opts.Invocations},
      {"idle_ms", Opts.IdleMs},
      {"shutdown_grace_ms",
       GraceDefault >= 0 ? nlohmann::json(Opts.ShutdownGraceMs) : nlohmann::json(nullptr)},
      {"on_timeout", Opts.KeepOnTimeout ? "keep" : "reset"},
      {"freeze_method", Cgroups::name(Groups.freezeMethod())},
      {"memory_method", Cgroups::name(Groups.memoryMethod())},
      {"extensions", Opts.Extensions}};
  Ctx.notify([&](RunObserver &O) { O.onRunStart(Opts, Run["config"]); });

  Out.line("[run] " + Opts.FunctionPath + ": " +
           std::to_string(Opts.Invocations) + " invocation(s), concurrency " +
           std::to_string(Opts.Concurrency) + ", timeout " +
           fmt2(Opts.TimeoutMs / 1000.0) + " s, memory " +
           std::to_string(Opts.MemoryMb) + " MB, max fds " +
           std::to_string(Opts.MaxFds));
  Out.line(std::string("[run] freeze method: ") +
           Cgroups::name(Groups.freezeMethod()) +
           ", memory method: " + Cgroups::name(Groups.memoryMethod()));

  std::vector<std::unique_ptr<EnvironmentSlot>> Slots;
  for (int64_t S = 0; S < K; ++S) {
    Slots.push_back(std::make_unique<EnvironmentSlot>(static_cast<int>(S + 1), Ctx));
    if (!Slots.back()->start(Error)) {
      std::cerr << "serverless-tidy run: error: " << Error << "\n";
      return 3;
    }
  }
  // Round-robin: invocation i goes to environment slot i mod K, so K
  // environments are really used (Lambda scales out to K environments for
  // K concurrent requests).
  std::vector<std::vector<int64_t>> Work(static_cast<size_t>(K));
  for (int64_t I = 0; I < Opts.Invocations; ++I)
    Work[static_cast<size_t>(I % K)].push_back(I);
  std::vector<std::thread> Threads;
  for (int64_t S = 0; S < K; ++S)
    Threads.emplace_back([&, S] { Slots[S]->run(Work[S]); });
  for (auto &T : Threads)
    T.join();
  // Anything still around (a child that left the process group without a
  // cgroup to find it) is killed before the servers stop: it may hold the
  // runtime's inherited keep-alive connection, which a server waits for.
  killAllChildren();
  waitNoChildren(2000);
  Slots.clear();
  // Then wait for the output pumps to drain.
  for (int I = 0; I < 200 && Ctx.LivePumps.load() > 0; ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Out.finish();

  // Sort the JSON by index / id: threads finish in any order.
  auto ByKey = [](nlohmann::json &Arr, const char *Key) {
    std::sort(Arr.begin(), Arr.end(),
              [Key](const nlohmann::json &A, const nlohmann::json &B) {
                return A[Key] < B[Key];
              });
  };
  ByKey(Ctx.Invocations, "index");
  ByKey(Ctx.Environments, "id");
  ByKey(Ctx.Shutdowns, "environment");
  Run["environments"] = std::move(Ctx.Environments);
  Run["invocations"] = std::move(Ctx.Invocations);
  Run["shutdown"] = std::move(Ctx.Shutdowns);

  // Summary.
  bool Failed = false;
  for (auto &[S, N] : Ctx.ByStatus)
    if (Opts.FailOn.count(S))
      Failed = true;
  int64_t NotInGrace = 0;
  for (auto &S : Run["shutdown"])
    if (S["signal"] == "SIGTERM" && !S["exited_in_grace"].get<bool>())
      ++NotInGrace;
  if (NotInGrace && Opts.FailOn.count("shutdown"))
    Failed = true;
  std::ostringstream Summary;
  Summary << "[run] summary: " << Ctx.Recorded << " invocation(s):";
  bool FirstS = true;
  for (auto &[S, N] : Ctx.ByStatus) {
    Summary << (FirstS ? " " : ", ") << N << " " << S;
    FirstS = false;
  }
  Summary << "; " << Run["environments"].size() << " environment(s), "
          << Ctx.ColdStarts << " cold start(s); max memory used "
          << Ctx.MaxMemoryMb << " of " << Opts.MemoryMb
          << " MB; total duration " << fmt2(Ctx.TotalDurationMs) << " ms\n";
  Summary << "[run] shutdown: ";
  bool FirstE = true;
  for (auto &S : Run["shutdown"]) {
    Summary << (FirstE ? "" : "; ") << "env " << S["environment"] << " "
            << S["signal"].get<std::string>();
    if (S["signal"] == "SIGTERM")
      Summary << " + " << S["grace_ms"] << " ms grace, "
              << (S["exited_in_grace"].get<bool>() ? "exited in grace"
                                                   : "SIGKILLed after grace");
    else
      Summary << " only (no extension)";
    FirstE = false;
  }
  if (FirstE)
    Summary << "no live environment at the end";
  Summary << "\n";
  Ctx.notify([&](RunObserver &O) { O.onRunEnd(Run, Summary); });
  Run["exit_code"] = Failed ? 1 : 0;
  Out.raw(1, Summary.str());
  Out.line(std::string("[run] result: ") +
           (Failed ? "FAILED (exit 1)" : "ok (exit 0)"));

  if (!Opts.JsonFile.empty()) {
    std::ofstream J(Opts.JsonFile);
    if (!J) {
      std::cerr << "serverless-tidy run: error: cannot write '" << Opts.JsonFile
                << "'\n";
      return 3;
    }
    J << Run.dump(2) << "\n";
  }
  return Failed ? 1 : 0;
}

int runCommand(int Argc, const char **Argv) {
  return runCommandWithObservers(Argc, Argv, {});
}

} // namespace serverless::runtime
