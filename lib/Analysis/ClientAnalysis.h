//===--- ClientAnalysis.h - Clients constructed in handler scope -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Facts for serverless-handler-scope-client: every construction of a client
// (a model client type, or a model/option factory) in a handler-scope
// function, whether it is an init-once shape, and whether prefixing its
// declaration with `static` would be sound (its initializer does not depend
// on the invocation, refers to no local by address, and the body neither
// releases nor re-seats it) and what the model says against it
// (`static_unsafe`, a failed first connection kept forever, a shutdown
// action the static then needs). The check turns these into wording and
// fix-its.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_ANALYSIS_CLIENTANALYSIS_H
#define SERVERLESS_ANALYSIS_CLIENTANALYSIS_H

#include "Analysis/TUContext.h"
#include "clang/AST/Stmt.h"
#include "llvm/ADT/DenseMap.h"
#include <optional>
#include <string>
#include <vector>

namespace serverless {

struct ClientOptions {
  std::vector<model::NamePattern> ClientTypes;     // Extra client types.
  std::vector<model::NamePattern> ClientFactories; // Extra factories.
  std::vector<model::NamePattern> IgnoreTypes;     // Never clients.
};

struct ClientConstruction {
  const clang::Stmt *Where = nullptr;   // The construction or factory call.
  clang::SourceLocation Loc;            // Where to report it.
  const clang::FunctionDecl *Function = nullptr; // The handler-scope function.
  std::string ClientName;               // Type (or created entity).
  std::string Factory;                  // Factory function, if any.
  /// The declaration `static` would go in front of, when that is sound for
  /// the invocation's data (only in a handler itself); null otherwise.
  const clang::DeclStmt *StaticCandidate = nullptr;
  /// Why a `static` may still be unsafe, from the model ("" if nothing).
  std::string StaticUnsafe;
};

class ClientAnalysis {
public:
  ClientAnalysis(TUContext &TU, ClientOptions Opts) : TU(TU), Opts(std::move(Opts)) {}

  /// Constructions in handler scope that run per invocation (init-once
  /// shapes left out), one per construction, in function order. Functions
  /// over the TU's MaxFunctionStatements budget are not analysed: they go
  /// to \p OverBudget (for the check's remark) when it is given.
  std::vector<ClientConstruction>
  perInvocation(std::vector<const clang::FunctionDecl *> *OverBudget = nullptr);

  /// The client type named by \p T (alias first), if it is one.
  std::optional<std::string> clientName(clang::QualType T);
  /// {created, factory} for a factory call.
  std::optional<std::pair<std::string, std::string>> factoryName(const clang::CallExpr *CE);

private:
  std::string staticUnsafeReason(const ClientConstruction &S);
  std::optional<std::string> computeClientName(clang::QualType T);
  std::optional<std::pair<std::string, std::string>>
  computeFactoryName(const clang::FunctionDecl *Callee);

  TUContext &TU;
  ClientOptions Opts;
  /// Per type as written (the alias matters) and per callee: each model
  /// lookup scans the name patterns (2.2 M client-type matches for a
  /// 20,000-statement handler uncached).
  llvm::DenseMap<void *, std::optional<std::string>> ClientNames;
  llvm::DenseMap<const clang::FunctionDecl *, std::optional<std::pair<std::string, std::string>>>
      FactoryNames;
};

} // namespace serverless

#endif
