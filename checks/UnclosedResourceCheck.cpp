//===--- UnclosedResourceCheck.cpp - serverless-unclosed-resource ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "UnclosedResourceCheck.h"

namespace clang::tidy::serverless {

UnclosedResourceCheck::UnclosedResourceCheck(StringRef Name,
                                             ClangTidyContext *Context)
    : ServerlessCheck(Name, Context),
      AcquireReleasePairs(Options.get("AcquireReleasePairs", "")),
      HandlerScopeOnly(Options.get("HandlerScopeOnly", true)) {}

void UnclosedResourceCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  ServerlessCheck::storeOptions(Opts);
  Options.store(Opts, "AcquireReleasePairs", AcquireReleasePairs);
  Options.store(Opts, "HandlerScopeOnly", HandlerScopeOnly);
}

void UnclosedResourceCheck::checkTranslationUnit(ASTContext &,
                                                 ::serverless::TUContext &) {
  // FIXME: the path-sensitive release analysis (issue 5) is not written yet;
  // the check is registered so configurations naming it stay valid.
}

} // namespace clang::tidy::serverless
