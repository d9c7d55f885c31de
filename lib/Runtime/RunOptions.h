//===- RunOptions.h - Options of `serverless-tidy run` ----------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The options of the lifecycle emulator, parsed once from the command line.
// Every default mirrors the cloud (see docs/runtime.md); options that exist
// only to make tests fast (init limit, forced methods) say so in --help.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_RUNOPTIONS_H
#define SERVERLESS_RUNTIME_RUNOPTIONS_H

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace serverless::runtime {

enum class FreezeMethod { Auto, CgroupV2, CgroupV1, SigStop, None };
enum class MemoryMethod { Auto, CgroupV2, CgroupV1, Rss, None };

struct RunOptions {
  std::string FunctionPath;
  std::vector<std::string> FunctionArgs;

  int64_t TimeoutMs = 3000;     // Lambda's console default is 3 s.
  int64_t InitTimeoutMs = 10000; // Lambda's init phase limit.
  int64_t MemoryMb = 128;
  int64_t MaxFds = 1024;
  int64_t Invocations = 1;
  bool InvocationsGiven = false;
  int64_t IdleMs = 0;
  int64_t Concurrency = 1;
  // --max-concurrency N: Lambda Managed Instances (RIE's
  // AWS_LAMBDA_MAX_CONCURRENCY mode): up to N invocations at once in each
  // environment, no freeze, a timeout fails its invocation only. 0: off.
  int64_t MaxConcurrency = 0;
  bool InitTimeoutGiven = false;
  int64_t ShutdownGraceMs = -1; // -1: the cloud's rule.
  bool KeepOnTimeout = false;

  std::string EventFile;  // --event FILE ("-" = stdin): one event for all.
  std::string EventsFile; // --events FILE ("-" = stdin): JSON lines.
  std::vector<std::string> Events;

  std::vector<std::string> Env;        // --env K=V
  std::vector<std::string> Extensions; // --extension NAME
  std::string FunctionName = "serverless-tidy-function";
  std::string Handler = "function.handler";
  std::string Region = "us-east-1";

  FreezeMethod Freeze = FreezeMethod::Auto;
  MemoryMethod Memory = MemoryMethod::Auto;

  std::string JsonFile;
  bool Quiet = false;

  // --serve [ADDR:]PORT: RIE's invoke endpoint (lib/Runtime/Serve.h).
  bool Serve = false;
  std::string ServeAddr = "127.0.0.1";
  int ServePort = 0;

  // --template FILE [--function NAME]: configuration from the deployment
  // (lib/Runtime/Template.h); options given on the command line win.
  std::string TemplateFile, TemplateFunction;
  bool TimeoutGiven = false, MemoryGiven = false, HandlerGiven = false,
       FunctionNameGiven = false;
  // What the template gave (for the run banner and the JSON config).
  std::string TemplateKind, TemplateName;
  std::vector<std::string> TemplateApplied, TemplateNotes, TemplateLayers;
  // Statuses that make the run exit 1; "shutdown" adds a runtime that did
  // not exit within the grace.
  std::set<std::string> FailOn = {"error", "timeout", "crash", "oom",
                                  "invalid-response"};
};

/// Parses `run [options] <binary> [args...]` (Argv[0] is "run"). Returns
/// false with a one-line message in \p Error; \p WantsHelp is set for --help.
bool parseRunOptions(int Argc, const char **Argv, RunOptions &Opts,
                     std::string &Error, bool &WantsHelp);

/// The --help text.
const char *runUsage();

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_RUNOPTIONS_H
