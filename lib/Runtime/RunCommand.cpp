//===- RunCommand.cpp - `serverless-tidy run` -----------------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RunCommand.h"
#include "Runtime/Cgroups.h"
#include "Runtime/Cleanup.h"
#include "Runtime/Environment.h"
#include "Runtime/RunObserver.h"
#include "Runtime/RunOptions.h"
#include "Runtime/RunOutput.h"
#include "Runtime/Serve.h"
#include "Runtime/Supervisor.h"
#include "Runtime/Text.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sys/resource.h>
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

/// Each connection to a Runtime API server is a descriptor of the
/// emulator's: its own limit is raised to the hard limit (the function gets
/// --max-fds, set at spawn).
void raiseFdLimit() {
  struct rlimit RL;
  if (::getrlimit(RLIMIT_NOFILE, &RL) == 0 && RL.rlim_cur < RL.rlim_max) {
    RL.rlim_cur = RL.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &RL);
  }
}

/// Resets the interrupt handler when the run's context goes away (declared
/// after it, so destroyed first; the reset waits for a handler in progress).
struct InterruptScope {
  ~InterruptScope() {
    setInterruptHandler({}, "");
    registerRunCgroups(nullptr);
  }
};

int runParsed(const RunOptions &Opts,
              const std::vector<std::shared_ptr<RunObserver>> &Extra) {
  std::string Error;
  // Before any thread exists: SIGINT/SIGTERM/SIGHUP go to the signal thread
  // only. Until the run is set up, a signal gets the last resort.
  setInterruptHandler({}, Opts.JsonFile);

  // An unwritable --json is refused before anything runs, not found out
  // after the whole run. Opened for append (nothing truncated yet), and a
  // file created here is removed again.
  if (!Opts.JsonFile.empty()) {
    struct stat St;
    bool Existed = ::stat(Opts.JsonFile.c_str(), &St) == 0;
    if (Existed && S_ISDIR(St.st_mode)) {
      std::cerr << "serverless-tidy run: error: --json '"
                << printable(Opts.JsonFile) << "' is a directory\n";
      return 3;
    }
    int Fd = ::open(Opts.JsonFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (Fd < 0) {
      std::cerr << "serverless-tidy run: error: cannot write --json '"
                << printable(Opts.JsonFile) << "': " << std::strerror(errno)
                << " (refused before the run)\n";
      return 3;
    }
    ::close(Fd);
    if (!Existed)
      ::unlink(Opts.JsonFile.c_str());
  }
  // Evidence kinds are only known when the resource ledger is on.
  bool WantsEvidence = false;
  for (const char *K : {"fd-growth", "emfile-projected", "connection-per-invocation",
                        "blocked-at-deadline", "open-at-shutdown"})
    WantsEvidence |= Opts.FailOn.count(K) > 0;

  Cgroups Groups;
  if (!Groups.setup(Opts.Freeze, Opts.Memory, Error)) {
    std::cerr << "serverless-tidy run: error: " << Error << "\n";
    return 2;
  }
  registerRunCgroups(&Groups);

  RunOutput Out(Opts.Serve && !Opts.InvocationsGiven ? 0 : Opts.Invocations);
  RunContext Ctx(Opts, Groups, Out);
  // --serve: jobs come from HTTP requests; the first signal ends serving
  // (the run then ends in order and reports), a second one is the last resort.
  std::unique_ptr<ServeQueue> Queue;
  if (Opts.Serve)
    Queue = std::make_unique<ServeQueue>(64, Opts.InvocationsGiven ? Opts.Invocations : 0);
  ServeQueue *QueuePtr = Queue.get();
  InterruptScope Scope;
  setInterruptHandler(
      [&Ctx, QueuePtr, &Out](int Sig) {
        if (QueuePtr && !QueuePtr->closed()) {
          Out.line("[run] " + signalName(Sig) +
                   ": no more invocations; the run ends in order (again: stop at once)");
          QueuePtr->close();
          return;
        }
        Ctx.abort("interrupted by " + signalName(Sig), 128 + Sig);
      },
      Opts.JsonFile);
  Ctx.Observers = registeredRunObservers();
  Ctx.Observers.insert(Ctx.Observers.end(), Extra.begin(), Extra.end());
  // Per-invocation records are kept for --json only: a 10,000-invocation
  // run without it must not grow the emulator (observers still see each
  // record in onInvocationEnd).
  Ctx.KeepRecords = !Opts.JsonFile.empty();
  Ctx.FunctionArn = "arn:aws:lambda:" + Opts.Region +
                    ":012345678912:function:" + validUtf8(Opts.FunctionName);

  int64_t K = Opts.Serve ? Opts.Concurrency
                        : std::min<int64_t>(Opts.Concurrency, Opts.Invocations);
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
      {"max_concurrency",
       Opts.MaxConcurrency > 0 ? nlohmann::json(Opts.MaxConcurrency) : nlohmann::json(nullptr)},
      {"invocations", Opts.Invocations},
      {"idle_ms", Opts.IdleMs},
      {"shutdown_grace_ms",
       GraceDefault >= 0 ? nlohmann::json(Opts.ShutdownGraceMs) : nlohmann::json(nullptr)},
      {"on_timeout", Opts.KeepOnTimeout ? "keep" : "reset"},
      {"freeze_method", Cgroups::name(Groups.freezeMethod())},
      {"memory_method", Cgroups::name(Groups.memoryMethod())},
      {"extensions", Opts.Extensions}};
  try {
    Ctx.notify([&](RunObserver &O) { O.onRunStart(Opts, Run["config"]); });
  } catch (const std::exception &E) {
    Ctx.abort(std::string("internal error: ") + E.what(), 3);
  }

  Out.line("[run] " + printable(Opts.FunctionPath) + ": " +
           (Opts.Serve && !Opts.InvocationsGiven
                ? std::string("invocations from --serve")
                : std::to_string(Opts.Invocations) + " invocation(s)") +
           ", concurrency " +
           std::to_string(Opts.Concurrency) + ", timeout " +
           fmt2(Opts.TimeoutMs / 1000.0) + " s, memory " +
           std::to_string(Opts.MemoryMb) + " MB, max fds " +
           std::to_string(Opts.MaxFds));
  if (!Opts.TemplateFile.empty()) {
    std::string Applied;
    for (const auto &A : Opts.TemplateApplied)
      Applied += (Applied.empty() ? "" : ", ") + A;
    Out.line("[run] template " + printable(Opts.TemplateFile) + " (" + Opts.TemplateKind +
             "), function " + printable(Opts.TemplateName) + ": " +
             (Applied.empty() ? std::string("nothing set") : printable(Applied)));
    for (const auto &N : Opts.TemplateNotes)
      Out.line("[run] template: " + printable(N));
    Run["config"]["template"] = {{"path", Opts.TemplateFile},
                                 {"kind", Opts.TemplateKind},
                                 {"function", Opts.TemplateName},
                                 {"applied", Opts.TemplateApplied},
                                 {"layers", Opts.TemplateLayers},
                                 {"notes", Opts.TemplateNotes}};
  }
  Out.line(std::string("[run] freeze method: ") +
           Cgroups::name(Groups.freezeMethod()) +
           ", memory method: " + Cgroups::name(Groups.memoryMethod()));
  if (Opts.MaxConcurrency > 0)
    Out.line("[run] Lambda Managed Instances mode: up to " +
             std::to_string(Opts.MaxConcurrency) +
             " concurrent invocations per environment (AWS_LAMBDA_MAX_CONCURRENCY=" +
             std::to_string(Opts.MaxConcurrency) +
             "), no freeze, a timeout fails its invocation only, init limit " +
             fmt2(Opts.InitTimeoutMs / 1000.0) + " s");

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
  // K concurrent requests). --serve: whichever environment is free.
  std::vector<std::vector<int64_t>> Work(static_cast<size_t>(K));
  if (!Opts.Serve)
    for (int64_t I = 0; I < Opts.Invocations; ++I)
      Work[static_cast<size_t>(I % K)].push_back(I);
  std::unique_ptr<InvokeServer> Endpoint;
  if (Opts.Serve) {
    Endpoint = std::make_unique<InvokeServer>(*Queue, Out,
                                              Opts.TimeoutMs + Opts.InitTimeoutMs + 10000);
    if (!Endpoint->start(Opts.ServeAddr, Opts.ServePort, Error)) {
      std::cerr << "serverless-tidy run: error: " << printable(Error) << "\n";
      return 3;
    }
    std::string Host = Opts.ServeAddr.find(':') != std::string::npos ? "[" + Opts.ServeAddr + "]"
                                                                      : Opts.ServeAddr;
    Out.line("[run] serving POST http://" + Host + ":" + std::to_string(Endpoint->port()) +
             "/2015-03-31/functions/function/invocations" +
             (Opts.InvocationsGiven ? " for " + std::to_string(Opts.Invocations) + " invocation(s)"
                                    : std::string(" until Ctrl-C")));
    Run["config"]["serve"] = {{"address", Opts.ServeAddr}, {"port", Endpoint->port()}};
  }
  std::vector<std::thread> Threads;
  for (int64_t S = 0; S < K && !Ctx.aborting(); ++S) {
    try {
      Threads.emplace_back([&, S] {
        // Whatever goes wrong in an environment ends the run in order (its
        // process tree killed, the JSON written, exit 3); never terminate.
        try {
          if (QueuePtr)
            Slots[S]->serve(*QueuePtr);
          else
            Slots[S]->run(Work[S]);
        } catch (const std::exception &E) {
          Ctx.abort(std::string("internal error: ") + E.what(), 3);
        } catch (...) {
          Ctx.abort("internal error: unknown exception", 3);
        }
      });
    } catch (const std::exception &E) {
      Ctx.abort(std::string("internal error: cannot start an environment "
                            "thread: ") + E.what(), 3);
    }
  }
  if (Ctx.aborting() && QueuePtr)
    QueuePtr->close();
  // An aborted run stops the environment threads; the queue must not hold
  // them (they drain it, answering 503).
  std::thread Closer;
  if (QueuePtr)
    Closer = std::thread([&Ctx, QueuePtr] {
      while (!QueuePtr->closed() && !Ctx.aborting())
        Ctx.sleepFor(50);
      QueuePtr->close();
    });
  for (auto &T : Threads)
    T.join();
  if (Closer.joinable()) {
    QueuePtr->close();
    Closer.join();
  }
  if (Endpoint) {
    Endpoint->stop();
    Run["config"]["invocations"] = QueuePtr->accepted();
  }
  // Anything still around (a child that left the process group without a
  // cgroup to find it, a daemon) is killed before the servers stop: it may
  // hold the runtime's inherited keep-alive connection.
  killDescendants();
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
  ByKey(Ctx.InFlight, "index");
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
    if (S["signal"] == "SIGTERM" && !S["exited_in_grace"].get<bool>() &&
        !S.contains("interrupted_after_ms"))
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
    std::string Reason = S.value("reason", std::string("spindown"));
    if (Reason != "spindown")
      Summary << " (reset, SHUTDOWN reason " << Reason << ")";
    if (S.contains("runtime_exited"))
      Summary << " after the runtime had exited";
    else if (S.contains("interrupted_after_ms"))
      Summary << " + grace interrupted";
    else if (S["signal"] == "SIGTERM")
      Summary << " + " << S["grace_ms"] << " ms grace, "
              << (S["exited_in_grace"].get<bool>() ? "exited in grace"
                                                   : "SIGKILLed after grace");
    else
      Summary << " only (no extension)";
    FirstE = false;
  }
  if (FirstE)
    Summary << (Ctx.aborting() ? "none (interrupted: every environment was killed)"
                               : "no live environment at the end");
  Summary << "\n";

  bool Aborted = Ctx.aborting();
  std::string Reason = Aborted ? Ctx.abortReason() : "";
  int Exit = Aborted ? Ctx.abortExitCode() : (Failed ? 1 : 0);
  if (Aborted) {
    Run["incomplete"] = true;
    Run["incomplete_reason"] = Reason;
    Run["in_flight"] = std::move(Ctx.InFlight);
    Ctx.notify([&](RunObserver &O) { O.onRunAborted(Run, Reason); });
  } else {
    Ctx.notify([&](RunObserver &O) { O.onRunEnd(Run, Summary); });
    // Evidence (added by the shim's observer): --fail-on may name its kinds.
    std::set<std::string> Seen;
    if (Run.contains("evidence") && Run["evidence"].is_array())
      for (auto &E : Run["evidence"])
        if (E.is_object() && E.contains("kind") && E["kind"].is_string())
          Seen.insert(E["kind"].get<std::string>());
    std::string Why;
    for (const auto &K : Seen)
      if (Opts.FailOn.count(K))
        Why += (Why.empty() ? "" : ", ") + K;
    if (!Why.empty()) {
      Failed = true;
      Exit = 1;
      Summary << "[run] --fail-on: evidence " << Why << "\n";
    } else if (WantsEvidence && !Run.contains("evidence")) {
      Summary << "[run] --fail-on names evidence kinds, but the resource ledger "
                 "was off (--no-shim): nothing to judge them by\n";
    }
  }
  Run["exit_code"] = Exit;
  Out.raw(1, Summary.str());
  if (Aborted)
    Out.line("[run] result: INCOMPLETE (" + printable(Reason) + ", exit " +
             std::to_string(Exit) + ")");
  else
    Out.line(std::string("[run] result: ") +
             (Failed ? "FAILED (exit 1)" : "ok (exit 0)"));

  int Code = Exit;
  if (!Opts.JsonFile.empty() && claimJsonOutput()) {
    std::ofstream J(Opts.JsonFile, std::ios::binary);
    // Whatever a function or the command line put in a string, the
    // document stays valid JSON (invalid UTF-8 becomes U+FFFD).
    if (J)
      J << dumpJson(Run, 2) << "\n";
    J.close();
    if (!J) {
      std::cerr << "serverless-tidy run: error: cannot write '"
                << printable(Opts.JsonFile) << "'\n";
      Code = 3;
    }
    jsonOutputDone();
  }
  if (Aborted)
    std::cerr << "serverless-tidy run: " << printable(Reason)
              << "; every function process was killed"
              << (Opts.JsonFile.empty() || Code == 3
                      ? std::string()
                      : "; what was observed is in '" +
                            printable(Opts.JsonFile) + "' (incomplete)")
              << "\n";
  removeCleanupPaths();
  return Code;
}

} // namespace

int runCommandWithObservers(
    int Argc, const char **Argv,
    const std::vector<std::shared_ptr<RunObserver>> &Extra) {
  RunOptions Opts;
  std::string Error;
  bool Help = false;
  try {
    if (!parseRunOptions(Argc, Argv, Opts, Error, Help)) {
      std::cerr << "serverless-tidy run: error: " << Error << "\n";
      return 2;
    }
  } catch (const std::exception &E) {
    std::cerr << "serverless-tidy run: error: " << printable(E.what()) << "\n";
    return 2;
  }
  if (Help) {
    std::cout << runUsage();
    return 0;
  }
  // Writes to a socket whose peer (a killed function) is gone must not kill
  // the emulator.
  std::signal(SIGPIPE, SIG_IGN);
  raiseFdLimit();
  std::string What;
  try {
    return runParsed(Opts, Extra);
  } catch (const std::exception &E) {
    What = E.what();
  } catch (...) {
    What = "unknown exception";
  }
  std::cerr << "serverless-tidy run: internal error: " << printable(What)
            << "; every function process was killed\n";
  emergencyCleanup("internal error: " + What, 3);
  removeCleanupPaths();
  return 3;
}

int runCommand(int Argc, const char **Argv) {
  return runCommandWithObservers(Argc, Argv, {});
}

} // namespace serverless::runtime
