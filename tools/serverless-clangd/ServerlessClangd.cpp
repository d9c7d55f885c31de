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

#include "ServerlessForceLinker.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <string>
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

} // namespace

int main(int argc, char *argv[]) {
  if (!needsResourceDir(argc, argv))
    return clang::clangd::clangdMain(argc, argv);
  static char ResourceDirFlag[] =
      "--resource-dir=" SERVERLESS_CLANG_RESOURCE_DIR;
  std::vector<char *> Args(argv, argv + argc);
  Args.push_back(ResourceDirFlag);
  Args.push_back(nullptr);
  return clang::clangd::clangdMain(argc + 1, Args.data());
}
