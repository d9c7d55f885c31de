//===--- ServerlessCheck.cpp - Common base of serverless-* checks ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "ServerlessCheck.h"
#include "Summary/Collector.h"
#include "Model/ConfigLocator.h"
#include "clang-tidy/utils/OptionsUtils.h"
#include "clang/AST/Decl.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include <mutex>
#include <set>

using namespace clang::ast_matchers;
namespace model = ::serverless::model;

namespace clang::tidy::serverless {

namespace {
bool EditorMode = false;
/// Model errors reported in the editor in the current TU.
thread_local std::set<std::string> ModelErrorsReported;
} // namespace

void setEditorMode(bool On) { EditorMode = On; }
bool editorMode() { return EditorMode; }

DiagnosticIDs::Level ServerlessCheck::remarkLevel() {
  return EditorMode ? DiagnosticIDs::Warning : DiagnosticIDs::Remark;
}

StringRef ServerlessCheck::remarkPrefix() { return EditorMode ? "remark: " : ""; }

ServerlessCheck::ServerlessCheck(StringRef Name, ClangTidyContext *Context)
    : ClangTidyCheck(Name, Context),
      ModelFiles(Options.getLocalOrGlobal("ModelFiles", "")),
      HandlerFunctions(Options.getLocalOrGlobal("HandlerFunctions", "")) {
  HandlerPatterns = parsePatternList("HandlerFunctions", HandlerFunctions);
  // Relative entries are relative to the configuration file that sets them
  // (found from the file being analysed), else to the working directory.
  std::vector<std::string> Files;
  std::vector<::serverless::model::ResolvedPath> Resolved =
      ::serverless::model::resolveOptionPaths(
          Context->getCurrentFile(), {(Name + ".ModelFiles").str(), "ModelFiles"}, ModelFiles,
          /*WithClangd=*/EditorMode);
  for (const auto &R : Resolved)
    Files.push_back(R.Path);
  auto Loaded = ::serverless::ModelCache::get(Files);
  if (!Loaded) {
    // Analysis continues with the defaults so the other findings are not
    // lost. Each line is `FILE:LINE:COL: error: MESSAGE`; it says which
    // option entry and configuration file named FILE.
    std::string Raw = llvm::toString(Loaded.takeError());
    for (StringRef Line : llvm::split(Raw, '\n')) {
      auto [Where, What] = Line.split(": error: ");
      std::string Text = What.empty() ? Line.str() : (Where + ": " + What).str();
      for (const auto &R : Resolved)
        if (Line.starts_with(R.Path) && R.Given != R.Path) {
          Text += " (ModelFiles entry '" + R.Given + "'" +
                  (R.ConfigFile.empty() ? std::string(" relative to the working directory")
                                        : " of " + R.ConfigFile) +
                  ")";
          break;
        }
      if (!ModelError.empty())
        ModelError += "\n";
      ModelError += Text;
    }
    // Outside the editor: a configuration error (bad input: a non-zero
    // exit; serverless-tidy check -p counts it as a configuration error and
    // exits 2), once per run: every check of every TU loads the same files.
    // In the editor (clangd drops diagnostics without a location), check()
    // reports it at the top of each file instead, as a warning.
    if (!EditorMode) {
      static std::mutex ReportedMutex;
      static std::set<std::string> Reported;
      std::lock_guard<std::mutex> Lock(ReportedMutex);
      if (Reported.insert(ModelError).second)
        for (StringRef Line : llvm::split(ModelError, '\n'))
          configurationDiag("%0", DiagnosticIDs::Error) << Line.str();
    }
    auto Defaults = ::serverless::ModelCache::get({});
    Model = Defaults ? *Defaults : std::make_shared<model::ApiModel>();
    if (!Defaults)
      llvm::consumeError(Defaults.takeError());
    OptionsKey = "defaults|";
  } else {
    Model = *Loaded;
    for (const std::string &F : Files)
      OptionsKey += F + ";";
    OptionsKey += "|";
  }
  // Whole-program second pass: functions of the program that other TUs
  // summarised as acquiring or releasing a resource act as model entries.
  if (auto *C = ::serverless::summary::Collector::active(); C && !C->DerivedIn.empty()) {
    auto WithProgram = std::make_shared<model::ApiModel>(*Model);
    for (const auto &D : C->DerivedIn)
      WithProgram->addProgramFunction(D.Kind, D.Function, D.Acquire, D.Arg);
    Model = std::move(WithProgram);
    OptionsKey += "program-functions|";
  }
  OptionsKey += HandlerFunctions;
}

std::vector<model::NamePattern>
ServerlessCheck::parsePatternList(StringRef OptionName, StringRef Value) {
  std::vector<model::NamePattern> Out;
  for (StringRef Item : utils::options::parseStringList(Value)) {
    Item = Item.trim();
    if (Item.empty())
      continue;
    auto P = model::NamePattern::create(Item);
    if (!P) {
      configurationDiag("invalid %0 entry in option '%1': %2",
                        DiagnosticIDs::Error)
          << Item << OptionName << llvm::toString(P.takeError());
      continue;
    }
    Out.push_back(std::move(*P));
  }
  return Out;
}

void ServerlessCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, "ModelFiles", ModelFiles);
  Options.store(Opts, "HandlerFunctions", HandlerFunctions);
}

void ServerlessCheck::registerMatchers(MatchFinder *Finder) {
  Finder->addMatcher(translationUnitDecl().bind("tu"), this);
}

void ServerlessCheck::onStartOfTranslationUnit() {
  ModelErrorsReported.clear();
  ::serverless::TUContext::invalidate();
}

void ServerlessCheck::onEndOfTranslationUnit() {
  ::serverless::TUContext::invalidate();
}

void ServerlessCheck::check(const MatchFinder::MatchResult &Result) {
  ASTContext &Ctx = *Result.Context;
  SM = Result.SourceManager;
  if (EditorMode && !ModelError.empty()) {
    // Once per file and message, whichever check gets here first.
    if (ModelErrorsReported.insert(ModelError).second)
      for (StringRef Line : llvm::split(ModelError, '\n'))
        diag(SM->getLocForStartOfFile(SM->getMainFileID()),
             "model file not loaded, the checks use the built-in models: %0",
             DiagnosticIDs::Warning)
            << Line.str();
  }
  auto &TU = ::serverless::TUContext::get(Ctx, Model, HandlerPatterns, OptionsKey);
  // Whole-program mode: which handlers this check's options find (a
  // check-local HandlerFunctions names handlers for that check only).
  if (auto *C = ::serverless::summary::Collector::active()) {
    C->checkRan(getID());
    for (const ::serverless::Handler &H : TU.handlerScope().handlers())
      if (H.Function)
        C->handlerSeenBy(getID(),
                         {::serverless::summary::Collector::usr(H.Function), H.Name,
                          ::serverless::summary::Collector::site(*SM, H.Location, H.Function, H.Name),
                          {}});
  }
  checkTranslationUnit(Ctx, TU);
}

void ServerlessCheck::noteHandlerAndChain(const FunctionDecl *FD,
                                          ::serverless::TUContext &TU) {
  ::serverless::HandlerScope &Scope = TU.handlerScope();
  const ::serverless::Handler *H = Scope.handlerFor(FD);
  if (!H)
    return;
  // In the handler itself the chain is empty and the note would only point
  // at the enclosing function (8,892 of 22,676 diagnostics on a long
  // handler, each printed with its snippet): the chain's head only.
  std::vector<::serverless::CallStep> Chain = Scope.callChain(FD);
  if (Chain.empty() && !wholeProgram())
    return;
  diag(H->Location, "handler '%0' is defined here", DiagnosticIDs::Note)
      << H->Name;
  // Bounded: the first and last steps of a long chain, and a count of the
  // rest (a 1,000-deep chain would otherwise print 1,000 notes per finding).
  const size_t Keep = 6, N = Chain.size();
  for (size_t I = 0; I < N; ++I) {
    const ::serverless::CallStep &Step = Chain[I];
    if (N > Keep && I == Keep / 2) {
      diag(Step.Site->getBeginLoc(), "(%0 more calls on the way from handler '%1')",
           DiagnosticIDs::Note)
          << static_cast<unsigned>(N - Keep) << H->Name;
      I = N - (Keep - Keep / 2) - 1;
      continue;
    }
    diag(Step.Site->getBeginLoc(), "'%0' is called from '%1' here",
         DiagnosticIDs::Note)
        << ::serverless::displayFunctionName(Step.Callee, TU.names())
        << (Step.Caller == H->Function
                ? H->Name
                : ::serverless::displayFunctionName(Step.Caller, TU.names()));
  }
}

void ServerlessCheck::remarkOverBudget(const FunctionDecl *FD, ::serverless::TUContext &TU) {
  diag(FD->getLocation(),
       std::string(remarkPrefix()) +
           "'%0' has more than %1 statements (option MaxFunctionStatements): %2 "
           "did not analyse it",
       remarkLevel())
      << ::serverless::displayFunctionName(FD, TU.names()) << TU.functionBudget()
      << getID();
}

bool ServerlessCheck::wholeProgram() {
  return ::serverless::summary::Collector::active() != nullptr;
}

void ServerlessCheck::requireScope(SourceLocation Loc, const FunctionDecl *FD,
                                   ::serverless::summary::Diagnostic::Requires Condition) {
  auto *C = ::serverless::summary::Collector::active();
  if (!C || !SM)
    return;
  C->tag(getID(), *SM, Loc, Condition, FD);
}

std::string ServerlessCheck::handlerNameFor(const FunctionDecl *FD,
                                            ::serverless::TUContext &TU) {
  if (wholeProgram())
    return ::serverless::summary::HandlerPlaceholder;
  const ::serverless::Handler *H = TU.handlerScope().handlerFor(FD);
  return H ? H->Name : std::string("?");
}

} // namespace clang::tidy::serverless
