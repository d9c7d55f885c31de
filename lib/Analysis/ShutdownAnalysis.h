//===--- ShutdownAnalysis.h - What a graceful shutdown must do -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Lambda shuts an execution environment down with SIGTERM (only when an
// extension is registered) and then SIGKILL. Resources that live across
// invocations and hold unsent data or server-side state (Kafka producers,
// database connections and pools, written FILE streams) must be flushed or
// closed by a SIGTERM handler; `atexit` hooks and static destructors do not
// run when SIGTERM's default action kills the process (incidents 001, 004).
//
// The analysis, once per TU (TUContext::shared), computes:
//   * init-scope resources: globals and statics initialised by (or assigned)
//     an acquisition, a client factory or a client construction, and locals
//     of init-scope functions declared before a registrar call
//     (`run_handler`) in an enclosing block, so they live across it;
//     `"shutdown": "exit"` acquisitions (process-global library state, such
//     as Aws::InitAPI) made in init scope;
//   * SIGTERM hooks: calls to model `signal_installers` whose signal argument
//     evaluates to 15 or is spelled SIGTERM, with the handler function (from
//     the handler argument, or from a store to a `handler_field` of the
//     struct passed, as for sigaction); for `signalfd`-style installers
//     (no handler argument) the function that creates the descriptor,
//     which by convention reads it;
//   * what a function transitively flushes and releases: a BFS over call
//     edges inside the TU (as HandlerScope does), matching the model's
//     `flush` / `release` entries (and `delete` / smart-pointer `reset()` for
//     pointer clients) against the variable holding each resource;
//   * "released on every path after the registrar call returns", and for
//     "exit" resources "on every path out of main": a walk over clang's CFG;
//   * the calls a signal handler makes directly that are not in the model's
//     `async_signal_safe` list.
//
// Results are plain structs; the check turns them into diagnostics.
//
// FIXME: resources and hooks in different TUs are not joined here; clang-tidy
// sees one TU at a time (the serverless-tidy whole-program mode merges facts).
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_ANALYSIS_SHUTDOWNANALYSIS_H
#define SERVERLESS_ANALYSIS_SHUTDOWNANALYSIS_H

#include "Analysis/TUContext.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/DenseMap.h"
#include <memory>
#include <string>
#include <vector>

namespace clang {
class CFG;
}

namespace serverless {

/// A resource that lives across invocations and needs a graceful action.
struct InitResource {
  /// The variable holding it (canonical); null when the handle is not a
  /// variable (an "exit" acquisition with a temporary argument).
  const clang::VarDecl *Var = nullptr;
  /// Other variables the handle is copied into (`g_rk = rk;`).
  std::vector<const clang::VarDecl *> Aliases;
  /// The acquisition call, construction or new-expression.
  const clang::Expr *Site = nullptr;
  /// The function the site is in (null for a global's initializer).
  const clang::FunctionDecl *Function = nullptr;
  std::string Name;  // Variable name, or the acquiring function.
  std::string Kind;  // Model kind word.
  std::string From;  // Acquiring function or client type.
  std::string Shutdown; // "flush", "close" or "exit".
  /// Model entries that flush / release it.
  std::vector<const model::CallSpec *> Flush, Release;
  /// A pointer client (new, factory): `delete` / `reset()` releases it.
  bool ReleasedByDelete = false;
  /// A class object with static storage: its destructor would close it,
  /// but only on exit(), never on SIGTERM's default action.
  bool StaticObject = false;
  /// A local of an init-scope function (only main's exit path can close it).
  bool Local = false;

  /// What shutdown must do: flush when the model says so and lists flush
  /// calls, release otherwise.
  bool needsFlush() const { return Shutdown == "flush" && !Flush.empty(); }
};

/// A call a signal handler makes that is not async-signal-safe.
struct UnsafeCall {
  const clang::CallExpr *Call = nullptr;
  std::string Callee;
};

/// An installed SIGTERM handler.
struct SigtermHook {
  /// The handler; for signalfd the function creating the descriptor.
  const clang::FunctionDecl *Handler = nullptr;
  const clang::CallExpr *Install = nullptr;
  std::string Installer; // As spelled (`std::signal`, `sigaction`).
  std::string Name;      // Handler name for messages.
  bool FromSignalFd = false;
  /// Direct calls of the handler that are not async-signal-safe.
  std::vector<UnsafeCall> Unsafe;
};

/// A function registered with a model `exit_hooks` call (atexit).
struct ExitHookUse {
  const clang::FunctionDecl *Handler = nullptr;
  const clang::CallExpr *Install = nullptr;
  std::string Installer; // As spelled (`std::atexit`).
  std::string Name;
};

/// One step of "the hook reaches the release through calls".
struct ReleaseWitness {
  const clang::Stmt *Site = nullptr; // The flush/release call or delete.
  std::string Callee;
};

struct ShutdownFinding {
  enum Reason {
    NoHook,        // No SIGTERM handler in the TU.
    HookMissesIt,  // SIGTERM handlers exist; none flushes/releases it.
    NotReleasedOnExit // "exit" resource without release on every path out of main.
  };
  const InitResource *Resource = nullptr;
  Reason Why = NoHook;
  /// Released (only) by this exit hook.
  const ExitHookUse *OnlyAtExit = nullptr;
  ReleaseWitness AtExitWitness;
  /// Released after the registrar call returns, but nothing makes it return.
  const clang::CallExpr *ReleasedAfter = nullptr;
  /// ReleasedAfter's registrar never returns on SIGTERM (the model's
  /// returns_on_sigterm: false), so a SIGTERM handler does not help.
  bool RegistrarNeverReturns = false;
};

/// A function that flushes or releases a global directly (a model flush or
/// release entry on it, or `delete`): a whole-program fact, joined with the
/// SIGTERM hooks of every TU.
struct GlobalAction {
  const clang::FunctionDecl *Function = nullptr;
  const clang::VarDecl *Global = nullptr;
  bool Flush = false; // Else a release.
};

class ShutdownAnalysis {
public:
  explicit ShutdownAnalysis(TUContext &TU);
  ~ShutdownAnalysis();

  /// The per-TU instance, computed on first use.
  static ShutdownAnalysis &get(TUContext &TU);

  llvm::ArrayRef<InitResource> resources() const { return Resources; }
  llvm::ArrayRef<SigtermHook> hooks() const { return Hooks; }
  llvm::ArrayRef<ExitHookUse> exitHooks() const { return ExitHooks; }
  llvm::ArrayRef<ShutdownFinding> findings() const { return Findings; }

  /// What shutdown must call, for messages ("calls rd_kafka_flush and
  /// rd_kafka_destroy", "deletes it").
  static std::string requiredAction(const InitResource &R);
  /// The flushes and releases of globals made directly in \p Functions.
  std::vector<GlobalAction> globalActions(llvm::ArrayRef<const clang::FunctionDecl *> Functions);

  /// Implementation state (summaries, CFGs); public only for the helpers
  /// in the .cpp file.
  struct Impl;

private:
  std::unique_ptr<Impl> P;
  std::vector<InitResource> Resources;
  std::vector<SigtermHook> Hooks;
  std::vector<ExitHookUse> ExitHooks;
  std::vector<ShutdownFinding> Findings;
};

} // namespace serverless

#endif
