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

#include "Analysis/Names.h"
#include "Handlers/HandlerScope.h"
#include "Model/ApiModel.h"
#include "clang/AST/ASTContext.h"
#include "llvm/ADT/StringMap.h"
#include <any>
#include <functional>
#include <memory>
#include <typeindex>
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
  HandlerScope &handlerScope();

  /// Per-TU results of a shared analysis, keyed by type: computed by
  /// \p Make on first request and reused by every check.
  template <typename T> T &shared(std::function<std::unique_ptr<T>()> Make) {
    auto &Slot = Shared[std::type_index(typeid(T))];
    if (!Slot)
      Slot = std::shared_ptr<void>(Make().release(),
                                   [](void *P) { delete static_cast<T *>(P); });
    return *static_cast<T *>(Slot.get());
  }

  TUContext(clang::ASTContext &Ctx, std::shared_ptr<const model::ApiModel> Model,
            std::vector<model::NamePattern> HandlerFunctions);

private:
  clang::ASTContext &Ctx;
  std::shared_ptr<const model::ApiModel> Model;
  std::vector<model::NamePattern> HandlerFunctions;
  NameCache Names;
  std::unique_ptr<HandlerScope> Scope;
  std::unordered_map<std::type_index, std::shared_ptr<void>> Shared;
};

} // namespace serverless

#endif
