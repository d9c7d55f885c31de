//===--- HandlerScopeClientCheck.cpp - serverless-handler-scope-client ----===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// A client (SDK client, database/cache connection, HTTP handle, Kafka
// producer) constructed in handler scope opens new connections on every
// invocation; in a warm environment that exhausts file descriptors and the
// peer's connection limit (incidents 000 and 002). Which types and calls
// create clients comes from the API models; which code runs per invocation
// comes from HandlerScope. The analysis is lib/Analysis/ClientAnalysis; this
// file is options, wording and the `static` fix-it.
//
//===----------------------------------------------------------------------===//

#include "HandlerScopeClientCheck.h"
#include "Analysis/ClientAnalysis.h"
#include "clang-tidy/utils/OptionsUtils.h"

using ::serverless::TUContext;

namespace clang::tidy::serverless {

HandlerScopeClientCheck::HandlerScopeClientCheck(StringRef Name,
                                                 ClangTidyContext *Context)
    : ServerlessCheck(Name, Context),
      ClientTypesRaw(Options.get("ClientTypes", "")),
      ClientFactoriesRaw(Options.get("ClientFactories", "")),
      IgnoreTypesRaw(Options.get("IgnoreTypes", "")),
      MaxFunctionStatements(Options.getLocalOrGlobal<unsigned>("MaxFunctionStatements", 0)) {
  ClientTypes = parsePatternList("ClientTypes", ClientTypesRaw);
  ClientFactories = parsePatternList("ClientFactories", ClientFactoriesRaw);
  IgnoreTypes = parsePatternList("IgnoreTypes", IgnoreTypesRaw);
}

void HandlerScopeClientCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  ServerlessCheck::storeOptions(Opts);
  Options.store(Opts, "ClientTypes", ClientTypesRaw);
  Options.store(Opts, "ClientFactories", ClientFactoriesRaw);
  Options.store(Opts, "IgnoreTypes", IgnoreTypesRaw);
  Options.store(Opts, "MaxFunctionStatements", MaxFunctionStatements);
}

void HandlerScopeClientCheck::checkTranslationUnit(ASTContext &Ctx, TUContext &TU) {
  TU.setFunctionBudget(MaxFunctionStatements);
  if (TU.handlerScope().handlers().empty() && !wholeProgram())
    return;
  ::serverless::ClientAnalysis Analysis(TU, {ClientTypes, ClientFactories, IgnoreTypes});
  std::vector<const FunctionDecl *> OverBudget;
  std::vector<::serverless::ClientConstruction> Sites = Analysis.perInvocation(&OverBudget);
  for (const FunctionDecl *FD : OverBudget)
    remarkOverBudget(FD, TU);
  for (const ::serverless::ClientConstruction &S : Sites) {
    // The `static` fix-it; when the model knows why it may be unsafe it goes
    // on a note (`-fix` does not apply it, editors still offer it).
    std::optional<FixItHint> Fix;
    if (S.StaticCandidate) {
      SourceLocation Begin = S.StaticCandidate->getBeginLoc();
      if (Begin.isValid() && !Begin.isMacroID())
        Fix = FixItHint::CreateInsertion(Begin, "static ");
    }
    {
      // The builder must be gone before the notes are emitted.
      auto D = diag(S.Loc, S.Factory.empty()
                               ? "'%0' is constructed on every invocation of "
                                 "handler '%1'; construct it once at init "
                                 "scope and reuse it"
                               : "'%0' is created by '%2' on every invocation "
                                 "of handler '%1'; create it once at init "
                                 "scope and reuse it");
      D << S.ClientName << handlerNameFor(S.Function, TU);
      if (!S.Factory.empty())
        D << S.Factory;
      if (Fix && S.StaticUnsafe.empty())
        D << *Fix;
    }
    if (Fix && !S.StaticUnsafe.empty())
      diag(S.Loc, "making it 'static' creates it once per process, but %0; "
                  "apply only after handling that",
           DiagnosticIDs::Note)
          << S.StaticUnsafe << *Fix;
    requireScope(S.Loc, S.Function, ::serverless::summary::Diagnostic::Requires::HandlerScope);
    noteHandlerAndChain(S.Function, TU);
  }
}

} // namespace clang::tidy::serverless
