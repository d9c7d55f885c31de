//===- RunOptions.cpp - Options of `serverless-tidy run` ------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RunOptions.h"
#include "Runtime/Serve.h"
#include "Runtime/Template.h"
#include "Runtime/Text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace serverless::runtime {

namespace {

bool parseInt(const std::string &S, int64_t Min, int64_t Max, int64_t &Out) {
  if (S.empty())
    return false;
  char *End = nullptr;
  errno = 0;
  long long V = std::strtoll(S.c_str(), &End, 10);
  if (errno || *End || V < Min || V > Max)
    return false;
  Out = V;
  return true;
}

// Seconds may be fractional so tests can use short timeouts; the cloud only
// takes whole seconds (1-900).
bool parseSeconds(const std::string &S, int64_t &OutMs) {
  char *End = nullptr;
  errno = 0;
  double V = std::strtod(S.c_str(), &End);
  if (S.empty() || errno || *End || !(V > 0) || V > 900)
    return false;
  OutMs = static_cast<int64_t>(std::llround(V * 1000));
  return OutMs > 0;
}

bool readAll(const std::string &Path, std::string &Out) {
  if (Path == "-") {
    std::stringstream SS;
    SS << std::cin.rdbuf();
    Out = SS.str();
    return true;
  }
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return false;
  std::stringstream SS;
  SS << In.rdbuf();
  Out = SS.str();
  return true;
}

bool isJson(const std::string &S) {
  return nlohmann::json::accept(S);
}

} // namespace

const char *runUsage() {
  return R"(usage: serverless-tidy run [options] <function-binary> [args...]

Runs a Lambda C++ function binary through the Lambda lifecycle, serving the
Runtime API 2018-06-01 and the Extensions API 2020-01-01 on loopback.

  --invocations N        invocations to run (default 1, or one per --events line)
  --event FILE           one JSON event for every invocation ('-' = stdin)
  --events FILE          JSON lines, one event per invocation ('-' = stdin)
  --timeout S            function timeout in seconds (default 3; fractions allowed)
  --on-timeout=reset|keep  reset (kill, re-init; the cloud) or keep the process
  --memory MB            memory size (default 128)
  --max-fds N            RLIMIT_NOFILE of the function (default 1024)
  --idle MS              frozen gap between invocations (default 0)
  --concurrency K        K environments side by side (default 1)
  --max-concurrency N    Lambda Managed Instances: up to N concurrent invocations in
                         each environment (AWS_LAMBDA_MAX_CONCURRENCY=N, several
                         `next` at once, no freeze, per-invocation timeouts)
  --extension NAME       simulate an external extension (repeatable)
  --shutdown-grace MS    override the SIGTERM grace when SIGTERM applies
  --env K=V              extra environment variable for the function
  --env-file FILE        K=V lines (# comments) for the function's environment,
                         before --env; nothing else of the caller's environment
                         (HOME, AWS_* credentials) reaches the function
  --function-name NAME   AWS_LAMBDA_FUNCTION_NAME (default serverless-tidy-function)
  --handler NAME         _HANDLER (default function.handler)
  --json FILE            write the run as JSON (schema serverless-tidy-run/1)
  --serve [ADDR:]PORT    accept RIE's POST /2015-03-31/functions/function/invocations
                         (loopback unless ADDR; PORT 0: any) instead of --event(s);
                         ends after --invocations N, or at Ctrl-C (in order)
  --template FILE        timeout, memory, environment, layers (extensions),
                         handler and name from a SAM/CloudFormation template or
                         a serverless.yml; command-line options win
  --function NAME        the template's function (logical id / functions key)
  --fail-on LIST         what makes the exit code 1 (comma-separated): statuses
                         error,timeout,crash,oom,invalid-response,shutdown; evidence
                         from the resource ledger fd-growth,emfile-projected,
                         connection-per-invocation,blocked-at-deadline,
                         open-at-shutdown,shared-across-invocations; 'none'
  --quiet                no START/END/REPORT lines, only problems and the summary
  --init-timeout S       init limit (default 10, the cloud's; for fast tests)
  --freeze=auto|cgroup-v2|cgroup-v1|sigstop|none   force a freeze method
  --memory-method=auto|cgroup-v2|cgroup-v1|rss|none force a memory method
)";
}

bool parseRunOptions(int Argc, const char **Argv, RunOptions &Opts,
                     std::string &Error, bool &WantsHelp) {
  WantsHelp = false;
  int I = 1;
  auto Value = [&](const std::string &Arg, std::string &Out) -> bool {
    auto Eq = Arg.find('=');
    if (Eq != std::string::npos) {
      Out = Arg.substr(Eq + 1);
      return true;
    }
    if (I + 1 >= Argc) {
      Error = "option '" + printable(Arg, 80) + "' needs a value";
      return false;
    }
    Out = Argv[++I];
    return true;
  };
  for (; I < Argc; ++I) {
    std::string Arg = Argv[I];
    if (Arg == "--") {
      ++I;
      break;
    }
    if (Arg.rfind("--", 0) != 0)
      break;
    std::string Name = Arg.substr(0, Arg.find('='));
    std::string V;
    auto Bad = [&](const char *What) {
      Error = "invalid value '" + printable(V, 80) + "' for " + Name + ": " + What;
      return false;
    };
    if (Name == "--help" || Name == "-h") {
      WantsHelp = true;
      return true;
    }
    if (Name == "--quiet") {
      Opts.Quiet = true;
      continue;
    }
    if (!Value(Arg, V))
      return false;
    if (Name == "--invocations") {
      if (!parseInt(V, 1, 100000000, Opts.Invocations))
        return Bad("expected an integer >= 1");
      Opts.InvocationsGiven = true;
    } else if (Name == "--event") {
      Opts.EventFile = V;
    } else if (Name == "--events") {
      Opts.EventsFile = V;
    } else if (Name == "--timeout") {
      if (!parseSeconds(V, Opts.TimeoutMs))
        return Bad("expected seconds in (0, 900]");
      Opts.TimeoutGiven = true;
    } else if (Name == "--init-timeout") {
      if (!parseSeconds(V, Opts.InitTimeoutMs))
        return Bad("expected seconds in (0, 900]");
      Opts.InitTimeoutGiven = true;
    } else if (Name == "--on-timeout") {
      if (V != "reset" && V != "keep")
        return Bad("expected reset or keep");
      Opts.KeepOnTimeout = V == "keep";
    } else if (Name == "--memory") {
      if (!parseInt(V, 1, 10240, Opts.MemoryMb))
        return Bad("expected MB in [1, 10240]");
      Opts.MemoryGiven = true;
    } else if (Name == "--max-fds") {
      if (!parseInt(V, 8, 1048576, Opts.MaxFds))
        return Bad("expected an integer in [8, 1048576]");
    } else if (Name == "--idle") {
      if (!parseInt(V, 0, 3600000, Opts.IdleMs))
        return Bad("expected milliseconds >= 0");
    } else if (Name == "--concurrency") {
      if (!parseInt(V, 1, 256, Opts.Concurrency))
        return Bad("expected an integer in [1, 256]");
    } else if (Name == "--max-concurrency") {
      if (!parseInt(V, 1, 64, Opts.MaxConcurrency))
        return Bad("expected an integer in [1, 64]");
    } else if (Name == "--extension") {
      if (V.empty())
        return Bad("expected a name");
      Opts.Extensions.push_back(V);
    } else if (Name == "--shutdown-grace") {
      if (!parseInt(V, 0, 600000, Opts.ShutdownGraceMs))
        return Bad("expected milliseconds >= 0");
    } else if (Name == "--env") {
      if (V.find('=') == std::string::npos || V[0] == '=')
        return Bad("expected K=V");
      Opts.Env.push_back(V);
    } else if (Name == "--env-file") {
      // K=V lines (blank lines and # comments skipped), before --env: what
      // the developer passes explicitly, nothing from the shell.
      std::string Text;
      if (!readAll(V, Text))
        return Bad("cannot read the file");
      std::stringstream SS(Text);
      std::string Line;
      int LineNo = 0;
      std::vector<std::string> FromFile;
      while (std::getline(SS, Line)) {
        ++LineNo;
        if (!Line.empty() && Line.back() == '\r')
          Line.pop_back();
        size_t B = Line.find_first_not_of(" \t");
        if (B == std::string::npos || Line[B] == '#')
          continue;
        Line = Line.substr(B);
        if (Line.rfind("export ", 0) == 0)
          Line = Line.substr(7);
        if (Line.find('=') == std::string::npos || Line[0] == '=') {
          Error = "--env-file '" + printable(V, 80) + "' line " + std::to_string(LineNo) +
                  ": expected K=V";
          return false;
        }
        FromFile.push_back(Line);
      }
      Opts.Env.insert(Opts.Env.begin(), FromFile.begin(), FromFile.end());
    } else if (Name == "--function-name") {
      Opts.FunctionName = V;
      Opts.FunctionNameGiven = true;
    } else if (Name == "--handler") {
      Opts.Handler = V;
      Opts.HandlerGiven = true;
    } else if (Name == "--serve") {
      std::string Why;
      if (!parseServeAddress(V, Opts.ServeAddr, Opts.ServePort, Why))
        return Bad(Why.c_str());
      Opts.Serve = true;
    } else if (Name == "--template") {
      Opts.TemplateFile = V;
    } else if (Name == "--function") {
      Opts.TemplateFunction = V;
    } else if (Name == "--json") {
      Opts.JsonFile = V;
    } else if (Name == "--fail-on") {
      Opts.FailOn.clear();
      std::stringstream SS(V);
      std::string Item;
      static const std::set<std::string> Known = {
          "error", "timeout", "crash", "oom", "invalid-response", "shutdown",
          "none",
          // Evidence kinds (the shim's ledger; RunCommand reads "evidence").
          "fd-growth", "emfile-projected", "connection-per-invocation",
          "blocked-at-deadline", "open-at-shutdown", "shared-across-invocations"};
      while (std::getline(SS, Item, ',')) {
        if (!Known.count(Item))
          return Bad("unknown status or evidence kind");
        if (Item != "none")
          Opts.FailOn.insert(Item);
      }
    } else if (Name == "--freeze") {
      static const std::pair<const char *, FreezeMethod> M[] = {
          {"auto", FreezeMethod::Auto},       {"cgroup-v2", FreezeMethod::CgroupV2},
          {"cgroup-v1", FreezeMethod::CgroupV1}, {"sigstop", FreezeMethod::SigStop},
          {"none", FreezeMethod::None}};
      bool Found = false;
      for (auto &[K, F] : M)
        if (V == K) {
          Opts.Freeze = F;
          Found = true;
        }
      if (!Found)
        return Bad("expected auto, cgroup-v2, cgroup-v1, sigstop or none");
    } else if (Name == "--memory-method") {
      static const std::pair<const char *, MemoryMethod> M[] = {
          {"auto", MemoryMethod::Auto},       {"cgroup-v2", MemoryMethod::CgroupV2},
          {"cgroup-v1", MemoryMethod::CgroupV1}, {"rss", MemoryMethod::Rss},
          {"none", MemoryMethod::None}};
      bool Found = false;
      for (auto &[K, F] : M)
        if (V == K) {
          Opts.Memory = F;
          Found = true;
        }
      if (!Found)
        return Bad("expected auto, cgroup-v2, cgroup-v1, rss or none");
    } else {
      Error = "unknown option '" + printable(Name, 80) +
              "' (see 'serverless-tidy run --help')";
      return false;
    }
  }
  if (I >= Argc) {
    Error = "missing <function-binary> (see 'serverless-tidy run --help')";
    return false;
  }
  Opts.FunctionPath = Argv[I++];
  for (; I < Argc; ++I)
    Opts.FunctionArgs.push_back(Argv[I]);

  struct stat St;
  if (::stat(Opts.FunctionPath.c_str(), &St) == 0 && S_ISDIR(St.st_mode)) {
    Error = "function binary '" + printable(Opts.FunctionPath) +
            "' is a directory";
    return false;
  }
  if (access(Opts.FunctionPath.c_str(), X_OK) != 0 ||
      ::stat(Opts.FunctionPath.c_str(), &St) != 0 || !S_ISREG(St.st_mode)) {
    Error = "function binary '" + printable(Opts.FunctionPath) +
            "' is missing or not an executable file";
    return false;
  }
  if (!Opts.EventFile.empty() && !Opts.EventsFile.empty()) {
    Error = "--event and --events are exclusive";
    return false;
  }
  if (!Opts.EventFile.empty()) {
    std::string Text;
    if (!readAll(Opts.EventFile, Text)) {
      Error = "cannot read event file '" + printable(Opts.EventFile) + "'";
      return false;
    }
    if (!isJson(Text)) {
      Error = "event file '" + printable(Opts.EventFile) + "' is not JSON";
      return false;
    }
    Opts.Events.push_back(Text);
  } else if (!Opts.EventsFile.empty()) {
    std::string Text;
    if (!readAll(Opts.EventsFile, Text)) {
      Error = "cannot read events file '" + printable(Opts.EventsFile) + "'";
      return false;
    }
    std::stringstream SS(Text);
    std::string Line;
    int LineNo = 0;
    while (std::getline(SS, Line)) {
      ++LineNo;
      if (Line.find_first_not_of(" \t\r") == std::string::npos)
        continue;
      if (!isJson(Line)) {
        Error = "events file '" + printable(Opts.EventsFile) + "' line " +
                std::to_string(LineNo) + " is not JSON";
        return false;
      }
      Opts.Events.push_back(Line);
    }
    if (Opts.Events.empty()) {
      Error = "events file '" + printable(Opts.EventsFile) + "' has no events";
      return false;
    }
    if (!Opts.InvocationsGiven)
      Opts.Invocations = static_cast<int64_t>(Opts.Events.size());
  }
  if (Opts.Events.empty())
    Opts.Events.push_back("{}");
  if (Opts.Serve && (!Opts.EventFile.empty() || !Opts.EventsFile.empty())) {
    Error = "--serve takes its events from HTTP requests: no --event/--events";
    return false;
  }
  if (!Opts.TemplateFunction.empty() && Opts.TemplateFile.empty()) {
    Error = "--function names a function of --template FILE; no template given";
    return false;
  }
  if (!Opts.TemplateFile.empty()) {
    TemplateFunction T;
    if (!readTemplate(Opts.TemplateFile, Opts.TemplateFunction, T, Error)) {
      Error = printable(Error, 400);
      return false;
    }
    Opts.TemplateKind = T.Kind;
    Opts.TemplateName = T.Name;
    Opts.TemplateNotes = T.Notes;
    Opts.TemplateLayers = T.Layers;
    auto Note = [&](const std::string &What, bool Given) {
      Opts.TemplateApplied.push_back(What + (Given ? " (overridden on the command line)" : ""));
    };
    if (T.TimeoutMs) {
      if (*T.TimeoutMs > 900000) {
        Error = "template function '" + T.Name + "' has a timeout above 900 s";
        return false;
      }
      Note("timeout " + std::to_string(*T.TimeoutMs / 1000) + " s", Opts.TimeoutGiven);
      if (!Opts.TimeoutGiven)
        Opts.TimeoutMs = *T.TimeoutMs;
    }
    if (T.MemoryMb) {
      if (*T.MemoryMb > 10240) {
        Error = "template function '" + T.Name + "' has a memory size above 10240 MB";
        return false;
      }
      Note("memory " + std::to_string(*T.MemoryMb) + " MB", Opts.MemoryGiven);
      if (!Opts.MemoryGiven)
        Opts.MemoryMb = *T.MemoryMb;
    }
    if (T.MaxConcurrency) {
      if (*T.MaxConcurrency > 64) {
        Error = "template function '" + T.Name +
                "' has a PerExecutionEnvironmentMaxConcurrency above 64 (run --max-concurrency's bound)";
        return false;
      }
      Note("max concurrency " + std::to_string(*T.MaxConcurrency) + " (Lambda Managed Instances)",
           Opts.MaxConcurrency > 0);
      if (Opts.MaxConcurrency == 0)
        Opts.MaxConcurrency = *T.MaxConcurrency;
    }
    if (!T.Handler.empty()) {
      Note("handler " + T.Handler, Opts.HandlerGiven);
      if (!Opts.HandlerGiven)
        Opts.Handler = T.Handler;
    }
    if (!T.FunctionName.empty()) {
      Note("function name " + T.FunctionName, Opts.FunctionNameGiven);
      if (!Opts.FunctionNameGiven)
        Opts.FunctionName = T.FunctionName;
    }
    if (!T.Env.empty()) {
      // Before --env-file and --env, which win.
      Opts.Env.insert(Opts.Env.begin(), T.Env.begin(), T.Env.end());
      std::string Names;
      for (const auto &KV : T.Env)
        Names += (Names.empty() ? "" : ", ") + KV.substr(0, KV.find('='));
      Note("environment " + Names, false);
    }
    for (const auto &E : T.Extensions) {
      bool Seen = false;
      for (const auto &X : Opts.Extensions)
        Seen |= X == E;
      if (!Seen)
        Opts.Extensions.push_back(E);
      Note("extension " + E + " (from its layer, simulated)", false);
    }
  }
  if (Opts.MaxConcurrency > 0) {
    // Lambda Managed Instances never freeze and never reset on a timeout
    // (the invocation fails, the code keeps running).
    if (Opts.Freeze != FreezeMethod::Auto && Opts.Freeze != FreezeMethod::None) {
      Error = "--freeze: --max-concurrency environments are never frozen (Lambda Managed "
              "Instances run continuously)";
      return false;
    }
    Opts.Freeze = FreezeMethod::None;
    if (Opts.KeepOnTimeout) {
      Error = "--on-timeout=keep: with --max-concurrency a timeout always keeps the process "
              "(it fails the invocation only)";
      return false;
    }
    // The cloud's init limit for Managed Instances: the larger of 130 s and
    // the function timeout.
    if (!Opts.InitTimeoutGiven)
      Opts.InitTimeoutMs = std::max<int64_t>(130000, Opts.TimeoutMs);
  }
  return true;
}

} // namespace serverless::runtime
