//===--- HandlerScope.h - Which code runs per invocation --------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Finds the invocation handlers of a translation unit and computes, once per
// TU, the handler scope: the handlers plus every function they transitively
// call inside the TU (lambdas, member functions, constructors and their
// member initializers included), with the call chain to each for notes.
//
// A handler is:
//   * the handler argument of a registrar call from the API models
//     (`aws::lambda_runtime::run_handler(h)`), where `h` is a function, a
//     lambda, a `std::function` (or `auto`) variable initialised with either,
//     or a lambda forwarding to a named function;
//   * a function annotated `[[clang::annotate("serverless.handler")]]`;
//   * a function named by the `HandlerFunctions` option.
//
// Some code inside handler scope still runs once per process, not once per
// invocation, and call edges from there do not extend the scope:
//   * initialisers of function-local `static`/`thread_local` variables;
//   * callables passed to a model `once_calls` entry (`std::call_once`);
//   * lazy initialisation of a global or static: the then-branch of an `if`
//     whose condition tests a variable with static storage that the branch
//     assigns (`if (!g_client) g_client = make();`), also through a slot of
//     it: a member, a container element, a reference a member call returns,
//     or a local reference bound to one (`auto &slot = g_clients[region];
//     if (!slot) slot = make();`).
// Lambda init-captures are evaluated where the lambda is created, so a
// handler lambda created in `main` has its captures in init scope.
//
// Init scope is `main` plus what it transitively calls, minus the handlers
// passed to registrars.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_HANDLERS_HANDLERSCOPE_H
#define SERVERLESS_HANDLERS_HANDLERSCOPE_H

#include "AST/Names.h"
#include "Model/ApiModel.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/ExprCXX.h"
#include "AST/ParentIndex.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace serverless {

struct Handler {
  enum SourceKind { Registrar, Annotation, Option };
  /// The function whose body runs per invocation (a lambda's call operator
  /// for lambda handlers).
  const clang::FunctionDecl *Function = nullptr;
  /// Name for messages: the function, the variable, or the function a
  /// forwarding lambda calls; `lambda at file:line:col` otherwise.
  std::string Name;
  /// Where the handler is declared (for "handler declared here" notes).
  clang::SourceLocation Location;
  SourceKind How = Registrar;
  /// The registrar call, for Registrar handlers.
  const clang::CallExpr *Registration = nullptr;
};

/// One call edge on the way from a handler to a function.
struct CallStep {
  const clang::FunctionDecl *Caller = nullptr;
  const clang::Stmt *Site = nullptr;
  const clang::FunctionDecl *Callee = nullptr;
};

class HandlerScope {
public:
  HandlerScope(clang::ASTContext &Ctx, const model::ApiModel &Model,
               NameCache &Names,
               const std::vector<model::NamePattern> &HandlerFunctions);
  ~HandlerScope();

  llvm::ArrayRef<Handler> handlers() const { return Handlers; }

  /// Functions in handler scope, handlers first, in breadth-first order.
  llvm::ArrayRef<const clang::FunctionDecl *> functions() const {
    return ScopeOrder;
  }
  bool inHandlerScope(const clang::FunctionDecl *FD) const;
  /// The handler through which \p FD was first reached, or null.
  const Handler *handlerFor(const clang::FunctionDecl *FD) const;
  /// Calls from the handler down to \p FD (empty for a handler itself).
  std::vector<CallStep> callChain(const clang::FunctionDecl *FD) const;

  /// Functions in init scope (`main` and what it calls), in BFS order.
  llvm::ArrayRef<const clang::FunctionDecl *> initFunctions() const {
    return InitOrder;
  }
  bool inInitScope(const clang::FunctionDecl *FD) const;
  const clang::FunctionDecl *mainFunction() const { return Main; }

  /// True when \p S, which lies in the body of \p FD, is evaluated at most
  /// once per process (see the file comment).
  bool isInitOnce(const clang::Stmt *S, const clang::FunctionDecl *FD);

  /// The function a registrar / once-call / lambda argument expression
  /// designates, seen through conversions and std::function wrappers.
  const clang::FunctionDecl *calleeOfCallable(const clang::Expr *E,
                                              std::string *Name = nullptr,
                                              const clang::LambdaExpr **Lambda = nullptr) const;

  /// Whole-program mode (a summary::Collector is active): every function
  /// defined in user code counts as in handler scope and in init scope, the
  /// TU's call graph is recorded as facts, and handlerFor()/callChain() are
  /// empty: which functions really run per invocation is decided over the
  /// merged program (lib/Summary).
  bool wholeProgram() const { return WholeProgram; }
  /// True when init scope calls a user function with no body in this TU
  /// (it may install a SIGTERM hook, release a global, ...): per-TU
  /// judgements about what init scope does are then unknown.
  bool initScopeCallsUnknown();
  /// Is \p FD one of this TU's handlers?
  bool isHandler(const clang::FunctionDecl *FD) const;

  /// The call graph, one per TU for every analysis: the edges out of \p FD's
  /// body (and constructor initialisers) to functions not in system headers
  /// — calls, constructions, deletes, lambdas (at the lambda expression) and
  /// functions used as values (callbacks). Callee is the definition when
  /// the TU has one, else the canonical declaration. A registrar's handler argument
  /// is not an edge: the handler runs per invocation, not where it is
  /// registered. Built once per function.
  llvm::ArrayRef<CallStep> callees(const clang::FunctionDecl *FD);

  /// The statement-level parent map of \p FD's body (and constructor
  /// initialisers), built on first use.
  const ParentIndex &parents(const clang::FunctionDecl *FD);

private:
  struct Reach {
    const Handler *Via = nullptr;
    CallStep Step; // Caller null for handlers.
  };
  void discover(clang::ASTContext &Ctx,
                const std::vector<model::NamePattern> &HandlerFunctions);
  void addHandler(Handler H);
  void computeScope();
  void computeInitScope();
  void enterWholeProgramMode();
  template <typename Pred, typename Fn>
  void forEachCallee(const clang::FunctionDecl *FD, bool SkipInitOnce,
                     Pred Reached, Fn F);
  const clang::Stmt *parentThroughLambda(const clang::Stmt *S,
                                         const clang::FunctionDecl *&FD);

  clang::ASTContext &Ctx;
  const model::ApiModel &Model;
  NameCache &Names;
  std::vector<Handler> Handlers;
  std::vector<const clang::FunctionDecl *> ScopeOrder;
  llvm::DenseMap<const clang::FunctionDecl *, Reach> Scope;
  std::vector<const clang::FunctionDecl *> InitOrder;
  llvm::DenseSet<const clang::FunctionDecl *> InitSet;
  const clang::FunctionDecl *Main = nullptr;
  bool WholeProgram = false;
  std::optional<bool> InitCallsUnknown;
  /// Handler argument expressions of registrar calls: not init-scope calls.
  llvm::SmallPtrSet<const clang::Expr *, 4> HandlerArgs;
  /// Lambda call operator -> the lambda expression and its enclosing function.
  llvm::DenseMap<const clang::FunctionDecl *,
                 std::pair<const clang::LambdaExpr *, const clang::FunctionDecl *>>
      LambdaOrigins;
  llvm::DenseMap<const clang::FunctionDecl *, std::unique_ptr<ParentIndex>>
      ParentMaps;
  llvm::DenseMap<const clang::FunctionDecl *, std::vector<CallStep>> CallGraph;
};

/// True when \p D is declared in a system header (never analysed as user
/// code).
bool isInSystemHeader(const clang::Decl *D);

/// True when \p FD is a function of the user's program whose body this TU
/// does not have: not a library function (not in a system header, not
/// declared under /usr, where installed libraries are found through -I), not
/// implicit. What it does is decided where its body is seen (whole-program
/// mode); in per-TU mode it is unknown.
bool isUnseenUserFunction(const clang::FunctionDecl *FD);

} // namespace serverless

#endif
