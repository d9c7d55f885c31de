//===--- MissingShutdownHookCheck.cpp - serverless-missing-shutdown-hook --===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "MissingShutdownHookCheck.h"

namespace clang::tidy::serverless {

MissingShutdownHookCheck::MissingShutdownHookCheck(StringRef Name,
                                                   ClangTidyContext *Context)
    : ServerlessCheck(Name, Context) {}

void MissingShutdownHookCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  ServerlessCheck::storeOptions(Opts);
}

void MissingShutdownHookCheck::checkTranslationUnit(ASTContext &,
                                                    ::serverless::TUContext &) {
  // FIXME: the shutdown-facts analysis (issue 7) is not written yet; the
  // check is registered so configurations naming it stay valid.
}

} // namespace clang::tidy::serverless
