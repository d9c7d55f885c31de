//===--- ServerlessTidy.cpp - the serverless-tidy command -----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
//   serverless-tidy [check] [clang-tidy options] <source>... [-- <flags>]
//   serverless-tidy run [options] <function-binary> [args...]
//   serverless-tidy models validate <file.json>...
//   serverless-tidy models dump [<file.json>...]
//
// `check` is clang-tidy's own driver (same options, .clang-tidy files, NOLINT,
// -fix, -export-fixes) with the serverless module linked in. With neither a
// -checks option nor a .clang-tidy file above the sources it runs
// `-*,serverless-*` instead of clang-tidy's default set.
//
//===----------------------------------------------------------------------===//

#include "Analysis/FunctionTimeout.h"
#include "Verify.h"
#include "WholeProgram.h"
#include "Model/ApiModel.h"
#include "Model/EmbeddedModels.h"
#include "ServerlessForceLinker.h"
#include "clang-tidy/tool/ClangTidyMain.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <string>
#include <vector>

#ifdef SERVERLESS_HAVE_RUNTIME
#include "Runtime/RunCommand.h"
#endif
#ifdef SERVERLESS_HAVE_SHIM
#include "ShimObserver.h"
#endif

using llvm::StringRef;

static const char *const Usage =
    "usage: serverless-tidy [check] [clang-tidy options] <source>... [-- <compiler flags>]\n"
    "       serverless-tidy run [options] <function-binary> [args...]\n"
    "       serverless-tidy check -p <build-dir> [-j N] [--shard I/N --facts-dir DIR] [files...]\n"
    "               [--format=text|json|sarif] [-o FILE] [--baseline FILE] [--write-baseline FILE]\n"
    "       serverless-tidy merge <facts-dir-or-file>... [--format, -o, --baseline as check -p]\n"
    "       serverless-tidy verify -p <build-dir> [options] <function-binary> [args...]\n"
    "       serverless-tidy models validate <model.json>...\n"
    "       serverless-tidy models dump [<model.json>...]\n"
    "\n"
    "check   runs the serverless-* clang-tidy checks (and any other clang-tidy\n"
    "        check) exactly like clang-tidy-19; see `serverless-tidy check --help`.\n"
    "        With -p and no `--`, the whole program: every TU of the compilation\n"
    "        database (or the given files) is summarised in parallel (-j), the\n"
    "        facts are merged and judged, so helpers in other files are seen.\n"
    "        --shard I/N --facts-dir DIR writes one shard's facts; `merge` joins them.\n"
    "        Facts are cached in <build-dir>/.serverless-tidy-cache (--no-cache).\n"
    "        Reports as text, JSON or SARIF 2.1.0; baselines of known findings;\n"
    "        exit 0/1/2 (none/findings as errors/bad input): docs/ci.md.\n"
    "run     runs a Lambda function binary through the emulated lifecycle;\n"
    "        see `serverless-tidy run --help`.\n"
    "verify  check -p, then run: each finding confirmed by runtime evidence,\n"
    "        not reproduced or not exercised; see `serverless-tidy verify --help`\n"
    "        and docs/verify.md.\n"
    "models  checks API model files (docs/models.md) or prints the merged model.\n";

/// Is one of \p Names in the directory of \p Path (or \p Path itself when it
/// is a directory) or any parent?
static bool existsAbove(StringRef Path, std::initializer_list<const char *> Names) {
  llvm::SmallString<256> Dir(Path);
  llvm::sys::fs::make_absolute(Dir);
  if (!llvm::sys::fs::is_directory(Dir))
    llvm::sys::path::remove_filename(Dir);
  while (!Dir.empty()) {
    for (const char *Name : Names) {
      llvm::SmallString<256> Candidate(Dir);
      llvm::sys::path::append(Candidate, Name);
      if (llvm::sys::fs::exists(Candidate))
        return true;
    }
    StringRef Parent = llvm::sys::path::parent_path(Dir);
    if (Parent == Dir)
      break;
    Dir = Parent;
  }
  return false;
}

static bool hasConfigAbove(StringRef Path) {
  return existsAbove(Path, {".clang-tidy"});
}

static bool hasCompileDatabaseAbove(StringRef Path) {
  return existsAbove(Path, {"compile_commands.json", "compile_flags.txt"});
}

static int checkCommand(std::vector<const char *> Args) {
  // `check -p BUILD` without compiler flags: the whole program.
  if (serverless::tool::isWholeProgramCheck(Args))
    return serverless::tool::wholeProgramCheck(Args);
  // Args[0] is the program name; find what clang-tidy would see.
  bool HasChecks = false, HasConfig = false, HasDashDash = false;
  bool InfoOnly = false;
  std::string BuildPath;
  std::vector<StringRef> Sources;
  for (size_t I = 1; I < Args.size(); ++I) {
    StringRef A = Args[I];
    if (A == "--") {
      HasDashDash = true;
      break;
    }
    if (A.starts_with("-checks") || A.starts_with("--checks"))
      HasChecks = true;
    else if (A.starts_with("-config") || A.starts_with("--config"))
      HasConfig = true;
    else if (A == "-p" || A == "--p") {
      if (I + 1 < Args.size())
        BuildPath = Args[++I];
    } else if (A.starts_with("-p=") || A.starts_with("--p="))
      BuildPath = A.substr(A.find('=') + 1).str();
    else if (A.starts_with("-list-checks") || A.starts_with("--list-checks") ||
             A.starts_with("-help") || A.starts_with("--help") ||
             A.starts_with("-version") || A.starts_with("--version") ||
             A.starts_with("-dump-config") || A.starts_with("--dump-config") ||
             A.starts_with("-explain-config") || A.starts_with("--explain-config"))
      InfoOnly = true;
    else if (!A.starts_with("-"))
      Sources.push_back(A);
  }

  if (!InfoOnly) {
    for (StringRef S : Sources)
      if (!llvm::sys::fs::exists(S)) {
        llvm::errs() << "serverless-tidy: error: no such file: '" << S << "'\n";
        return 2;
      }
    if (!BuildPath.empty()) {
      llvm::SmallString<256> DB(BuildPath);
      llvm::sys::path::append(DB, "compile_commands.json");
      if (!llvm::sys::fs::exists(DB)) {
        llvm::errs() << "serverless-tidy: error: no compilation database: '" << DB
                     << "' does not exist (build with "
                        "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or pass -- <flags>)\n";
        return 2;
      }
    } else if (!HasDashDash) {
      for (StringRef S : Sources)
        if (!hasCompileDatabaseAbove(S)) {
          llvm::errs() << "serverless-tidy: error: no compilation database for '" << S
                       << "': no compile_commands.json or compile_flags.txt in its "
                          "directory or above (pass -p <build-dir>, or -- <compiler flags>)\n";
          return 2;
        }
    }
  }

  std::string DefaultChecks = "--checks=-*,serverless-*";
  if (!HasChecks && !HasConfig) {
    bool AnyConfig = hasConfigAbove(".");
    for (StringRef S : Sources)
      AnyConfig |= hasConfigAbove(S);
    if (!AnyConfig)
      Args.insert(Args.begin() + 1, DefaultChecks.c_str());
  }
  // serverless-missing-deadline: the function timeout from template.yaml /
  // serverless.yml, through the environment (see FunctionTimeout.h).
  if (!InfoOnly)
    serverless::tool::exportFunctionTimeout(Sources);
  return clang::tidy::clangTidyMain(static_cast<int>(Args.size()), Args.data());
}

static int modelsCommand(int Argc, const char **Argv) {
  StringRef Verb = Argc >= 2 ? Argv[1] : "";
  if (Verb == "validate") {
    if (Argc < 3) {
      llvm::errs() << "serverless-tidy: error: 'models validate' needs model files\n";
      return 2;
    }
    int Status = 0;
    for (int I = 2; I < Argc; ++I) {
      serverless::model::ApiModel M;
      if (llvm::Error E = M.addFile(Argv[I])) {
        llvm::errs() << llvm::toString(std::move(E)) << "\n";
        Status = 1;
      } else {
        llvm::outs() << Argv[I] << ": ok\n";
      }
    }
    return Status;
  }
  if (Verb == "dump") {
    serverless::model::ApiModel M = serverless::model::ApiModel::withDefaults();
    for (int I = 2; I < Argc; ++I)
      if (llvm::Error E = M.addFile(Argv[I])) {
        llvm::errs() << llvm::toString(std::move(E)) << "\n";
        return 1;
      }
    llvm::outs() << M.dump() << "\n";
    return 0;
  }
  if (Verb == "list") {
    for (const auto &E : serverless::model::embeddedModels())
      llvm::outs() << E.Name << "\n";
    return 0;
  }
  llvm::errs() << "serverless-tidy: error: unknown 'models' command '" << Verb
               << "' (expected validate, dump or list)\n";
  return 2;
}

int main(int Argc, const char **Argv) {
  StringRef Sub = Argc >= 2 ? Argv[1] : "";
  if (Sub == "help" || Sub == "-h" || Sub == "--help" || Sub == "-help") {
    llvm::outs() << Usage;
    return 0;
  }
  if (Sub == "run") {
#ifdef SERVERLESS_HAVE_RUNTIME
    // `--no-shim` belongs to this layer: without it the resource ledger
    // (libserverless-shim.so) is preloaded into the function. Options after
    // the function binary are the function's own.
    std::vector<const char *> RunArgs;
    bool NoShim = false, Positional = false;
    for (int I = 1; I < Argc; ++I) {
      StringRef A = Argv[I];
      if (!Positional && A == "--no-shim") {
        NoShim = true;
        continue;
      }
      if (!Positional && I > 1 && !A.starts_with("-") &&
          !StringRef(Argv[I - 1]).starts_with("-"))
        Positional = true;
      RunArgs.push_back(Argv[I]);
    }
#ifdef SERVERLESS_HAVE_SHIM
    serverless::shim::registerShimObserver(!NoShim);
#else
    (void)NoShim;
#endif
    return serverless::runtime::runCommand(static_cast<int>(RunArgs.size()),
                                           RunArgs.data());
#else
    llvm::errs() << "serverless-tidy: error: this build has no runtime emulator\n";
    return 2;
#endif
  }
  if (Sub == "models")
    return modelsCommand(Argc - 1, Argv + 1);
  if (Sub == "verify")
    return serverless::tool::verifyCommand(llvm::ArrayRef<const char *>(Argv + 1, Argc - 1));
  if (Sub == "merge")
    return serverless::tool::mergeCommand(llvm::ArrayRef<const char *>(Argv + 1, Argc - 1));
  if (Sub == "__summarize")
    return serverless::tool::summarizeCommand(llvm::ArrayRef<const char *>(Argv + 1, Argc - 1));
  std::vector<const char *> Args(Argv, Argv + Argc);
  if (Sub == "check")
    Args.erase(Args.begin() + 1);
  if (Args.size() == 1) {
    llvm::errs() << Usage;
    return 2;
  }
  return checkCommand(std::move(Args));
}
