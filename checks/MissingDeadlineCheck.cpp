//===--- MissingDeadlineCheck.cpp - serverless-missing-deadline -----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "MissingDeadlineCheck.h"

namespace clang::tidy::serverless {

MissingDeadlineCheck::MissingDeadlineCheck(StringRef Name,
                                           ClangTidyContext *Context)
    : ServerlessCheck(Name, Context),
      MaxBlockingMs(Options.get<int64_t>("MaxBlockingMs", 30000)),
      FunctionTimeoutMs(Options.getLocalOrGlobal<int64_t>("FunctionTimeoutMs", 0)) {}

void MissingDeadlineCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  ServerlessCheck::storeOptions(Opts);
  Options.store(Opts, "MaxBlockingMs", MaxBlockingMs);
  Options.store(Opts, "FunctionTimeoutMs", FunctionTimeoutMs);
}

void MissingDeadlineCheck::checkTranslationUnit(ASTContext &,
                                                ::serverless::TUContext &) {
  // FIXME: the deadline-flow analysis (issue 6) is not written yet; the
  // check is registered so configurations naming it stay valid.
}

} // namespace clang::tidy::serverless
