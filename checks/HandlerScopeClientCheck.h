//===--- HandlerScopeClientCheck.h - serverless-handler-scope-client ----*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_CHECKS_HANDLERSCOPECLIENTCHECK_H
#define SERVERLESS_CHECKS_HANDLERSCOPECLIENTCHECK_H

#include "ServerlessCheck.h"

namespace clang::tidy::serverless {

/// Flags clients and connections constructed on every invocation of a handler.
///
/// For the user-facing documentation see:
/// docs/checks/serverless-handler-scope-client.rst
class HandlerScopeClientCheck : public ServerlessCheck {
public:
  HandlerScopeClientCheck(StringRef Name, ClangTidyContext *Context);
  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;

protected:
  void checkTranslationUnit(ASTContext &Ctx,
                            ::serverless::TUContext &TU) override;

private:
  std::string ClientTypesRaw, ClientFactoriesRaw, IgnoreTypesRaw;
  std::vector<::serverless::model::NamePattern> ClientTypes, ClientFactories,
      IgnoreTypes;
  unsigned MaxFunctionStatements;
};

} // namespace clang::tidy::serverless

#endif
