//===--- Rules.cpp - What each check is, for SARIF rules and JSON ----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Report/Rules.h"
#include "Report/Fingerprint.h"

#include <filesystem>

#ifndef SERVERLESS_VERSION
#define SERVERLESS_VERSION "0.0.0"
#endif
#ifndef SERVERLESS_INSTALL_DOCDIR
#define SERVERLESS_INSTALL_DOCDIR "share/doc/serverless-tidy"
#endif
#ifndef SERVERLESS_SOURCE_DOCS_DIR
#define SERVERLESS_SOURCE_DOCS_DIR ""
#endif

namespace serverless::report {

namespace fs = std::filesystem;

const char *toolVersion() { return SERVERLESS_VERSION; }

std::string docsDirFor(const std::string &ExecutablePath) {
  std::error_code EC;
  fs::path Exe(ExecutablePath);
  fs::path Prefix = Exe.parent_path().parent_path();
  fs::path Installed = (Prefix / SERVERLESS_INSTALL_DOCDIR).lexically_normal();
  if (fs::is_directory(Installed / "checks", EC))
    return Installed.string();
  fs::path Source(SERVERLESS_SOURCE_DOCS_DIR);
  if (!Source.empty() && fs::is_directory(Source / "checks", EC))
    return Source.lexically_normal().string();
  return Installed.string();
}

std::vector<RuleInfo> serverlessRules(const std::string &DocsDir) {
  std::vector<RuleInfo> R;
  auto Add = [&](const char *Id, const char *Name, const char *Short, const char *Full, const char *Help) {
    RuleInfo I;
    I.Id = Id;
    I.Name = Name;
    I.ShortDescription = Short;
    I.FullDescription = Full;
    I.Help = Help;
    std::string Dir = DocsDir;
    while (Dir.size() > 1 && Dir.back() == '/')
      Dir.pop_back();
    I.HelpUri = fileUri(Dir + "/checks/" + Id + ".rst");
    R.push_back(std::move(I));
  };
  Add("serverless-handler-scope-client", "HandlerScopeClient",
      "A client or connection is constructed on every invocation of a serverless handler.",
      "Finds SDK clients, database and cache connections, HTTP handles, Kafka producers and gRPC "
      "channels constructed in handler scope: the handler and everything it calls, across files. A "
      "warm execution environment runs many invocations in one process, so a client built per "
      "invocation opens new connections every time until the environment or the peer runs out of "
      "sockets.",
      "Construct the client once at init scope (in main before run_handler, a function-local static, "
      "std::call_once or a lazily initialised global) and reuse it in every invocation. Where the "
      "construction does not depend on the request, the fix-it makes the local static.");
  Add("serverless-unclosed-resource", "UnclosedResource",
      "A per-invocation resource is not released on every path.",
      "Finds files, descriptors, sockets, directory streams, pipes, connections and pools (every "
      "resources entry of the API models) acquired in a function that runs per invocation and not "
      "released on every path out of it. One leaked descriptor per invocation accumulates until "
      "EMFILE (too many open files) in a warm execution environment.",
      "Release the resource on every path (early returns, exceptions, the end of scope), or hold it "
      "in an RAII owner (std::unique_ptr with the release function as deleter, a class whose "
      "destructor releases it). The notes show the paths on which it leaks.");
  Add("serverless-missing-deadline", "MissingDeadline",
      "A blocking call can wait without bound, or longer than the invocation can live.",
      "Finds blocking network and I/O calls in handler scope with no timeout, or with a timeout "
      "longer than the function timeout. When Lambda times an invocation out it freezes the process "
      "mid-call: the work keeps running on the server and a pooled connection is left tainted for "
      "the next invocation.",
      "Set a timeout on the handle or the call, derived from the time the invocation has left "
      "(invocation_request::get_time_remaining() or invocation_request::deadline) and below the "
      "function timeout (MaxBlockingMs, FunctionTimeoutMs, template.yaml or serverless.yml).");
  Add("serverless-missing-shutdown-hook", "MissingShutdownHook",
      "An init-scope resource that needs flushing or closing is not handled on SIGTERM.",
      "Finds resources that live across invocations and need a graceful action when the execution "
      "environment shuts down (Kafka producers to flush, database connections and pools, Redis "
      "connections, buffered files) when no SIGTERM handler flushes or closes them, and "
      "Aws::InitAPI without Aws::ShutdownAPI on every path out of main. Lambda sends SIGTERM, then "
      "SIGKILL a few hundred milliseconds later: unflushed data is lost.",
      "Install a SIGTERM handler (signal, sigaction or signalfd) that flushes and closes the "
      "resource, or release it on every path after run_handler returns. Lambda sends SIGTERM only "
      "when an extension is registered.");
  return R;
}

RuleInfo otherRule(const std::string &Check) {
  RuleInfo I;
  I.Id = Check;
  I.Ours = false;
  // PascalCase of the words: bugprone-use-after-move -> BugproneUseAfterMove.
  bool Up = true;
  for (char C : Check) {
    if (!((C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') || (C >= '0' && C <= '9'))) {
      Up = true;
      continue;
    }
    I.Name += Up && C >= 'a' && C <= 'z' ? static_cast<char>(C - 'a' + 'A') : C;
    Up = false;
  }
  if (Check.rfind("clang-diagnostic-", 0) == 0) {
    I.ShortDescription = "A compiler diagnostic (" + Check + ").";
    I.FullDescription = "The compiler reported this while parsing the translation unit; the analysis "
                        "of a translation unit with errors may be incomplete.";
    I.Help = "Fix the compile error, or the compile command in the compilation database.";
    I.HelpUri = "https://clang.llvm.org/docs/DiagnosticsReference.html";
    I.DefaultLevel = Check == "clang-diagnostic-error" ? "error" : "warning";
  } else {
    size_t Dash = Check.find('-');
    std::string Group = Dash == std::string::npos ? Check : Check.substr(0, Dash);
    std::string Rest = Dash == std::string::npos ? Check : Check.substr(Dash + 1);
    I.ShortDescription = "The clang-tidy check " + Check + ".";
    I.FullDescription = "A clang-tidy check that the repository's configuration enables; it ran in the "
                        "same pass as the serverless-* checks.";
    I.Help = "See the check's clang-tidy documentation.";
    I.HelpUri = "https://clang.llvm.org/extra/clang-tidy/checks/" + Group + "/" + Rest + ".html";
  }
  return I;
}

} // namespace serverless::report
