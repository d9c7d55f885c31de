//===--- TUContext.h - Per-TU analysis state shared by all checks -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// clang-tidy instantiates each check separately, but the expensive questions
// (which functions run per invocation, per-function CFG summaries) are the
// same for all of them. TUContext computes them once per translation unit
// and per option set, and every check asks it.
//
// The cache lives in a thread_local slot: clang-tidy runs one TU at a time on
// a thread and clangd builds each file's AST on that file's worker thread.
// Checks invalidate it in onStartOfTranslationUnit/onEndOfTranslationUnit, so
// a new ASTContext allocated at a recycled address never sees stale data.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_ANALYSIS_TUCONTEXT_H
#define SERVERLESS_ANALYSIS_TUCONTEXT_H

#include "AST/Names.h"
#include "Binding/CallBinding.h"
#include "Dataflow/CFGCache.h"
#include "Handlers/HandlerScope.h"
#include "Model/ApiModel.h"
#include "clang/AST/ASTContext.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include <any>
#include <functional>
#include <memory>
#include <unordered_map>

namespace serverless {

/// Loads and caches API models (defaults + user files) process-wide; a user
/// file is re-read when its modification time changes (clangd sessions).
class ModelCache {
public:
  static llvm::Expected<std::shared_ptr<const model::ApiModel>>
  get(llvm::ArrayRef<std::string> UserFiles);
};

class TUContext {
public:
  /// The context for \p Ctx and this option set, created on first use.
  static TUContext &get(clang::ASTContext &Ctx,
                        std::shared_ptr<const model::ApiModel> Model,
                        const std::vector<model::NamePattern> &HandlerFunctions,
                        llvm::StringRef OptionsKey);
  /// Drops this thread's contexts.
  static void invalidate();

  clang::ASTContext &astContext() const { return Ctx; }
  const model::ApiModel &model() const { return *Model; }
  NameCache &names() { return Names; }
  /// Calls bound to their model roles (handles, views, refined kinds).
  CallBinding &binding() { return Binding; }
  /// Every function's CFG, per shape, built once for all analyses.
  CFGCache &cfgs() { return Cfgs; }
  HandlerScope &handlerScope();

  /// Per-TU results of a shared analysis, keyed by type (LLVM's idiom: the
  /// address of a static per type, so it builds with -fno-rtti): computed by
  /// \p Make on first request and reused by every check.
  template <typename T> T &shared(std::function<std::unique_ptr<T>()> Make) {
    auto &Slot = Shared[typeKey<T>()];
    if (!Slot)
      Slot = std::shared_ptr<void>(Make().release(),
                                   [](void *P) { delete static_cast<T *>(P); });
    return *static_cast<T *>(Slot.get());
  }

  TUContext(clang::ASTContext &Ctx, std::shared_ptr<const model::ApiModel> Model,
            std::vector<model::NamePattern> HandlerFunctions);

  /// The MaxFunctionStatements budget (0: none). The first check of the TU
  /// to ask sets it, before any shared analysis is computed; the option is
  /// read with getLocalOrGlobal, so one global entry sets it for all checks.
  void setFunctionBudget(unsigned N) {
    if (!BudgetSet)
      Budget = N;
    BudgetSet = true;
  }
  unsigned functionBudget() const { return Budget; }
  /// Statements in \p FD's body (every statement of every block, nested
  /// ones included), counted once; the count stops one past the budget.
  unsigned statementCount(const clang::FunctionDecl *FD);
  /// Is \p FD over the budget? The flow-sensitive analyses skip it (linear
  /// as they are, a 5,000-statement generated handler would still cost an
  /// editor hundreds of milliseconds per keystroke).
  bool overBudget(const clang::FunctionDecl *FD) {
    return Budget && statementCount(FD) > Budget;
  }

private:
  clang::ASTContext &Ctx;
  std::shared_ptr<const model::ApiModel> Model;
  std::vector<model::NamePattern> HandlerFunctions;
  NameCache Names;
  CallBinding Binding;
  CFGCache Cfgs;
  std::unique_ptr<HandlerScope> Scope;
  template <typename T> static const void *typeKey() {
    static const char Key = 0;
    return &Key;
  }
  std::unordered_map<const void *, std::shared_ptr<void>> Shared;
  unsigned Budget = 0;
  bool BudgetSet = false;
  llvm::DenseMap<const clang::FunctionDecl *, unsigned> StatementCounts;
};

} // namespace serverless

#endif
