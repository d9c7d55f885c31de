//===--- ServerlessCheck.cpp - Common base of serverless-* checks ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "ServerlessCheck.h"
#include "Summary/Collector.h"
#include "clang-tidy/utils/OptionsUtils.h"
#include "clang/AST/Decl.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include <mutex>
#include <set>

using namespace clang::ast_matchers;
namespace model = ::serverless::model;

namespace clang::tidy::serverless {

ServerlessCheck::ServerlessCheck(StringRef Name, ClangTidyContext *Context)
    : ClangTidyCheck(Name, Context),
      ModelFiles(Options.getLocalOrGlobal("ModelFiles", "")),
      HandlerFunctions(Options.getLocalOrGlobal("HandlerFunctions", "")) {
  HandlerPatterns = parsePatternList("HandlerFunctions", HandlerFunctions);
  std::vector<std::string> Files;
  for (StringRef F : utils::options::parseStringList(ModelFiles))
    if (!F.trim().empty())
      Files.push_back(F.trim().str());
  auto Loaded = ::serverless::ModelCache::get(Files);
  if (!Loaded) {
    // One configuration error per bad line, once per run (every check of
    // every TU loads the same files); analysis continues with the defaults
    // so the other findings are not lost. The lines are `FILE:LINE:COL:
    // error: MESSAGE`; clang-tidy prints its own "error: " before them.
    std::string Message = llvm::toString(Loaded.takeError());
    static std::mutex ReportedMutex;
    static std::set<std::string> Reported;
    std::lock_guard<std::mutex> Lock(ReportedMutex);
    if (Reported.insert(Message).second)
      for (StringRef Line : llvm::split(Message, '\n')) {
        auto [Where, What] = Line.split(": error: ");
        configurationDiag("%0", DiagnosticIDs::Error)
            << (What.empty() ? Line.str() : (Where + ": " + What).str());
      }
    auto Defaults = ::serverless::ModelCache::get({});
    Model = Defaults ? *Defaults : std::make_shared<model::ApiModel>();
    if (!Defaults)
      llvm::consumeError(Defaults.takeError());
    OptionsKey = "defaults|";
  } else {
    Model = *Loaded;
    OptionsKey = ModelFiles + "|";
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
  ::serverless::TUContext::invalidate();
}

void ServerlessCheck::onEndOfTranslationUnit() {
  ::serverless::TUContext::invalidate();
}

void ServerlessCheck::check(const MatchFinder::MatchResult &Result) {
  ASTContext &Ctx = *Result.Context;
  SM = Result.SourceManager;
  auto &TU = ::serverless::TUContext::get(Ctx, Model, HandlerPatterns, OptionsKey);
  checkTranslationUnit(Ctx, TU);
}

void ServerlessCheck::noteHandlerAndChain(const FunctionDecl *FD,
                                          ::serverless::TUContext &TU) {
  ::serverless::HandlerScope &Scope = TU.handlerScope();
  const ::serverless::Handler *H = Scope.handlerFor(FD);
  if (!H)
    return;
  diag(H->Location, "handler '%0' is defined here", DiagnosticIDs::Note)
      << H->Name;
  // Bounded: the first and last steps of a long chain, and a count of the
  // rest (a 1,000-deep chain would otherwise print 1,000 notes per finding).
  std::vector<::serverless::CallStep> Chain = Scope.callChain(FD);
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
