//===--- Facts.cpp - Fact files, merge and judge ---------------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Summary/Facts.h"
#include <memory>

#include <algorithm>
#include <deque>
#include <fstream>
#include <sstream>
#include <tuple>

namespace serverless::summary {

using nlohmann::json;

static const char *requiresName(Diagnostic::Requires R) {
  switch (R) {
  case Diagnostic::Requires::Nothing: return "nothing";
  case Diagnostic::Requires::HandlerScope: return "handler-scope";
  case Diagnostic::Requires::InitScope: return "init-scope";
  case Diagnostic::Requires::AnyScope: return "any-scope";
  }
  return "nothing";
}

static Diagnostic::Requires parseRequires(const std::string &S) {
  if (S == "handler-scope")
    return Diagnostic::Requires::HandlerScope;
  if (S == "init-scope")
    return Diagnostic::Requires::InitScope;
  if (S == "any-scope")
    return Diagnostic::Requires::AnyScope;
  if (S == "nothing")
    return Diagnostic::Requires::Nothing;
  throw std::runtime_error("unknown condition '" + S + "'");
}

static json locJson(const Location &L) {
  return json{{"path", L.Path}, {"line", L.Line}, {"column", L.Column}, {"offset", L.Offset}};
}
static Location locFrom(const json &J) {
  Location L;
  L.Path = J.at("path").get<std::string>();
  L.Line = J.value("line", 0u);
  L.Column = J.value("column", 0u);
  L.Offset = J.value("offset", 0u);
  return L;
}

void to_json(json &J, const TUFacts &F) {
  J = json::object();
  J["version"] = F.Version;
  J["file"] = F.File;
  J["directory"] = F.Directory;
  if (!F.MainUsr.empty())
    J["main"] = F.MainUsr;
  if (F.ForcedServerlessChecks)
    J["forced_serverless_checks"] = true;
  if (F.CompilerErrors)
    J["compiler_errors"] = true;
  if (F.InstallsSigtermHook)
    J["installs_sigterm_hook"] = true;
  json &Fns = J["functions"] = json::array();
  for (const FunctionFact &Fn : F.Functions)
    Fns.push_back({{"usr", Fn.Usr}, {"name", Fn.Name}, {"decl", Fn.Decl}});
  json &Calls = J["calls"] = json::array();
  for (const CallEdge &E : F.Calls) {
    json C{{"caller", E.Caller}, {"callee", E.Callee}, {"callee_name", E.CalleeName}, {"site", E.Site}};
    if (E.InitOnce)
      C["init_once"] = true;
    Calls.push_back(std::move(C));
  }
  json &Hs = J["handlers"] = json::array();
  for (const HandlerFact &H : F.Handlers) {
    json O{{"usr", H.Usr}, {"name", H.Name}, {"decl", H.Decl}};
    if (!H.Checks.empty())
      O["checks"] = H.Checks;
    Hs.push_back(std::move(O));
  }
  json &Ds = J["diagnostics"] = json::array();
  for (const Diagnostic &D : F.Diagnostics) {
    json O{{"check", D.Check}, {"level", D.Level}, {"message", D.Message}, {"loc", locJson(D.Loc)},
           {"requires", requiresName(D.Condition)}};
    if (!D.FunctionUsr.empty())
      O["function"] = D.FunctionUsr;
    if (D.WarningAsError)
      O["warning_as_error"] = true;
    if (D.UnknownIfHooksElsewhere)
      O["unknown_if_hooks_elsewhere"] = true;
    if (!D.Unseen.empty())
      O["unseen"] = D.Unseen;
    if (!D.ConfiguredBy.empty())
      O["configured_by"] = D.ConfiguredBy;
    if (D.ShutdownOf)
      O["shutdown_of"] = {{"global", D.ShutdownOf->first}, {"flush", D.ShutdownOf->second}};
    if (!D.Notes.empty()) {
      json &Ns = O["notes"] = json::array();
      for (const Note &N : D.Notes) {
        json NO{{"message", N.Message}, {"loc", locJson(N.Loc)}};
        for (const Replacement &R : N.Fixes)
          NO["fixes"].push_back(
              {{"path", R.Path}, {"offset", R.Offset}, {"length", R.Length}, {"text", R.Text}});
        Ns.push_back(std::move(NO));
      }
    }
    if (!D.Fixes.empty()) {
      json &Fx = O["fixes"] = json::array();
      for (const Replacement &R : D.Fixes)
        Fx.push_back({{"path", R.Path}, {"offset", R.Offset}, {"length", R.Length}, {"text", R.Text}});
    }
    Ds.push_back(std::move(O));
  }
  if (!F.Derived.empty())
    J["derived"] = derivedJson(F.Derived)["functions"];
  if (F.UsedDerived)
    J["used_derived"] = true;
  if (!F.Configures.empty())
    J["configures"] = F.Configures;
  if (!F.SigtermHooks.empty())
    J["sigterm_hooks"] = F.SigtermHooks;
  if (!F.GlobalActions.empty()) {
    json &A = J["global_actions"] = json::array();
    for (const GlobalActionFact &G : F.GlobalActions)
      A.push_back({{"function", G.Function}, {"global", G.Global}, {"flush", G.Flush}});
  }
  json &In = J["inputs"] = json::array();
  for (const Input &I : F.Inputs)
    In.push_back({{"path", I.Path}, {"size", I.Size}, {"mtime_ns", I.MTimeNs}});
}

void from_json(const json &J, TUFacts &F) {
  F.Version = J.at("version").get<int>();
  if (F.Version != FactsVersion)
    throw std::runtime_error("fact file version " + std::to_string(F.Version) + ", expected " +
                             std::to_string(FactsVersion));
  F.File = J.at("file").get<std::string>();
  F.Directory = J.value("directory", std::string());
  F.MainUsr = J.value("main", std::string());
  F.ForcedServerlessChecks = J.value("forced_serverless_checks", false);
  F.CompilerErrors = J.value("compiler_errors", false);
  F.InstallsSigtermHook = J.value("installs_sigterm_hook", false);
  for (const json &Fn : J.at("functions"))
    F.Functions.push_back({Fn.at("usr").get<std::string>(), Fn.value("name", std::string()),
                           Fn.at("decl").get<core::Site>()});
  for (const json &C : J.at("calls")) {
    CallEdge E;
    E.Caller = C.at("caller").get<std::string>();
    E.Callee = C.at("callee").get<std::string>();
    E.CalleeName = C.value("callee_name", std::string());
    E.Site = C.at("site").get<core::Site>();
    E.InitOnce = C.value("init_once", false);
    F.Calls.push_back(std::move(E));
  }
  for (const json &H : J.at("handlers"))
    F.Handlers.push_back({H.at("usr").get<std::string>(), H.value("name", std::string()),
                          H.at("decl").get<core::Site>(),
                          H.value("checks", std::vector<std::string>())});
  for (const json &O : J.at("diagnostics")) {
    Diagnostic D;
    D.Check = O.at("check").get<std::string>();
    D.Level = O.value("level", std::string("warning"));
    D.Message = O.at("message").get<std::string>();
    D.Loc = locFrom(O.at("loc"));
    D.Condition = parseRequires(O.value("requires", std::string("nothing")));
    D.FunctionUsr = O.value("function", std::string());
    D.WarningAsError = O.value("warning_as_error", false);
    D.UnknownIfHooksElsewhere = O.value("unknown_if_hooks_elsewhere", false);
    if (O.contains("unseen"))
      D.Unseen = O.at("unseen").get<std::vector<std::string>>();
    if (O.contains("shutdown_of"))
      D.ShutdownOf = std::make_pair(O.at("shutdown_of").at("global").get<std::string>(),
                                    O.at("shutdown_of").at("flush").get<bool>());
    if (O.contains("configured_by"))
      D.ConfiguredBy = O.at("configured_by").get<std::vector<std::pair<std::string, unsigned>>>();
    if (O.contains("notes"))
      for (const json &N : O.at("notes")) {
        Note NT{N.at("message").get<std::string>(), locFrom(N.at("loc")), {}};
        if (N.contains("fixes"))
          for (const json &R : N.at("fixes"))
            NT.Fixes.push_back({R.at("path").get<std::string>(), R.at("offset").get<unsigned>(),
                                R.at("length").get<unsigned>(), R.at("text").get<std::string>()});
        D.Notes.push_back(std::move(NT));
      }
    if (O.contains("fixes"))
      for (const json &R : O.at("fixes"))
        D.Fixes.push_back({R.at("path").get<std::string>(), R.at("offset").get<unsigned>(),
                           R.at("length").get<unsigned>(), R.at("text").get<std::string>()});
    F.Diagnostics.push_back(std::move(D));
  }
  if (J.contains("derived"))
    for (const json &D : J.at("derived"))
      F.Derived.push_back({D.at("usr").get<std::string>(), D.at("function").get<std::string>(),
                           D.at("kind").get<std::string>(), D.value("acquire", false), D.value("arg", 0u)});
  F.UsedDerived = J.value("used_derived", false);
  if (J.contains("sigterm_hooks"))
    F.SigtermHooks = J.at("sigterm_hooks").get<std::vector<std::string>>();
  if (J.contains("global_actions"))
    for (const json &G : J.at("global_actions"))
      F.GlobalActions.push_back({G.at("function").get<std::string>(), G.at("global").get<std::string>(),
                                 G.value("flush", false)});
  if (J.contains("configures"))
    F.Configures = J.at("configures").get<std::vector<std::pair<std::string, unsigned>>>();
  if (J.contains("inputs"))
    for (const json &I : J.at("inputs"))
      F.Inputs.push_back({I.at("path").get<std::string>(), I.value("size", 0ull),
                          I.value("mtime_ns", 0ll)});
}

bool readFacts(const std::string &Path, TUFacts &Out, std::string &Error) {
  std::ifstream In(Path, std::ios::binary);
  if (!In) {
    Error = Path + ": cannot read fact file";
    return false;
  }
  try {
    json J = json::parse(In);
    Out = J.get<TUFacts>();
  } catch (const std::exception &E) {
    Error = Path + ": not a serverless-tidy fact file: " + E.what();
    return false;
  }
  return true;
}

bool writeFacts(const std::string &Path, const TUFacts &F, std::string &Error) {
  std::string Tmp = Path + ".tmp";
  {
    std::ofstream Out(Tmp, std::ios::binary | std::ios::trunc);
    if (!Out) {
      Error = Path + ": cannot write fact file";
      return false;
    }
    Out << json(F).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    if (!Out.good()) {
      Error = Path + ": write failed";
      return false;
    }
  }
  if (std::rename(Tmp.c_str(), Path.c_str()) != 0) {
    Error = Path + ": cannot rename " + Tmp;
    return false;
  }
  return true;
}

std::vector<DerivedFunction> mergeDerived(const std::vector<TUFacts> &TUs) {
  std::set<DerivedFunction> All;
  for (const TUFacts &TU : TUs)
    All.insert(TU.Derived.begin(), TU.Derived.end());
  return {All.begin(), All.end()};
}

bool callsDerivedElsewhere(const TUFacts &TU, const std::vector<DerivedFunction> &D) {
  std::set<std::string> Defined, Wanted;
  for (const FunctionFact &F : TU.Functions)
    Defined.insert(F.Usr);
  for (const DerivedFunction &F : D)
    if (!Defined.count(F.Usr))
      Wanted.insert(F.Usr);
  for (const CallEdge &E : TU.Calls)
    if (Wanted.count(E.Callee))
      return true;
  return false;
}

json derivedJson(const std::vector<DerivedFunction> &D) {
  json Fs = json::array();
  for (const DerivedFunction &F : D) {
    json O{{"usr", F.Usr}, {"function", F.Function}, {"kind", F.Kind}};
    if (F.Acquire)
      O["acquire"] = true;
    else
      O["arg"] = F.Arg;
    Fs.push_back(std::move(O));
  }
  return json{{"schema", "serverless-tidy-derived/1"}, {"functions", Fs}};
}

bool readDerived(const std::string &Path, std::vector<DerivedFunction> &Out, std::string &Error) {
  std::ifstream In(Path, std::ios::binary);
  try {
    json J = json::parse(In);
    for (const json &D : J.at("functions"))
      Out.push_back({D.at("usr").get<std::string>(), D.at("function").get<std::string>(),
                     D.at("kind").get<std::string>(), D.value("acquire", false), D.value("arg", 0u)});
  } catch (const std::exception &E) {
    Error = Path + ": not a derived-functions file: " + E.what();
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Program
//===----------------------------------------------------------------------===//

Program::Program(const std::vector<TUFacts> &TUs, const std::string &Check) {
  std::set<std::tuple<std::string, std::string, std::string, unsigned, unsigned>> SeenEdges;
  std::set<std::string> SeenHandlers;
  // A handler counts for \p Check when any TU's options made it one for that
  // check (or for every check).
  std::set<std::string> ForCheck;
  if (!Check.empty())
    for (const TUFacts &TU : TUs)
      for (const HandlerFact &H : TU.Handlers)
        if (H.Checks.empty() || std::find(H.Checks.begin(), H.Checks.end(), Check) != H.Checks.end())
          ForCheck.insert(H.Usr);
  for (const TUFacts &TU : TUs) {
    for (const FunctionFact &F : TU.Functions)
      Functions.emplace(F.Usr, F);
    for (const CallEdge &E : TU.Calls)
      if (SeenEdges.insert({E.Caller, E.Callee, E.Site.Path, E.Site.Line, E.Site.Column}).second)
        Edges.push_back(E);
    for (const HandlerFact &H : TU.Handlers)
      if ((Check.empty() || ForCheck.count(H.Usr)) && SeenHandlers.insert(H.Usr).second)
        Handlers.push_back(H);
    if (!TU.MainUsr.empty())
      Mains.insert(TU.MainUsr);
    Configures.insert(TU.Configures.begin(), TU.Configures.end());
  }
  // Deterministic whatever the order of the inputs.
  std::sort(Edges.begin(), Edges.end(), [](const CallEdge &A, const CallEdge &B) {
    return std::tie(A.Site, A.Caller, A.Callee) < std::tie(B.Site, B.Caller, B.Callee);
  });
  std::sort(Handlers.begin(), Handlers.end(), [](const HandlerFact &A, const HandlerFact &B) {
    return std::tie(A.Decl, A.Usr) < std::tie(B.Decl, B.Usr);
  });
  for (size_t I = 0; I < Edges.size(); ++I)
    Out[Edges[I].Caller].push_back(I);

  // One breadth-first walk for the three questions: from \p Roots over call
  // edges (those \p Follow accepts); \p Reach is called once per new
  // function with the edge that reached it (npos for a root) and the root's
  // index, and returns false when the function was already reached.
  auto Walk = [&](const std::vector<std::string> &Roots, auto Follow, auto Reach) {
    std::deque<std::pair<std::string, size_t>> Work;
    for (size_t R = 0; R < Roots.size(); ++R)
      if (Reach(Roots[R], size_t(-1), R))
        Work.push_back({Roots[R], R});
    while (!Work.empty()) {
      auto [U, Root] = Work.front();
      Work.pop_front();
      auto It = Out.find(U);
      if (It == Out.end())
        continue;
      for (size_t EI : It->second)
        if (Follow(Edges[EI]) && Reach(Edges[EI].Callee, EI, Root))
          Work.push_back({Edges[EI].Callee, Root});
    }
  };
  auto All = [](const CallEdge &) { return true; };

  // Handler scope: init-once edges do not carry it. Each function keeps the
  // first (shortest) way it was reached, for the notes.
  std::vector<std::string> HandlerRoots;
  for (const HandlerFact &H : Handlers)
    HandlerRoots.push_back(H.Usr);
  Walk(HandlerRoots, [](const CallEdge &E) { return !E.InitOnce; },
       [&](const std::string &U, size_t Edge, size_t Root) {
         return HandlerReach.emplace(U, std::make_pair(Root, Edge)).second;
       });
  // What SIGTERM hooks reach (every edge: a hook runs once), and the
  // globals flushed or released there.
  std::vector<std::string> HookRoots;
  for (const TUFacts &TU : TUs)
    HookRoots.insert(HookRoots.end(), TU.SigtermHooks.begin(), TU.SigtermHooks.end());
  std::set<std::string> HookReach;
  Walk(HookRoots, All, [&](const std::string &U, size_t, size_t) { return HookReach.insert(U).second; });
  for (const TUFacts &TU : TUs)
    for (const GlobalActionFact &A : TU.GlobalActions)
      if (HookReach.count(A.Function))
        (A.Flush ? HookFlushes : HookReleases).insert(A.Global);
  // Init scope: main and what it calls; a registered handler is not called
  // by registering it (the summariser records no edge for that).
  Walk(std::vector<std::string>(Mains.begin(), Mains.end()), All,
       [&](const std::string &U, size_t, size_t) { return InitReach.insert(U).second; });
}

bool Program::hookCovers(const std::string &Global, bool Flush) const {
  return HookFlushes.count(Global) || (!Flush && HookReleases.count(Global));
}

const FunctionFact *Program::function(const std::string &Usr) const {
  auto It = Functions.find(Usr);
  return It == Functions.end() ? nullptr : &It->second;
}

Program::Chain Program::handlerChain(const std::string &Usr) const {
  Chain C;
  auto It = HandlerReach.find(Usr);
  if (It == HandlerReach.end())
    return C;
  C.Handler = &Handlers[It->second.first];
  std::string U = Usr;
  for (unsigned Guard = 0; Guard < 100000; ++Guard) {
    auto R = HandlerReach.find(U);
    if (R == HandlerReach.end() || R->second.second == size_t(-1))
      break;
    const CallEdge &E = Edges[R->second.second];
    C.Steps.push_back(&E);
    U = E.Caller;
  }
  std::reverse(C.Steps.begin(), C.Steps.end());
  return C;
}

//===----------------------------------------------------------------------===//
// judge
//===----------------------------------------------------------------------===//

/// A finding that depended on a function no TU of the program defines is
/// unknown: not reported.
static bool anyUnseen(const Diagnostic &D, const Program &P) {
  return std::any_of(D.Unseen.begin(), D.Unseen.end(),
                     [&](const std::string &U) { return P.function(U) == nullptr; });
}

static void replaceAll(std::string &S, const std::string &From, const std::string &To) {
  for (size_t P = S.find(From); P != std::string::npos; P = S.find(From, P + To.size()))
    S.replace(P, From.size(), To);
}

static Location locOf(const core::Site &S) {
  Location L;
  L.Path = S.Path;
  L.Line = S.Line;
  L.Column = S.Column;
  return L;
}

std::vector<Diagnostic> judge(const std::vector<TUFacts> &TUs, const JudgeOptions &Opts) {
  Program All(TUs);
  // Check-local HandlerFunctions: a program per check, only when some
  // handler is not every check's (HandlerFact::Checks not empty).
  bool PerCheck = false;
  for (const TUFacts &TU : TUs)
    for (const HandlerFact &H : TU.Handlers)
      PerCheck = PerCheck || !H.Checks.empty();
  std::map<std::string, std::unique_ptr<Program>> Programs;
  auto ProgramFor = [&](const std::string &Check) -> const Program & {
    if (!PerCheck)
      return All;
    auto &Slot = Programs[Check];
    if (!Slot)
      Slot = std::make_unique<Program>(TUs, Check);
    return *Slot;
  };
  std::vector<Diagnostic> Out;
  std::set<std::string> HookFiles;
  for (const TUFacts &TU : TUs)
    if (TU.InstallsSigtermHook)
      HookFiles.insert(TU.File);
  std::set<std::tuple<std::string, std::string, unsigned, unsigned, std::string>> Seen;
  for (const TUFacts &TU : TUs) {
    for (const Diagnostic &D : TU.Diagnostics) {
      const Program &P = ProgramFor(D.Check);
      if (D.Condition == Diagnostic::Requires::HandlerScope && !P.inHandlerScope(D.FunctionUsr))
        continue;
      if (D.Condition == Diagnostic::Requires::InitScope && !P.inInitScope(D.FunctionUsr))
        continue;
      if (D.Condition == Diagnostic::Requires::AnyScope && !P.inInitScope(D.FunctionUsr) &&
          !P.inHandlerScope(D.FunctionUsr))
        continue;
      if (anyUnseen(D, P))
        continue;
      if (std::any_of(D.ConfiguredBy.begin(), D.ConfiguredBy.end(), [&](const auto &C) {
            return !P.function(C.first) || P.configures(C.first, C.second);
          }))
        continue;
      if (D.ShutdownOf && P.hookCovers(D.ShutdownOf->first, D.ShutdownOf->second))
        continue;
      if (D.UnknownIfHooksElsewhere &&
          std::any_of(HookFiles.begin(), HookFiles.end(), [&](const std::string &F) { return F != TU.File; }))
        continue;
      Diagnostic R = D;
      if (D.Condition == Diagnostic::Requires::HandlerScope ||
          (D.Condition == Diagnostic::Requires::AnyScope && P.inHandlerScope(D.FunctionUsr))) {
        Program::Chain C = P.handlerChain(D.FunctionUsr);
        replaceAll(R.Message, HandlerPlaceholder, C.Handler->Name);
        for (Note &N : R.Notes)
          replaceAll(N.Message, HandlerPlaceholder, C.Handler->Name);
        // The registration may only see a declaration (in a header); point at
        // the definition when another TU has it.
        core::Site HandlerAt = C.Handler->Decl;
        if (const FunctionFact *HF = P.function(C.Handler->Usr))
          if (HF->Decl.Path != HandlerAt.Path)
            HandlerAt = HF->Decl;
        R.Notes.push_back({"handler '" + C.Handler->Name + "' is defined here", locOf(HandlerAt)});
        const size_t N = C.Steps.size();
        const size_t Keep = Opts.MaxChainNotes;
        for (size_t I = 0; I < N; ++I) {
          if (N > Keep && I == Keep / 2) {
            size_t Skipped = N - Keep;
            R.Notes.push_back({"(" + std::to_string(Skipped) + " more call" + (Skipped == 1 ? "" : "s") +
                                   " on the way from handler '" + C.Handler->Name + "')",
                               locOf(C.Steps[I]->Site)});
            I = N - (Keep - Keep / 2) - 1;
            continue;
          }
          const CallEdge &E = *C.Steps[I];
          std::string Caller = E.Caller == C.Handler->Usr ? "handler '" + C.Handler->Name + "'" : "";
          if (Caller.empty()) {
            const FunctionFact *F = P.function(E.Caller);
            Caller = "'" + (F ? F->Name : E.Site.Function) + "'";
          }
          const FunctionFact *Callee = P.function(E.Callee);
          std::string Where;
          if (Callee && Callee->Decl.Path != E.Site.Path)
            Where = " in " + core::baseName(Callee->Decl.Path);
          R.Notes.push_back({"'" + E.CalleeName + "'" + Where + " is called from " + Caller + " here",
                             locOf(E.Site)});
        }
      }
      if (!Seen.insert({R.Check, R.Loc.Path, R.Loc.Line, R.Loc.Column, R.Message}).second)
        continue;
      Out.push_back(std::move(R));
    }
  }
  std::sort(Out.begin(), Out.end(), [](const Diagnostic &A, const Diagnostic &B) {
    return std::tie(A.Loc.Path, A.Loc.Line, A.Loc.Column, A.Check, A.Message) <
           std::tie(B.Loc.Path, B.Loc.Line, B.Loc.Column, B.Check, B.Message);
  });
  return Out;
}

} // namespace serverless::summary
