//===--- Names.cpp - Qualified names as the API models spell them ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Analysis/Names.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/PrettyPrinter.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang;

namespace serverless {

const std::string &NameCache::qualifiedName(const NamedDecl *D) {
  D = cast<NamedDecl>(D->getCanonicalDecl());
  auto It = Cache.find(D);
  if (It != Cache.end())
    return It->second;
  std::string Name;
  llvm::raw_string_ostream OS(Name);
  PrintingPolicy Policy(D->getASTContext().getLangOpts());
  Policy.SuppressUnwrittenScope = true;
  Policy.SuppressInlineNamespace = true;
  Policy.SuppressTemplateArgsInCXXConstructors = true;
  D->printQualifiedName(OS, Policy);
  OS.flush();
  // printQualifiedName prints template arguments of enclosing class
  // specializations (`ns::Box<int>::get`); models never spell them.
  std::string Clean;
  int Depth = 0;
  for (char C : Name) {
    if (C == '<')
      ++Depth;
    else if (C == '>')
      Depth = Depth > 0 ? Depth - 1 : 0;
    else if (Depth == 0)
      Clean += C;
  }
  return Cache.try_emplace(D, std::move(Clean)).first->second;
}

const CXXRecordDecl *NameCache::recordOf(QualType T) {
  if (T.isNull())
    return nullptr;
  T = T.getNonReferenceType();
  for (int I = 0; I < 4 && (T->isPointerType() || T->isArrayType()); ++I)
    T = T->isPointerType() ? T->getPointeeType()
                           : QualType(T->getPointeeOrArrayElementType(), 0);
  T = T.getCanonicalType().getUnqualifiedType();
  return T->getAsCXXRecordDecl();
}

std::string displayTypeName(QualType T) {
  if (const CXXRecordDecl *RD = NameCache::recordOf(T)) {
    std::string Name;
    llvm::raw_string_ostream OS(Name);
    PrintingPolicy Policy(RD->getASTContext().getLangOpts());
    Policy.SuppressUnwrittenScope = true;
    Policy.SuppressInlineNamespace = true;
    RD->printQualifiedName(OS, Policy);
    return OS.str();
  }
  return T.getAsString();
}

std::string displayFunctionName(const FunctionDecl *FD, NameCache &Names) {
  if (const auto *MD = dyn_cast<CXXMethodDecl>(FD))
    if (MD->getParent()->isLambda()) {
      const SourceManager &SM = FD->getASTContext().getSourceManager();
      PresumedLoc P = SM.getPresumedLoc(SM.getExpansionLoc(MD->getParent()->getLocation()));
      if (P.isInvalid())
        return "lambda";
      llvm::StringRef File = P.getFilename();
      File = File.substr(File.rfind('/') + 1);
      return ("lambda at " + File + ":" + llvm::Twine(P.getLine()) + ":" +
              llvm::Twine(P.getColumn()))
          .str();
    }
  return Names.qualifiedName(FD);
}

} // namespace serverless
