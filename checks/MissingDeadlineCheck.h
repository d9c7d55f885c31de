//===--- MissingDeadlineCheck.h - serverless-missing-deadline ----*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_CHECKS_MISSINGDEADLINECHECK_H
#define SERVERLESS_CHECKS_MISSINGDEADLINECHECK_H

#include "ServerlessCheck.h"

namespace clang::tidy::serverless {

/// Flags blocking calls with no deadline, or one longer than the invocation can live.
///
/// For the user-facing documentation see:
/// docs/checks/serverless-missing-deadline.rst
class MissingDeadlineCheck : public ServerlessCheck {
public:
  MissingDeadlineCheck(StringRef Name, ClangTidyContext *Context);
  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;

protected:
  void checkTranslationUnit(ASTContext &Ctx,
                            ::serverless::TUContext &TU) override;

private:
  int64_t MaxBlockingMs;
  int64_t FunctionTimeoutMs;
};

} // namespace clang::tidy::serverless

#endif
