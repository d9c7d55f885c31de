//===--- Collector.h - Summarising a TU into facts ----------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The clang side of lib/Summary. While `serverless-tidy check -p` summarises a
// translation unit it installs a Collector for the thread; the analyses then
// run in whole-program mode:
//
//   * HandlerScope treats every function defined in user code as possibly in
//     handler scope and in init scope (which it really is is decided by the
//     judge over the merged call graph), and records the TU's functions,
//     call edges (by USR, bodiless callees included), handlers and `main`;
//   * each check tags the diagnostics it emits with the condition under
//     which they are findings (the enclosing function in handler scope, in
//     init scope, ...) and leaves the handler chain notes to the judge.
//
// Without a Collector (clang-tidy --load, clangd, `check` with explicit
// compiler flags) nothing changes: per-TU mode.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_SUMMARY_COLLECTOR_H
#define SERVERLESS_SUMMARY_COLLECTOR_H

#include "Summary/Facts.h"
#include "clang/AST/Decl.h"
#include "clang/Basic/SourceManager.h"
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace serverless::summary {

class Collector {
public:
  /// The collector of the TU being summarised on this thread, or null.
  static Collector *active();
  /// Installs \p C for this thread (null to remove).
  static void setActive(Collector *C);

  TUFacts Facts;

  /// The stable identity of \p D across TUs (clang's USR); declarations in a
  /// local context (lambdas, local classes) get their location appended.
  static std::string usr(const clang::Decl *D);
  /// Absolute path of the file \p Loc is in (after macro expansion).
  static std::string path(const clang::SourceManager &SM, clang::SourceLocation Loc);
  static core::Site site(const clang::SourceManager &SM, clang::SourceLocation Loc,
                         const clang::FunctionDecl *FD, const std::string &FunctionName);

  /// Records that the diagnostic \p Check emits at \p Loc (the location given
  /// to diag()) is a finding only under \p Condition about \p FD.
  void tag(llvm::StringRef Check, const clang::SourceManager &SM, clang::SourceLocation Loc,
           Diagnostic::Requires Condition, const clang::FunctionDecl *FD);

  struct Tag {
    Diagnostic::Requires Condition;
    std::string FunctionUsr;
    bool UnknownIfHooksElsewhere = false;
    std::vector<std::string> Unseen;
    std::vector<std::pair<std::string, unsigned>> ConfiguredBy;
    std::optional<std::pair<std::string, bool>> ShutdownOf;
  };
  /// The tags recorded for (\p Check, \p Loc), to add to.
  std::vector<Tag *> tagsAt(llvm::StringRef Check, const clang::SourceManager &SM,
                            clang::SourceLocation Loc);

  /// Derived functions of the program (second pass): the checks add them to
  /// their model (ApiModel::addProgramFunction).
  std::vector<DerivedFunction> DerivedIn;
  /// Marks the last tag for (\p Check, \p Loc) as decided from this TU's
  /// SIGTERM hooks alone.
  void markHookDependent(llvm::StringRef Check, const clang::SourceManager &SM,
                         clang::SourceLocation Loc);
  /// The tag for a diagnostic clang-tidy reported (check, file path as
  /// clang-tidy spells it, offset), removed once taken.
  bool takeTag(const std::string &Check, const std::string &FilePath, unsigned Offset, Tag &Out);

  /// The call graph is recorded once per TU (several option sets may each
  /// build a HandlerScope).
  bool GraphRecorded = false;

  /// \p Check found handler \p H with its options (HandlerFunctions may be
  /// set per check): adds it to Facts.Handlers if new and records the check.
  /// finishHandlers() turns the records into HandlerFact::Checks.
  void handlerSeenBy(llvm::StringRef Check, const HandlerFact &H);
  /// \p Check ran on this TU (it may have found no handler at all).
  void checkRan(llvm::StringRef Check) { ChecksRun.insert(Check.str()); }
  void finishHandlers();
  std::map<std::string, std::set<std::string>> HandlerChecks;
  std::set<std::string> ChecksRun;
  /// Helper summaries are recorded once per TU too.
  bool DerivedRecorded = false;

private:
  std::multimap<std::tuple<std::string, std::string, unsigned>, Tag> Tags;
};

} // namespace serverless::summary

#endif
