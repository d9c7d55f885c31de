//===--- ServerlessClangd.cpp - clangd with the serverless module ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// clangd 19 exactly as Debian builds it, plus the serverless-* clang-tidy
// checks. Enable them per project in .clangd (see docs/editors.md):
//
//   Diagnostics:
//     ClangTidy:
//       Add: [serverless-*]
//       FastCheckFilter: Loose   (our checks have no clangd latency entry)
//
//===----------------------------------------------------------------------===//

#include "LspFilter.h"
#include "ServerlessCheck.h"
#include "ServerlessForceLinker.h"
#include "Report/Rules.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace clang::clangd {
int clangdMain(int argc, char *argv[]);
} // namespace clang::clangd

namespace {

// clangd finds the builtin headers at <bin>/../lib/clang/<major>, which does
// not exist when serverless-clangd is copied somewhere on its own. Then use
// the directory of the clang it was built against, unless the user chose one.
bool needsResourceDir(int Argc, char **Argv) {
  for (int I = 1; I < Argc; ++I)
    if (llvm::StringRef(Argv[I]).starts_with("--resource-dir") ||
        llvm::StringRef(Argv[I]).starts_with("-resource-dir"))
      return false;
  static int AddressInThisBinary;
  std::string Exe =
      llvm::sys::fs::getMainExecutable(Argv[0], &AddressInThisBinary);
  if (Exe.empty())
    return true;
  llvm::SmallString<256> Builtin(llvm::sys::path::parent_path(
      llvm::sys::path::parent_path(Exe)));
  llvm::sys::path::append(Builtin, "lib", "clang", SERVERLESS_CLANG_MAJOR);
  llvm::sys::path::append(Builtin, "include", "stddef.h");
  return !llvm::sys::fs::exists(Builtin);
}

std::thread *FilterThread = nullptr;

/// Everything clangd wrote reaches the editor before the process ends: on
/// return from clangdMain, and on exit() from inside it (--version, --help,
/// fatal errors).
void finishFilter() {
  if (!FilterThread)
    return;
  llvm::outs().flush();
  std::fflush(stdout);
  ::close(STDOUT_FILENO);
  FilterThread->join();
  delete FilterThread;
  FilterThread = nullptr;
}

/// clangd with its standard output through the LSP filter (LspFilter.h).
int runFiltered(int Argc, char **Argv) {
  static int AddressInThisBinary;
  std::string Exe = llvm::sys::fs::getMainExecutable(Argv[0], &AddressInThisBinary);
  llvm::StringMap<std::string> HelpUris;
  for (const auto &Rule : serverless::report::serverlessRules(serverless::report::docsDirFor(Exe)))
    HelpUris[Rule.Id] = Rule.HelpUri;
  int Pipe[2];
  int RealOut = ::dup(STDOUT_FILENO);
  if (RealOut < 0 || ::pipe(Pipe) != 0 || ::dup2(Pipe[1], STDOUT_FILENO) < 0) {
    // No filter: clangd as Debian ships it (the links and remarks only differ).
    llvm::errs() << "serverless-clangd: cannot set up the output filter; running clangd unfiltered\n";
    return clang::clangd::clangdMain(Argc, Argv);
  }
  ::close(Pipe[1]);
  static llvm::StringMap<std::string> Uris = std::move(HelpUris);
  static int In = Pipe[0], Out = RealOut;
  FilterThread = new std::thread([] { serverless::clangd::filterLsp(In, Out, Uris); });
  std::atexit(finishFilter);
  int RC = clang::clangd::clangdMain(Argc, Argv);
  finishFilter();
  return RC;
}

} // namespace

int main(int argc, char *argv[]) {
  clang::tidy::serverless::setEditorMode(true);
  if (!needsResourceDir(argc, argv))
    return runFiltered(argc, argv);
  static char ResourceDirFlag[] =
      "--resource-dir=" SERVERLESS_CLANG_RESOURCE_DIR;
  std::vector<char *> Args(argv, argv + argc);
  Args.push_back(ResourceDirFlag);
  Args.push_back(nullptr);
  return runFiltered(argc + 1, Args.data());
}
