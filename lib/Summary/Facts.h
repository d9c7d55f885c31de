//===--- Facts.h - Per-TU facts, merge and whole-program judgement -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Facts first, judgements second. Summarising one translation unit produces
// plain, serialisable data keyed by USR (no AST pointers):
//
//   * the functions it defines, their call edges (including calls to
//     functions with no body in the TU, by USR), and which edges sit in
//     init-once code (static local initialisers, call_once, `if (!g) g = ...`)
//     and so do not carry handler scope;
//   * the handlers it registers (`run_handler(h)`, annotations, the
//     HandlerFunctions option) and whether it defines `main`;
//   * candidate findings: each diagnostic a check produced while analysing
//     every function as if it ran per invocation (or at init), rendered the
//     way clang-tidy renders it, with the condition under which it is a
//     finding (the enclosing function must be in handler scope, or in init
//     scope, or nothing).
//
// Whole-program mode is judge(merge(facts of every TU)): the handler scope
// and init scope are computed over the merged call graph, candidates whose
// condition holds are kept, each gets the cross-file call chain as notes, and
// copies of the same finding from several TUs (inline functions in headers)
// are reported once. Nothing here knows clang.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_SUMMARY_FACTS_H
#define SERVERLESS_SUMMARY_FACTS_H

#include "Core/Core.h"
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace serverless::summary {

/// Bumped when the fact file format changes (cached files of another version
/// are ignored).
inline constexpr int FactsVersion = 1;

/// Placeholder the checks write where a message names the handler; the judge
/// puts in the handler through which the function is reached.
inline constexpr const char *HandlerPlaceholder = "{serverless:handler}";

struct FunctionFact {
  std::string Usr;
  std::string Name;
  core::Site Decl; // Where the definition is.
};

struct CallEdge {
  std::string Caller; // USR.
  std::string Callee; // USR.
  std::string CalleeName;
  core::Site Site;    // The call (FunctionUsr = Caller).
  bool InitOnce = false;
};

struct HandlerFact {
  std::string Usr;  // The function whose body runs per invocation.
  std::string Name; // For messages.
  core::Site Decl;
  /// The checks whose options make it a handler (a check-local
  /// HandlerFunctions names it for that check only); empty: every check.
  std::vector<std::string> Checks;
};

struct Location {
  std::string Path;
  unsigned Line = 0, Column = 0;
  unsigned Offset = 0;
};

struct Replacement {
  std::string Path;
  unsigned Offset = 0, Length = 0;
  std::string Text;
};

struct Note {
  std::string Message;
  Location Loc;
  /// A fix-it offered on the note (not applied by -fix; an editor offers it).
  std::vector<Replacement> Fixes;
};

struct Diagnostic {
  enum class Requires { Nothing, HandlerScope, InitScope, AnyScope };
  std::string Check;
  std::string Level = "warning"; // warning, error, remark
  std::string Message;
  Location Loc;
  std::vector<Note> Notes;
  std::vector<Replacement> Fixes;
  bool WarningAsError = false;
  Requires Condition = Requires::Nothing;
  std::string FunctionUsr; // The function the condition is about.
  /// Decided from this TU's SIGTERM hooks alone: unknown (not a finding)
  /// when another TU of the program installs one.
  bool UnknownIfHooksElsewhere = false;
  /// Decided without seeing these functions (a handle passed to them): the
  /// finding holds only if every one is defined somewhere in the program
  /// (its TU's summary then decided), else it is unknown.
  std::vector<std::string> Unseen;
  /// Decided without seeing these functions, to which a handle was passed
  /// (USR, parameter): not a finding if one of them configures that
  /// parameter's timeout, or no TU defines it.
  std::vector<std::pair<std::string, unsigned>> ConfiguredBy;
  /// A shutdown finding about this global (USR) needing a flush (true) or a
  /// release: not a finding if a SIGTERM hook of any TU reaches a function
  /// that does it.
  std::optional<std::pair<std::string, bool>> ShutdownOf;
};

/// A function that flushes or releases a global directly.
struct GlobalActionFact {
  std::string Function; // USR.
  std::string Global;    // USR.
  bool Flush = false;
};

/// A function of the program that acts like a model entry: returns a fresh
/// handle of a resource kind, or releases one through a parameter on every
/// path. Merged over the program and handed back to the TUs that call it
/// without seeing its body (ApiModel::addProgramFunction).
struct DerivedFunction {
  std::string Usr;
  std::string Function; // Qualified name, as the models spell functions.
  std::string Kind;     // The resource kind.
  bool Acquire = false; // Else a release of parameter Arg.
  unsigned Arg = 0;
  friend bool operator<(const DerivedFunction &A, const DerivedFunction &B) {
    return std::tie(A.Usr, A.Kind, A.Acquire, A.Arg, A.Function) <
           std::tie(B.Usr, B.Kind, B.Acquire, B.Arg, B.Function);
  }
};

/// A file the TU's result depends on, for cache validation.
struct Input {
  std::string Path;
  unsigned long long Size = 0;
  long long MTimeNs = 0;
};

struct TUFacts {
  int Version = FactsVersion;
  std::string File;      // The TU's main file (absolute).
  std::string Directory; // The compile command's directory.
  std::vector<FunctionFact> Functions;
  std::vector<CallEdge> Calls;
  std::vector<HandlerFact> Handlers;
  std::string MainUsr;   // `main`, when this TU defines it.
  std::vector<Diagnostic> Diagnostics;
  std::vector<DerivedFunction> Derived;
  /// (USR, parameter): the function sets a timeout on that parameter.
  std::vector<std::pair<std::string, unsigned>> Configures;
  /// SIGTERM hooks installed in this TU (USRs of the handler functions).
  std::vector<std::string> SigtermHooks;
  std::vector<GlobalActionFact> GlobalActions;
  std::vector<Input> Inputs;
  /// The derived functions this TU was summarised with (second pass).
  bool UsedDerived = false;
  /// The repository's .clang-tidy enabled no serverless-* check; they ran anyway.
  bool ForcedServerlessChecks = false;
  /// A SIGTERM handler is installed in this TU.
  bool InstallsSigtermHook = false;
  /// clang reported errors (the facts may be partial).
  bool CompilerErrors = false;
};

void to_json(nlohmann::json &J, const TUFacts &F);
void from_json(const nlohmann::json &J, TUFacts &F);

/// Reads a fact file; on failure returns false and sets \p Error to one line
/// naming the file.
bool readFacts(const std::string &Path, TUFacts &Out, std::string &Error);
bool writeFacts(const std::string &Path, const TUFacts &F, std::string &Error);

/// The derived functions of the program (deduplicated, sorted), and the TUs
/// that call one without defining it: they are summarised again with them.
std::vector<DerivedFunction> mergeDerived(const std::vector<TUFacts> &TUs);
bool callsDerivedElsewhere(const TUFacts &TU, const std::vector<DerivedFunction> &D);
nlohmann::json derivedJson(const std::vector<DerivedFunction> &D);
bool readDerived(const std::string &Path, std::vector<DerivedFunction> &Out, std::string &Error);

/// The merged program: one call graph, its handlers and main.
class Program {
public:
  /// \p Check: only the handlers of that check (HandlerFact::Checks);
  /// empty: every handler.
  explicit Program(const std::vector<TUFacts> &TUs, const std::string &Check = "");

  /// How \p Usr is reached from a handler: the handler and the calls from it
  /// down to \p Usr (empty for a handler itself). False when not reached.
  struct Chain {
    const HandlerFact *Handler = nullptr;
    std::vector<const CallEdge *> Steps;
  };
  bool inHandlerScope(const std::string &Usr) const { return HandlerReach.count(Usr); }
  bool inInitScope(const std::string &Usr) const { return InitReach.count(Usr); }
  Chain handlerChain(const std::string &Usr) const;
  const FunctionFact *function(const std::string &Usr) const;
  bool configures(const std::string &Usr, unsigned Arg) const { return Configures.count({Usr, Arg}); }
  /// Does a SIGTERM hook of the program reach a function that flushes (or,
  /// for \p Flush false, flushes or releases) \p Global?
  bool hookCovers(const std::string &Global, bool Flush) const;
  size_t numFunctions() const { return Functions.size(); }
  size_t numEdges() const { return Edges.size(); }
  size_t numHandlers() const { return Handlers.size(); }

private:
  std::map<std::string, FunctionFact> Functions;
  std::vector<CallEdge> Edges;
  std::map<std::string, std::vector<size_t>> Out; // Caller -> edge indices.
  std::vector<HandlerFact> Handlers;
  std::set<std::string> Mains;
  std::set<std::pair<std::string, unsigned>> Configures;
  /// Globals flushed / released by what the SIGTERM hooks reach.
  std::set<std::string> HookFlushes, HookReleases;
  /// Usr -> (handler index, edge that first reached it, or npos for a handler).
  std::map<std::string, std::pair<size_t, size_t>> HandlerReach;
  std::set<std::string> InitReach;
};

struct JudgeOptions {
  /// At most this many call steps are shown per finding: the first and last
  /// half, with one note counting the ones left out.
  unsigned MaxChainNotes = 6;
};

/// Findings of the whole program, sorted by file, line, column and check.
std::vector<Diagnostic> judge(const std::vector<TUFacts> &TUs,
                              const JudgeOptions &Opts = {});

} // namespace serverless::summary

#endif
