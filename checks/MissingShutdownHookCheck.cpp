//===--- MissingShutdownHookCheck.cpp - serverless-missing-shutdown-hook --===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Init-scope resources that hold unsent data or server-side state must be
// flushed or closed when Lambda shuts the environment down: a Kafka
// producer's queued messages are lost (incident 004), pooled Postgres
// connections are left dangling behind RDS Proxy (incident 001). The facts
// come from ShutdownAnalysis; this file only words them.
//
//===----------------------------------------------------------------------===//

#include "Summary/Collector.h"
#include "MissingShutdownHookCheck.h"
#include "Analysis/ShutdownAnalysis.h"

using ::serverless::InitResource;
using ::serverless::ShutdownAnalysis;
using ::serverless::ShutdownFinding;
using ::serverless::TUContext;

namespace clang::tidy::serverless {

MissingShutdownHookCheck::MissingShutdownHookCheck(StringRef Name,
                                                   ClangTidyContext *Context)
    : ServerlessCheck(Name, Context) {}

void MissingShutdownHookCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  ServerlessCheck::storeOptions(Opts);
}

void MissingShutdownHookCheck::checkTranslationUnit(ASTContext &,
                                                    TUContext &TU) {
  ShutdownAnalysis &A = ShutdownAnalysis::get(TU);
  using Requires = ::serverless::summary::Diagnostic::Requires;
  auto *Facts = ::serverless::summary::Collector::active();
  if (Facts && !A.hooks().empty())
    Facts->Facts.InstallsSigtermHook = true;
  // Whole-program facts: the hooks, and which functions flush or release
  // which globals; the judge joins them over every TU.
  if (Facts && Facts->Facts.SigtermHooks.empty() && Facts->Facts.GlobalActions.empty()) {
    for (const ::serverless::SigtermHook &H : A.hooks())
      if (H.Handler)
        Facts->Facts.SigtermHooks.push_back(::serverless::summary::Collector::usr(H.Handler));
    for (const ::serverless::GlobalAction &G : A.globalActions(TU.handlerScope().functions()))
      Facts->Facts.GlobalActions.push_back({::serverless::summary::Collector::usr(G.Function),
                                            ::serverless::summary::Collector::usr(G.Global), G.Flush});
  }
  // Per-TU mode: whether a SIGTERM hook exists is a fact about the whole
  // program. Without `main` in this TU, or when init scope calls a function
  // defined elsewhere (which may install one), "no hook" is unknown, not a
  // finding; `serverless-tidy check -p` decides over every TU.
  const bool HooksUnknown =
      !Facts && (!TU.handlerScope().mainFunction() || TU.handlerScope().initScopeCallsUnknown());
  for (const ShutdownFinding &F : A.findings()) {
    const InitResource &R = *F.Resource;
    SourceLocation Loc = R.Site->getBeginLoc();
    if (HooksUnknown && F.Why != ShutdownFinding::NotReleasedOnExit)
      continue;
    // Whole-program mode: the resource must be created in init scope of the
    // merged program; hooks are joined only within this TU, so another TU
    // installing one makes the finding unknown (not reported).
    auto Tag = [&] {
      requireScope(Loc, R.Function, R.Function ? Requires::InitScope : Requires::Nothing);
      if (Facts && F.Why != ShutdownFinding::NotReleasedOnExit) {
        if (R.Var) {
          for (auto *T : Facts->tagsAt(getID(), TU.astContext().getSourceManager(), Loc))
            T->ShutdownOf = std::make_pair(::serverless::summary::Collector::usr(R.Var), R.needsFlush());
        } else {
          Facts->markHookDependent(getID(), TU.astContext().getSourceManager(), Loc);
        }
      }
    };
    if (F.Why == ShutdownFinding::NotReleasedOnExit) {
      std::string Release =
          R.Release.empty() ? "its release" : R.Release.front()->Function.text();
      diag(Loc, "'%0' is called at init scope without '%1' on every path out "
                "of 'main'")
          << R.From << Release;
      Tag();
      continue;
    }
    const bool Flush = R.needsFlush();
    diag(Loc, "%select{|local }0'%1' (%2 from %3) is created at init scope and "
              "never %select{closed|flushed}4 on shutdown: install a SIGTERM "
              "handler that %5")
        << R.Local << R.Name << R.Kind << R.From << Flush
        << ShutdownAnalysis::requiredAction(R);
    Tag();
    if (F.Why == ShutdownFinding::HookMissesIt)
      for (const ::serverless::SigtermHook &H : A.hooks())
        diag(H.Install->getBeginLoc(),
             "SIGTERM handler '%0' installed here does not %select{close|flush}1 "
             "'%2'",
             DiagnosticIDs::Note)
            << H.Name << Flush << R.Name;
    if (F.OnlyAtExit)
      diag(F.OnlyAtExit->Install->getBeginLoc(),
           "'%0' %select{closes|flushes}1 '%2', but %3 handlers do not run when "
           "SIGTERM's default action terminates the process",
           DiagnosticIDs::Note)
          << F.OnlyAtExit->Name << Flush << R.Name << F.OnlyAtExit->Installer;
    else if (R.StaticObject && !Flush)
      diag(Loc,
           "the destructor of '%0' runs on exit(), not when SIGTERM's default "
           "action terminates the process",
           DiagnosticIDs::Note)
          << R.Name;
    if (F.ReleasedAfter && F.RegistrarNeverReturns)
      diag(F.ReleasedAfter->getBeginLoc(),
           "'%0' is %select{closed|flushed}1 after this call returns, but it "
           "does not return on SIGTERM: it is blocked in the Runtime API's "
           "next until the process is killed",
           DiagnosticIDs::Note)
          << R.Name << Flush;
    else if (F.ReleasedAfter)
      diag(F.ReleasedAfter->getBeginLoc(),
           "'%0' is %select{closed|flushed}1 after this call returns, but "
           "without a SIGTERM handler it never returns on shutdown",
           DiagnosticIDs::Note)
          << R.Name << Flush;
    diag(Loc,
         "Lambda sends SIGTERM only when an extension is registered; without "
         "one shutdown is SIGKILL and no handler runs: register an internal "
         "extension at init (Extensions API) or add a layer such as Lambda "
         "Insights",
         DiagnosticIDs::Note);
  }
  // Signal-safety advice is a remark: the pattern works most of the time,
  // and the remark explains the one that always does.
  for (const ::serverless::SigtermHook &H : A.hooks()) {
    if (H.Unsafe.empty())
      continue;
    const ::serverless::UnsafeCall &U = H.Unsafe.front();
    diag(U.Call->getBeginLoc(),
         std::string(remarkPrefix()) + "SIGTERM handler '%0' calls '%1', which is not async-signal-safe; "
         "safe: block SIGTERM in every thread and flush/close from a thread "
         "waiting in sigwait() or reading a signalfd (run_handler does not "
         "return on SIGTERM, so the main loop never sees a flag)",
         remarkLevel())
        << H.Name << U.Callee;
  }
}

} // namespace clang::tidy::serverless
