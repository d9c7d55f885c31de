//===--- UnclosedResourceCheck.cpp - serverless-unclosed-resource ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// A resource acquired per invocation and not released on every path leaks
// once per invocation in a warm environment, until "too many open files"
// (incident 003). The path analysis is lib/Analysis/ResourceAnalysis; this
// file picks the functions, reports and adds notes.
//
//===----------------------------------------------------------------------===//

#include "UnclosedResourceCheck.h"
#include "Analysis/ResourceAnalysis.h"
#include "Summary/Collector.h"
#include "clang-tidy/utils/OptionsUtils.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

using ::serverless::LeakFinding;
using ::serverless::ResourceAnalysis;
using ::serverless::TUContext;

namespace clang::tidy::serverless {

UnclosedResourceCheck::UnclosedResourceCheck(StringRef Name,
                                             ClangTidyContext *Context)
    : ServerlessCheck(Name, Context),
      AcquireReleasePairs(Options.get("AcquireReleasePairs", "")),
      HandlerScopeOnly(Options.get("HandlerScopeOnly", true)),
      MaxFunctionStatements(Options.getLocalOrGlobal<unsigned>("MaxFunctionStatements", 0)) {
  for (StringRef Pair : utils::options::parseStringList(AcquireReleasePairs)) {
    Pair = Pair.trim();
    if (Pair.empty())
      continue;
    auto [Acquire, Release] = Pair.split(':');
    Acquire = Acquire.trim();
    Release = Release.trim();
    auto A = ::serverless::model::NamePattern::create(Acquire);
    auto R = ::serverless::model::NamePattern::create(Release);
    if (Release.empty() || !A || !R) {
      if (!A)
        llvm::consumeError(A.takeError());
      if (!R)
        llvm::consumeError(R.takeError());
      configurationDiag("invalid entry '%0' in option 'AcquireReleasePairs': "
                        "expected 'acquire:release' function names",
                        DiagnosticIDs::Error)
          << Pair;
      continue;
    }
    Pairs.emplace_back(Acquire.str(), Release.str());
  }
}

void UnclosedResourceCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  ServerlessCheck::storeOptions(Opts);
  Options.store(Opts, "AcquireReleasePairs", AcquireReleasePairs);
  Options.store(Opts, "HandlerScopeOnly", HandlerScopeOnly);
  Options.store(Opts, "MaxFunctionStatements", MaxFunctionStatements);
}

static std::string joinNames(const std::vector<std::string> &Names) {
  std::string Out;
  for (size_t I = 0; I < Names.size(); ++I) {
    if (I)
      Out += I + 1 == Names.size() ? "' or '" : "', '";
    Out += Names[I];
  }
  return Out;
}

void UnclosedResourceCheck::checkTranslationUnit(ASTContext &Ctx,
                                                 TUContext &TU) {
  TU.setFunctionBudget(MaxFunctionStatements);
  ::serverless::HandlerScope &Scope = TU.handlerScope();
  std::vector<const FunctionDecl *> Functions;
  if (HandlerScopeOnly) {
    Functions.assign(Scope.functions().begin(), Scope.functions().end());
  } else {
    struct All : RecursiveASTVisitor<All> {
      std::vector<const FunctionDecl *> Fns;
      bool TraverseDecl(Decl *D) {
        if (D && !isa<TranslationUnitDecl>(D) && ::serverless::isInSystemHeader(D))
          return true;
        return RecursiveASTVisitor::TraverseDecl(D);
      }
      bool VisitFunctionDecl(FunctionDecl *FD) {
        if (FD->doesThisDeclarationHaveABody())
          Fns.push_back(FD);
        return true;
      }
      bool VisitLambdaExpr(LambdaExpr *LE) {
        Fns.push_back(LE->getCallOperator());
        return true;
      }
    } V;
    V.TraverseDecl(Ctx.getTranslationUnitDecl());
    Functions = std::move(V.Fns);
  }

  auto &Analysis = TU.shared<ResourceAnalysis>(
      [&] { return std::make_unique<ResourceAnalysis>(TU, Pairs); });
  // A client created per invocation that is also never released is two
  // defects: serverless-handler-scope-client reports the construction, this
  // check the leak, whichever other checks are enabled or suppressed.

  // Whole-program mode: what the TU's functions do to resources, for the
  // TUs that call them without their bodies.
  auto *Facts = ::serverless::summary::Collector::active();
  if (Facts && !Facts->DerivedRecorded) {
    Facts->DerivedRecorded = true;
    for (const ::serverless::HelperSummary &S : Analysis.summarize(Scope.functions()))
      Facts->Facts.Derived.push_back({::serverless::summary::Collector::usr(S.Function),
                                      TU.names().qualifiedName(S.Function), S.Kind, S.Acquire, S.Arg});
  }

  for (const FunctionDecl *FD : Functions) {
    if (::serverless::isInSystemHeader(FD))
      continue;
    if (TU.overBudget(FD)) {
      remarkOverBudget(FD, TU);
      continue;
    }
    for (const LeakFinding &L : Analysis.analyze(FD)) {
      // Handed to a function defined elsewhere that may release it: per-TU
      // mode cannot know; whole-program mode decides with that function's
      // summary.
      if (!L.Unseen.empty() && !Facts)
        continue;
      const std::string What = "'" + L.Info.Kind + "'";
      const std::string Release = joinNames(L.Info.ReleaseNames);
      {
        auto D = L.Kind == LeakFinding::Discarded
                     ? diag(L.Acquisition->getBeginLoc(),
                            "the %0 resource acquired by '%1' is discarded and "
                            "never released; keep the handle and release it "
                            "with '%2'")
                     : diag(L.Acquisition->getBeginLoc(),
                            "%0 resource acquired by '%1' is not released on "
                            "every path; release it with '%2'");
        D << What << L.AcquireName << Release;
      }
      requireScope(L.Acquisition->getBeginLoc(), FD,
                   HandlerScopeOnly ? ::serverless::summary::Diagnostic::Requires::HandlerScope
                                    : ::serverless::summary::Diagnostic::Requires::Nothing);
      if (Facts && !L.Unseen.empty())
        for (auto *T : Facts->tagsAt(getID(), Ctx.getSourceManager(), L.Acquisition->getBeginLoc()))
          for (const FunctionDecl *U : L.Unseen)
            T->Unseen.push_back(::serverless::summary::Collector::usr(U));
      if (L.Info.ViaHelper)
        diag(L.Info.ViaHelper->getLocation(),
             "'%0' returns a newly acquired resource", DiagnosticIDs::Note)
            << L.Info.ViaHelper->getName();
      static const char *const Where[] = {
          "when returning here", "when the function ends here",
          "when an exception is thrown here", "when it goes out of scope here",
          "before it is acquired again here", "when the handle is overwritten here",
          ""};
      if (L.Kind == LeakFinding::Throw && !L.ThrowingCall.empty())
        diag(L.LeakLoc, "resource acquired by '%0' is not released when '%1' "
                        "throws here",
             DiagnosticIDs::Note)
            << L.AcquireName << L.ThrowingCall;
      else if (L.Kind != LeakFinding::Discarded)
        diag(L.LeakLoc, "resource acquired by '%0' is not released %1",
             DiagnosticIDs::Note)
            << L.AcquireName << Where[L.Kind];
      if (Scope.inHandlerScope(FD))
        noteHandlerAndChain(FD, TU);
    }
  }
}

} // namespace clang::tidy::serverless
