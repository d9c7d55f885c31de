//===--- MissingShutdownHookCheck.h - serverless-missing-shutdown-hook ----*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_CHECKS_MISSINGSHUTDOWNHOOKCHECK_H
#define SERVERLESS_CHECKS_MISSINGSHUTDOWNHOOKCHECK_H

#include "ServerlessCheck.h"

namespace clang::tidy::serverless {

/// Flags init-scope resources that are never closed or flushed on SIGTERM.
///
/// For the user-facing documentation see:
/// docs/checks/serverless-missing-shutdown-hook.rst
class MissingShutdownHookCheck : public ServerlessCheck {
public:
  MissingShutdownHookCheck(StringRef Name, ClangTidyContext *Context);
  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;

protected:
  void checkTranslationUnit(ASTContext &Ctx,
                            ::serverless::TUContext &TU) override;

private:

};

} // namespace clang::tidy::serverless

#endif
