//===--- ResourceAnalysis.h - Are acquired resources released? --*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// For each acquisition in a function (a call the API models list under
// `resources[].acquire`, a pair from the AcquireReleasePairs option, or a
// helper in the TU that returns a fresh handle), decides on clang's CFG
// whether the handle is released on every path out of the function.
//
// The walk explores (block, state) pairs, so it is path-sensitive for the one
// fact that matters (is the handle still held?) without enumerating paths.
// Only held states are walked: the blocks and guard values reachable at all
// are computed once per function (FunctionIndex), a walk starts at its
// acquisition's block, and in each block it visits only the elements that
// can matter to its handle (those naming its variable, returns, throws,
// calls that may throw or end the process, guard assignments). So a
// function costs O(CFG + the blocks each handle is held in), not
// O(acquisitions x CFG):
//
//   NotYet --acquisition--> Held --release / escape / failed-acquisition
//                                   branch--> Done
//
// A path that reaches a return, the end of the function, the end of the
// handle variable's scope, a re-acquisition into the same variable, or a call
// the models mark as throwing while Held is a leak; the earliest such point in
// source order is reported.
//
// Not leaks: the handle escapes (returned; stored into a global, static,
// member, another variable or through a pointer; passed to an
// ownership-transferring call, to a constructor (RAII owner) or to
// `reset`); the branch where the acquisition failed (`if (!f)`, `if (fd < 0)`,
// `c == NULL || c->err`, per the resource's `invalid` form); paths ending in
// a noreturn call.
//
// Paths that cannot happen are not followed: a flag tested twice keeps its
// truth value, and a local given only constants and copies keeps the set of
// values it can hold (`char mode = 'C'; ... case 'P': case 'C': mode = opt;`
// then `if (mode == 'P') ... else if (mode == 'C') ...` leaves no third
// path), when every write of it is seen. A function whose body the compiler
// built only in part (a TU with errors) gives no findings.
//
// Interprocedural within the TU: a function whose every return yields a
// fresh acquisition is itself an acquisition at its call sites; a function
// that releases (or takes over) its parameter on every path is a release.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_ANALYSIS_RESOURCEANALYSIS_H
#define SERVERLESS_ANALYSIS_RESOURCEANALYSIS_H

#include "Analysis/TUContext.h"
#include "clang/AST/Expr.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include <map>
#include <optional>
#include <tuple>
#include <string>
#include <vector>

namespace serverless {

/// What an acquiring call acquires.
struct AcquisitionInfo {
  std::string Kind;        // Resource kind (`FILE`, `fd`, `redis-connection`).
  std::string Description; // Free text from the model (`stdio stream`).
  std::vector<std::string> ReleaseNames; // For messages.
  /// Release functions and where they take the handle.
  std::vector<std::pair<model::NamePattern, model::HandleRef>> Releases;
  model::Resource::InvalidForm Invalid = model::Resource::InvalidNone;
  model::HandleRef Handle;
  /// The argument whose resource the result continues (model continues_arg).
  std::optional<unsigned> ContinuesArg;
  /// Set when the acquisition goes through a helper defined in the TU.
  const clang::FunctionDecl *ViaHelper = nullptr;
};

struct LeakFinding {
  enum How { Return, EndOfFunction, Throw, ScopeEnd, Reacquired, Overwritten, Discarded };
  const clang::CallExpr *Acquisition = nullptr;
  std::string AcquireName; // The called function.
  AcquisitionInfo Info;
  How Kind = Return;
  clang::SourceLocation LeakLoc;
  std::string ThrowingCall; // For Throw.
  /// User functions with no body in this TU that the handle was passed to
  /// while held: they may release it, so the leak is decided only where
  /// their bodies are seen (unknown in per-TU mode).
  std::vector<const clang::FunctionDecl *> Unseen;
};

/// What a function of the TU does to resources, as a model entry would say
/// it: returns a fresh handle of \p Kind, or releases parameter \p Arg.
struct HelperSummary {
  const clang::FunctionDecl *Function = nullptr;
  std::string Kind;
  bool Acquire = false;
  unsigned Arg = 0;
};

class ResourceAnalysis {
public:
  /// \p ExtraPairs: (acquire, release) function names from the
  /// AcquireReleasePairs option.
  ResourceAnalysis(TUContext &TU,
                   std::vector<std::pair<std::string, std::string>> ExtraPairs);
  ~ResourceAnalysis();

  /// Leaks of resources acquired in \p FD, sorted by acquisition location.
  std::vector<LeakFinding> analyze(const clang::FunctionDecl *FD);

  /// What \p CE acquires, if anything.
  std::optional<AcquisitionInfo> acquisitionOf(const clang::CallExpr *CE);
  /// Whole-program summaries of \p Functions (those other TUs can call):
  /// fresh-handle returns and parameters released on every path.
  std::vector<HelperSummary> summarize(llvm::ArrayRef<const clang::FunctionDecl *> Functions);

private:
  struct Tracking;
  struct FunctionIndex;
  enum class State : uint8_t { NotYet, Held, Done };

  clang::CFG *cfgFor(const clang::FunctionDecl *FD);
  /// Can a local of a nested scope of \p FD's definition hold a handle
  /// (is declared there and initialised with a call, assigned, or handed
  /// to a call)? Only then does the walk need the CFG's scope-end elements.
  bool scopeEndsMatter(const clang::FunctionDecl *FD);
  llvm::DenseMap<const clang::FunctionDecl *, bool> ScopeEndsMatter;
  /// What the walks of \p FD need, computed once for all its handles.
  FunctionIndex *indexFor(const clang::FunctionDecl *FD);
  /// FunctionIndex::MinReach and CanPrune.
  void pruningBounds(const clang::FunctionDecl *FD, FunctionIndex &X);
  std::optional<LeakFinding> explore(const clang::FunctionDecl *FD,
                                     const Tracking &T);
  bool releasesHandle(const clang::CallExpr *CE, const Tracking &T);
  bool escapes(const clang::Stmt *S, const Tracking &T,
               const clang::FunctionDecl *FD);
  friend struct TrackingAccess;
  std::optional<bool> invalidWhenTrue(const clang::Expr *Cond,
                                      const Tracking &T);
  bool helperReleasesParam(const clang::FunctionDecl *FD, unsigned Index,
                           const AcquisitionInfo &Info);
  std::optional<AcquisitionInfo> helperAcquisition(const clang::FunctionDecl *FD);
  /// acquisitionOf() for a callee the model does not list: a `pairs` entry
  /// or a helper that returns a fresh acquisition.
  std::optional<AcquisitionInfo> unmodelledAcquisition(const clang::FunctionDecl *Callee);
  bool insideTry(const clang::Stmt *S, const clang::FunctionDecl *FD);
  /// The one value a local holds: its initialiser when nothing else writes
  /// it (no assignment, increment or address taken); null otherwise.
  const clang::Expr *singleDefinition(const clang::VarDecl *V);
  /// Did the compiler build \p Def's body only in part (in a TU with
  /// errors: an expression it could not resolve, an invalid declaration, a
  /// statement the parser dropped)?
  bool builtInPart(const clang::FunctionDecl *Def);
  /// Does every path through \p FD (defined in the TU) end in a noreturn
  /// call (`usage() { ...; exit(1); }` without [[noreturn]])?
  bool alwaysExits(const clang::FunctionDecl *FD);
  llvm::DenseMap<const clang::FunctionDecl *, bool> AlwaysExits;
  /// Locals and parameters never written after their initialisation that
  /// are branched on (`if (flag)`, `if (!flag)`) at least twice in \p FD:
  /// the conditions a path can correlate (at most 3).
  const std::vector<const clang::VarDecl *> &guardVars(const clang::FunctionDecl *FD,
                                                       clang::CFG &C);
  /// Does the acquisition \p CE continue the resource held in \p V
  /// (`list = curl_slist_append(list, s)`)?
  bool continues(const clang::CallExpr *CE, const clang::VarDecl *V);

  TUContext &TU;
  std::vector<std::pair<model::NamePattern, model::NamePattern>> Pairs;
  llvm::DenseMap<const clang::FunctionDecl *, std::optional<AcquisitionInfo>> HelperAcq;
  /// acquisitionOf() for callees the model does not list (pairs, helpers):
  /// it depends on the callee alone, so it is worked out once per callee.
  llvm::DenseMap<const clang::FunctionDecl *, std::optional<AcquisitionInfo>> UnmodelledAcq;
  /// isInSystemHeader() per callee, asked at every call.
  llvm::DenseMap<const clang::FunctionDecl *, bool> SystemCallee;
  bool isSystemCallee(const clang::FunctionDecl *FD);
  std::map<std::tuple<const clang::FunctionDecl *, unsigned, std::string>, bool>
      HelperRel;
  llvm::DenseSet<const clang::FunctionDecl *> InProgress;
  /// Where releasesHandle() records bodiless user callees the held handle
  /// was passed to (null: not recording).
  std::vector<const clang::FunctionDecl *> *UnseenSink = nullptr;
  unsigned Depth = 0;
  llvm::DenseMap<const clang::VarDecl *, const clang::Expr *> SingleDefs;
  /// Per function, the locals and parameters its body writes.
  llvm::DenseMap<const clang::FunctionDecl *, llvm::DenseSet<const clang::VarDecl *>> WrittenIn;
  llvm::DenseMap<const clang::FunctionDecl *, std::vector<const clang::VarDecl *>> Guards;
  llvm::DenseMap<const clang::FunctionDecl *, std::unique_ptr<FunctionIndex>> Indexes;
};

} // namespace serverless

#endif
