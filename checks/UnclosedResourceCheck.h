//===--- UnclosedResourceCheck.h - serverless-unclosed-resource ----*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_CHECKS_UNCLOSEDRESOURCECHECK_H
#define SERVERLESS_CHECKS_UNCLOSEDRESOURCECHECK_H

#include "ServerlessCheck.h"

namespace clang::tidy::serverless {

/// Flags per-invocation resources that are not released on every path.
///
/// For the user-facing documentation see:
/// docs/checks/serverless-unclosed-resource.rst
class UnclosedResourceCheck : public ServerlessCheck {
public:
  UnclosedResourceCheck(StringRef Name, ClangTidyContext *Context);
  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;

protected:
  void checkTranslationUnit(ASTContext &Ctx,
                            ::serverless::TUContext &TU) override;

private:
  std::string AcquireReleasePairs;
  bool HandlerScopeOnly;
  unsigned MaxFunctionStatements;
  std::vector<std::pair<std::string, std::string>> Pairs;
};

} // namespace clang::tidy::serverless

#endif
