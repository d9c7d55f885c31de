//===--- MissingDeadlineCheck.cpp - serverless-missing-deadline -----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// A blocking call with no bound outlives a timed-out invocation: the query
// keeps running and taints the pooled connection (incident 001), a Kafka
// flush waits minutes past the function timeout (incident 004). Which calls
// block and how their timeout is set comes from the `blocking` section of
// the API models; DeadlineAnalysis decides, per call, whether the bound is
// missing, constant, or derived from the invocation's remaining time. This
// check applies the thresholds and words the diagnostics.
//
//===----------------------------------------------------------------------===//

#include "Analysis/FunctionTimeout.h"
#include "Summary/Collector.h"
#include "MissingDeadlineCheck.h"
#include "Analysis/DeadlineAnalysis.h"
#include <cstdlib>

using ::serverless::DeadlineAnalysis;
using ::serverless::DeadlineSite;
using ::serverless::TUContext;

namespace clang::tidy::serverless {


MissingDeadlineCheck::MissingDeadlineCheck(StringRef Name,
                                           ClangTidyContext *Context)
    : ServerlessCheck(Name, Context),
      MaxBlockingMs(Options.get<int64_t>("MaxBlockingMs", 30000)),
      FunctionTimeoutMs(Options.getLocalOrGlobal<int64_t>("FunctionTimeoutMs", 0)),
      StrictUnknownTimeouts(Options.get<bool>("StrictUnknownTimeouts", false)),
      MaxFunctionStatements(Options.getLocalOrGlobal<unsigned>("MaxFunctionStatements", 0)) {
  EffectiveFunctionTimeoutMs = FunctionTimeoutMs;
}

void MissingDeadlineCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  ServerlessCheck::storeOptions(Opts);
  Options.store(Opts, "MaxBlockingMs", MaxBlockingMs);
  Options.store(Opts, "FunctionTimeoutMs", FunctionTimeoutMs);
  Options.store(Opts, "StrictUnknownTimeouts", StrictUnknownTimeouts);
  Options.store(Opts, "MaxFunctionStatements", MaxFunctionStatements);
}

void MissingDeadlineCheck::checkTranslationUnit(ASTContext &, TUContext &TU) {
  if (TU.handlerScope().handlers().empty() && !wholeProgram())
    return;
  TU.setFunctionBudget(MaxFunctionStatements);
  DeadlineAnalysis &A = TU.shared<DeadlineAnalysis>(
      [&] { return std::make_unique<DeadlineAnalysis>(TU); });
  for (const FunctionDecl *FD : A.skipped())
    if (TU.handlerScope().inHandlerScope(FD) || TU.handlerScope().inInitScope(FD))
      remarkOverBudget(FD, TU);
  const std::string &Hint = A.deadlineHint();
  // The function timeout: the option, else template.yaml / serverless.yml
  // above the main file (the same lookup in every front end).
  int64_t Limit = EffectiveFunctionTimeoutMs;
  if (Limit <= 0) {
    const SourceManager &SM = TU.astContext().getSourceManager();
    if (OptionalFileEntryRef Main = SM.getFileEntryRefForID(SM.getMainFileID()))
      if (std::optional<int64_t> T = ::serverless::tool::functionTimeoutForSource(Main->getName()))
        Limit = *T;
  }
  auto *Facts = ::serverless::summary::Collector::active();
  if (Facts && Facts->Facts.Configures.empty())
    for (const auto &[FD, Arg] : A.configurers())
      Facts->Facts.Configures.push_back({::serverless::summary::Collector::usr(FD), Arg});

  for (const DeadlineSite &S : A.sites()) {
    // The handle went to a function defined in another TU, which may set
    // its timeout: unknown per TU; the whole program decides.
    if (!S.PassedToUnseen.empty() && !Facts)
      continue;
    // A server-side setting (statement_timeout) may come from the role or
    // the server, which no source shows: unknown, not missing, unless the
    // team asks for it.
    if (S.Kind == DeadlineSite::MissingSetting && !StrictUnknownTimeouts)
      continue;
    bool NoteValue = false;
    {
      // The builder must be gone before the notes are emitted.
      auto Unbounded = [&](StringRef Why) {
        return diag(S.Loc, "'%0' can block without bound: " + Why.str()) << S.Callee;
      };
      switch (S.Kind) {
      case DeadlineSite::InfiniteArgument:
        Unbounded("its timeout argument is %1 (infinite); pass a timeout derived "
                  "from %2")
            << S.Value << Hint;
        break;
      case DeadlineSite::NullArgument:
        Unbounded("its timeout argument is null (infinite); pass a timeout "
                  "derived from %1")
            << Hint;
        break;
      case DeadlineSite::MissingSetter:
        Unbounded("no %1 is set on this handle; set one derived from %2")
            << S.Missing << Hint;
        break;
      case DeadlineSite::MissingConninfoKey:
        Unbounded("the connection string has no %1; add %1=<value>") << S.Missing;
        break;
      case DeadlineSite::MissingSetting:
        Unbounded("no %1 is set on this connection (nor seen for its role or "
                  "server); set it in the connection "
                  "string (options=-c %1=...) or run 'SET %1' on it, derived "
                  "from %2")
            << S.Missing << Hint;
        break;
      case DeadlineSite::MissingMethod:
        Unbounded("%1 is not called on '%2' before it; call it with a deadline "
                  "derived from %3")
            << S.Missing << S.HandleName << Hint;
        break;
      case DeadlineSite::MissingFields:
        diag(S.Loc, "'%0' is constructed from '%1' '%2' with no %3 set; its "
                    "calls can block without bound")
            << S.Callee << S.Alternative << S.HandleName << S.Missing;
        break;
      case DeadlineSite::NoTimeout:
        if (S.Alternative.empty())
          Unbounded("it takes no timeout; keep it out of the invocation path");
        else
          Unbounded("it takes no timeout; use '%1'") << S.Alternative;
        break;
      case DeadlineSite::EffectivelyInfinite:
        Unbounded("its timeout is effectively infinite (24.8 days or more); set "
                  "one derived from %1")
            << Hint;
        NoteValue = S.ValueSetAt.isValid();
        break;
      case DeadlineSite::Constant:
        if (Limit > 0 && S.Value > Limit) {
          diag(S.Loc, "'%0' can block for %1 ms, longer than the function "
                      "timeout of %2 ms; derive the timeout from %3")
              << S.Callee << static_cast<int64_t>(S.Value) << Limit << Hint;
        } else if (S.InHandlerScope && MaxBlockingMs > 0 && S.Value >= MaxBlockingMs) {
          diag(S.Loc, "'%0' can block for %1 ms (MaxBlockingMs is %2) with a "
                      "timeout not derived from the remaining time; derive it "
                      "from %3")
              << S.Callee << static_cast<int64_t>(S.Value) << MaxBlockingMs << Hint;
        } else {
          continue;
        }
        NoteValue = S.ValueSetAt.isValid();
        break;
      case DeadlineSite::FieldConstant:
        if (Limit <= 0 || S.Value <= Limit)
          continue;
        diag(S.Loc, "'%0' of '%1' is %2 ms, longer than the function timeout "
                    "of %3 ms")
            << S.Callee << S.Alternative << static_cast<int64_t>(S.Value) << Limit;
        break;
      }
    }
    // Whole-program mode: which scope the function is in is decided over
    // the merged program; the MaxBlockingMs rule is for handler scope only.
    requireScope(S.Loc, S.Function,
                 S.Kind == DeadlineSite::Constant && !(Limit > 0 && S.Value > Limit)
                     ? ::serverless::summary::Diagnostic::Requires::HandlerScope
                     : ::serverless::summary::Diagnostic::Requires::AnyScope);
    if (Facts && !S.PassedToUnseen.empty())
      for (auto *T : Facts->tagsAt(getID(), TU.astContext().getSourceManager(), S.Loc))
        for (const auto &[Fn, Arg] : S.PassedToUnseen)
          T->ConfiguredBy.push_back({::serverless::summary::Collector::usr(Fn), Arg});
    if (NoteValue)
      diag(S.ValueSetAt, "the timeout is set here", DiagnosticIDs::Note);
    if (S.HandleCreated.isValid() && !S.HandleName.empty())
      diag(S.HandleCreated, "'%0' is created here", DiagnosticIDs::Note)
          << S.HandleName;
    if (S.InHandlerScope)
      noteHandlerAndChain(S.Function, TU);
  }
}

} // namespace clang::tidy::serverless
