//===--- WholeProgram.h - `serverless-tidy check -p` and `merge` -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Whole-program mode: every TU of a compilation database is summarised into
// facts (lib/Summary) in parallel child processes, the facts are merged and
// judged, and the findings printed once, clang style. Per-TU fact files are
// cached (keyed by the tool, the compile command and the options; valid
// while every file the TU read is unchanged), and `--shard I/N` with
// `--facts-dir` plus `serverless-tidy merge` split the per-TU step over
// machines.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_TOOLS_WHOLEPROGRAM_H
#define SERVERLESS_TOOLS_WHOLEPROGRAM_H

#include "Summary/Facts.h"
#include "llvm/ADT/ArrayRef.h"
#include <map>
#include <string>
#include <vector>

namespace serverless::tool {

/// Does this `check` command line ask for whole-program mode? (`-p` given,
/// no `--` compiler flags, and no option only clang-tidy's driver has.)
bool isWholeProgramCheck(llvm::ArrayRef<const char *> Args);

/// `check -p BUILD [options] [files...]`; Args[0] is the program.
int wholeProgramCheck(llvm::ArrayRef<const char *> Args);

/// What `verify` takes from the whole-program run instead of its output.
struct WholeProgramResult {
  std::vector<summary::Diagnostic> Diagnostics; // judged, as check -p reports them
  std::map<std::string, std::string> FunctionNames; // USR -> printable name
  size_t TranslationUnits = 0;
};
/// The same run; with \p Result, the judged findings go there and nothing
/// is printed (0: every TU analysed, 1: some TU failed, 2: bad input).
int wholeProgramCheck(llvm::ArrayRef<const char *> Args, WholeProgramResult *Result);
/// `merge [options] FACTS...`
int mergeCommand(llvm::ArrayRef<const char *> Args);
/// Internal: summarise one TU into a fact file (run in a child process).
int summarizeCommand(llvm::ArrayRef<const char *> Args);

} // namespace serverless::tool

#endif
