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
  /// As configured (stored back by storeOptions).
  int64_t FunctionTimeoutMs;
  /// Report server-side settings (statement_timeout) not seen on the
  /// connection, which a role or the server may set.
  bool StrictUnknownTimeouts;
  unsigned MaxFunctionStatements;
  /// In effect: the option, or else SERVERLESS_TIDY_FUNCTION_TIMEOUT_MS
  /// (set by `serverless-tidy check` from template.yaml/serverless.yml).
  int64_t EffectiveFunctionTimeoutMs;
};

} // namespace clang::tidy::serverless

#endif
