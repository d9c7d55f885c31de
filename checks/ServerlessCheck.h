//===--- ServerlessCheck.h - Common base of serverless-* checks -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Every serverless-* check reasons about the whole translation unit (which
// functions run per invocation, what main sets up), so each registers one
// matcher on the TranslationUnitDecl and does its work in
// checkTranslationUnit() with the shared TUContext.
//
// Options shared by all checks (read with getLocalOrGlobal, so one global
// `CheckOptions` entry configures all four):
//   ModelFiles        `;`-separated user API model files merged on top of the
//                     embedded defaults (docs/models.md). A relative path is
//                     relative to the .clang-tidy/.clangd that sets it
//                     (Model/ConfigLocator.h).
//   HandlerFunctions  `;`-separated names or patterns of handler functions,
//                     in addition to run_handler arguments and annotations.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_CHECKS_SERVERLESSCHECK_H
#define SERVERLESS_CHECKS_SERVERLESSCHECK_H

#include "Analysis/TUContext.h"
#include "Summary/Facts.h"
#include "clang-tidy/ClangTidyCheck.h"

namespace clang::tidy::serverless {

/// serverless-clangd sets this before clangd starts: a broken model file is
/// then reported as a diagnostic at the top of each file (clangd drops
/// diagnostics without a location), and remarks, which clangd folds into the
/// previous diagnostic as notes, are sent as warnings marked `remark: ` that
/// serverless-clangd's LSP filter turns into information-level diagnostics.
void setEditorMode(bool On);
bool editorMode();

class ServerlessCheck : public ClangTidyCheck {
public:
  ServerlessCheck(StringRef Name, ClangTidyContext *Context);

  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(ast_matchers::MatchFinder *Finder) final;
  void check(const ast_matchers::MatchFinder::MatchResult &Result) final;
  void onStartOfTranslationUnit() override;
  void onEndOfTranslationUnit() override;
  bool isLanguageVersionSupported(const LangOptions &LangOpts) const override {
    return LangOpts.CPlusPlus || LangOpts.C99;
  }

protected:
  /// Runs once per TU with the shared analysis state.
  virtual void checkTranslationUnit(ASTContext &Ctx,
                                    ::serverless::TUContext &TU) = 0;

  /// Adds "handler 'h' declared here" and one "called from here" note per
  /// call on the way from the handler to \p FD.
  void noteHandlerAndChain(const FunctionDecl *FD, ::serverless::TUContext &TU);

  /// Whole-program mode (`serverless-tidy check -p`): the diagnostic just
  /// emitted at \p Loc is a finding only under \p Condition about \p FD;
  /// the judge decides over the merged program. No-op in per-TU mode.
  void requireScope(SourceLocation Loc, const FunctionDecl *FD,
                    ::serverless::summary::Diagnostic::Requires Condition);
  /// True in whole-program mode.
  static bool wholeProgram();
  /// The handler name for messages about \p FD: the handler reaching it in
  /// this TU, or (whole-program mode) a placeholder the judge fills in.
  static std::string handlerNameFor(const FunctionDecl *FD, ::serverless::TUContext &TU);


  /// Splits a `;`-separated option into patterns; a bad pattern is reported
  /// as a configuration error naming the option.
  std::vector<::serverless::model::NamePattern>
  parsePatternList(StringRef OptionName, StringRef Value);

  /// The level of an advisory diagnostic: Remark, except in the editor
  /// (see setEditorMode), where it is a Warning whose message starts with
  /// remarkPrefix().
  static DiagnosticIDs::Level remarkLevel();
  static StringRef remarkPrefix();

  /// The remark for a function over the MaxFunctionStatements budget, which
  /// this check did not analyse (TUContext::overBudget).
  void remarkOverBudget(const FunctionDecl *FD, ::serverless::TUContext &TU);

private:
  const SourceManager *SM = nullptr;
  std::string ModelFiles;
  std::string HandlerFunctions;
  std::vector<::serverless::model::NamePattern> HandlerPatterns;
  std::shared_ptr<const ::serverless::model::ApiModel> Model;
  std::string OptionsKey;
  /// The model files could not be loaded (the defaults are used): the
  /// message, reported once per TU in the editor, once per run elsewhere.
  std::string ModelError;
};

} // namespace clang::tidy::serverless

#endif
