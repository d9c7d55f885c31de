//===--- Names.cpp - Qualified names as the API models spell them ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "AST/Names.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/PrettyPrinter.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "Model/ApiModel.h"
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

namespace serverless {

bool argSpells(const Expr *E, llvm::StringRef Text, const ASTContext &Ctx) {
  if (!E || Text.empty())
    return false;
  // The macro chain of the expression's first token: a macro named Text
  // anywhere on it (checked before peeling, which may move the location).
  const SourceManager &SM = Ctx.getSourceManager();
  for (SourceLocation L = E->getBeginLoc(); L.isMacroID();
       L = SM.getImmediateMacroCallerLoc(L))
    if (Lexer::getImmediateMacroName(L, SM, Ctx.getLangOpts()) == Text)
      return true;
  E = E->IgnoreParenImpCasts();
  if (const auto *SL = dyn_cast<StringLiteral>(E))
    return SL->getCharByteWidth() == 1 && SL->getString() == Text;
  if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
    if (DRE->getDecl()->getName() == Text)
      return true;
  // An integer (`"equals": "1"`): the argument's constant value, however it
  // is spelled (`1`, `TRUE`, `true`, a constant initialised so).
  long long Want = 0;
  if (!Text.getAsInteger(0, Want) && !E->isValueDependent() &&
      E->getType()->isIntegralOrEnumerationType()) {
    Expr::EvalResult R;
    if (E->EvaluateAsInt(R, Ctx))
      if (std::optional<int64_t> V = R.Val.getInt().trySExtValue())
        return *V == Want;
  }
  return false;
}

static bool hasFlag(const Expr *E, llvm::StringRef Flag, const ASTContext &Ctx,
                    unsigned Depth) {
  if (!E || Depth > 8)
    return false;
  if (argSpells(E, Flag, Ctx))
    return true;
  E = E->IgnoreParenCasts();
  if (const auto *BO = dyn_cast<BinaryOperator>(E)) {
    if (BO->getOpcode() == BO_Or || BO->getOpcode() == BO_OrAssign)
      return hasFlag(BO->getLHS(), Flag, Ctx, Depth + 1) ||
             hasFlag(BO->getRHS(), Flag, Ctx, Depth + 1);
    return false;
  }
  if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
    if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl());
        V && V->getType().isConstQualified() && V->getInit())
      return hasFlag(V->getInit(), Flag, Ctx, Depth + 1);
  return false;
}

bool argHasFlag(const Expr *E, llvm::StringRef Flag, const ASTContext &Ctx) {
  return hasFlag(E, Flag, Ctx, 0);
}

bool conditionHolds(const Expr *Call, const model::ArgCondition &Cond,
                    const ASTContext &Ctx) {
  const Expr *A = nullptr;
  if (const auto *CE = dyn_cast<CallExpr>(Call)) {
    // A member call's arguments do not include the object.
    if (Cond.Arg < CE->getNumArgs())
      A = CE->getArg(Cond.Arg);
  } else if (const auto *CC = dyn_cast<CXXConstructExpr>(Call)) {
    if (Cond.Arg < CC->getNumArgs())
      A = CC->getArg(Cond.Arg);
  }
  if (!A || isa<CXXDefaultArgExpr>(A))
    return false;
  return Cond.Flag.empty() ? argSpells(A, Cond.Equals, Ctx)
                           : argHasFlag(A, Cond.Flag, Ctx);
}

} // namespace serverless
