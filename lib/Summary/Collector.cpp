//===--- Collector.cpp - Summarising a TU into facts ----------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Summary/Collector.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/Index/USRGeneration.h"
#include "clang/Tooling/Core/Diagnostic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace serverless::summary {

static thread_local Collector *Active = nullptr;

Collector *Collector::active() { return Active; }
void Collector::setActive(Collector *C) { Active = C; }

std::string Collector::path(const clang::SourceManager &SM, clang::SourceLocation Loc) {
  if (Loc.isInvalid())
    return "";
  clang::SourceLocation F = SM.getFileLoc(Loc);
  clang::OptionalFileEntryRef FE = SM.getFileEntryRefForID(SM.getFileID(F));
  if (!FE)
    return "";
  llvm::StringRef Real = FE->getFileEntry().tryGetRealPathName();
  if (!Real.empty())
    return Real.str();
  llvm::SmallString<256> P(FE->getName());
  llvm::sys::fs::make_absolute(P);
  llvm::sys::path::remove_dots(P, /*remove_dot_dot=*/true);
  return std::string(P);
}

core::Site Collector::site(const clang::SourceManager &SM, clang::SourceLocation Loc,
                           const clang::FunctionDecl *FD, const std::string &FunctionName) {
  core::Site S;
  S.Path = path(SM, Loc);
  if (!S.Path.empty()) {
    clang::SourceLocation F = SM.getFileLoc(Loc);
    S.Line = SM.getSpellingLineNumber(F);
    S.Column = SM.getSpellingColumnNumber(F);
  }
  if (FD)
    S.FunctionUsr = usr(FD);
  S.Function = FunctionName;
  return S;
}

std::string Collector::usr(const clang::Decl *D) {
  if (!D)
    return "";
  D = D->getCanonicalDecl();
  llvm::SmallString<128> Buf;
  bool Failed = clang::index::generateUSRForDecl(D, Buf);
  std::string U = Failed ? std::string("c:?") : std::string(Buf);
  bool Local = D->getParentFunctionOrMethod() != nullptr;
  if (const auto *MD = llvm::dyn_cast<clang::CXXMethodDecl>(D))
    Local |= MD->getParent()->isLambda();
  if (Failed || Local) {
    const clang::SourceManager &SM = D->getASTContext().getSourceManager();
    clang::SourceLocation L = SM.getFileLoc(D->getLocation());
    U += "@loc:" + path(SM, L) + ":" + std::to_string(SM.getFileOffset(L));
  }
  return U;
}

void Collector::tag(llvm::StringRef Check, const clang::SourceManager &SM,
                    clang::SourceLocation Loc, Diagnostic::Requires Condition,
                    const clang::FunctionDecl *FD) {
  // The same (file, offset) clang-tidy computes for the diagnostic.
  clang::tooling::DiagnosticMessage M("", SM, Loc);
  Tags.emplace(std::make_tuple(Check.str(), M.FilePath, M.FileOffset),
               Tag{Condition, FD ? usr(FD) : std::string()});
}

void Collector::markHookDependent(llvm::StringRef Check, const clang::SourceManager &SM,
                                  clang::SourceLocation Loc) {
  clang::tooling::DiagnosticMessage M("", SM, Loc);
  auto R = Tags.equal_range(std::make_tuple(Check.str(), M.FilePath, M.FileOffset));
  for (auto It = R.first; It != R.second; ++It)
    It->second.UnknownIfHooksElsewhere = true;
}

std::vector<Collector::Tag *> Collector::tagsAt(llvm::StringRef Check,
                                                const clang::SourceManager &SM,
                                                clang::SourceLocation Loc) {
  clang::tooling::DiagnosticMessage M("", SM, Loc);
  std::vector<Tag *> Out;
  auto R = Tags.equal_range(std::make_tuple(Check.str(), M.FilePath, M.FileOffset));
  for (auto It = R.first; It != R.second; ++It)
    Out.push_back(&It->second);
  return Out;
}

bool Collector::takeTag(const std::string &Check, const std::string &FilePath, unsigned Offset,
                        Tag &Out) {
  auto It = Tags.find(std::make_tuple(Check, FilePath, Offset));
  if (It == Tags.end())
    return false;
  Out = It->second;
  Tags.erase(It);
  return true;
}

void Collector::handlerSeenBy(llvm::StringRef Check, const HandlerFact &H) {
  if (!std::any_of(Facts.Handlers.begin(), Facts.Handlers.end(),
                   [&](const HandlerFact &K) { return K.Usr == H.Usr; }))
    Facts.Handlers.push_back(H);
  HandlerChecks[H.Usr].insert(Check.str());
}

void Collector::finishHandlers() {
  // A handler every check that ran found: no per-check restriction.
  for (HandlerFact &H : Facts.Handlers) {
    auto It = HandlerChecks.find(H.Usr);
    if (It == HandlerChecks.end() || It->second == ChecksRun)
      H.Checks.clear();
    else
      H.Checks.assign(It->second.begin(), It->second.end());
  }
}

} // namespace serverless::summary
