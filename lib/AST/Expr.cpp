//===--- Expr.cpp - Expression peeling and designated variables -----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "AST/Expr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/IgnoreExpr.h"

using namespace clang;

namespace serverless {

namespace {

/// An explicit cast to a value type: `(FILE *)x`, `static_cast<int>(fd)`,
/// `T(x)`. A cast to void discards the value.
Expr *ignoreValueCastSingleStep(Expr *E) {
  if (auto *CE = dyn_cast<ExplicitCastExpr>(E); CE && !CE->getType()->isVoidType())
    return CE->getSubExpr();
  return E;
}

/// One argument given, the rest defaulted.
bool oneEffectiveArg(const CXXConstructExpr *CE) {
  return CE->getNumArgs() == 1 ||
         (CE->getNumArgs() > 1 && CE->getArg(1)->isDefaultArgument());
}

/// Is \p CE an owner adopting a pointer: a class template instantiated on
/// T built from one T* (`std::unique_ptr<T>(new T)`, `shared_ptr<T>(p)`, a
/// user's own smart pointer)? Not a class built from a pointer to another
/// type (an RAII guard taking a `FILE *`).
bool adoptsPointer(const CXXConstructExpr *CE) {
  QualType ArgT = CE->getArg(0)->getType();
  if (!ArgT->isPointerType() || !ArgT->getPointeeType()->isRecordType())
    return false;
  const auto *Spec =
      dyn_cast_or_null<ClassTemplateSpecializationDecl>(CE->getType()->getAsCXXRecordDecl());
  if (!Spec || Spec->getTemplateArgs().size() == 0 ||
      Spec->getTemplateArgs()[0].getKind() != TemplateArgument::Type)
    return false;
  QualType T = Spec->getTemplateArgs()[0].getAsType();
  return T.getCanonicalType().getUnqualifiedType() ==
         ArgT->getPointeeType().getCanonicalType().getUnqualifiedType();
}

/// A copy or move, or an owner adopting a pointer: the new object holds
/// what its argument holds.
Expr *ignoreHoldingConstructSingleStep(Expr *E) {
  auto *CE = dyn_cast<CXXConstructExpr>(E);
  if (!CE || isa<CXXTemporaryObjectExpr>(CE) || CE->getNumArgs() != 1)
    return E;
  const CXXConstructorDecl *Ctor = CE->getConstructor();
  if ((Ctor && Ctor->isCopyOrMoveConstructor()) || adoptsPointer(CE))
    return CE->getArg(0);
  return E;
}

Expr *ignoreConvertingConstructSingleStep(Expr *E) {
  auto *CE = dyn_cast<CXXConstructExpr>(E);
  if (CE && !isa<CXXTemporaryObjectExpr>(CE) && oneEffectiveArg(CE))
    return CE->getArg(0);
  return E;
}

/// `&f`: the function (or callable object) itself.
Expr *ignoreAddressOfSingleStep(Expr *E) {
  if (auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_AddrOf)
    return UO->getSubExpr();
  return E;
}

/// One step of designatedVar() below the peel: `&v`, `*v`, `v[i]`, views.
const Expr *designatorStep(const Expr *E, ViewFn View) {
  if (const auto *UO = dyn_cast<UnaryOperator>(E);
      UO && (UO->getOpcode() == UO_AddrOf || UO->getOpcode() == UO_Deref))
    return UO->getSubExpr();
  if (const auto *AS = dyn_cast<ArraySubscriptExpr>(E))
    return AS->getBase();
  if (View)
    if (const Expr *Of = View(E))
      return Of;
  return nullptr;
}

} // namespace

std::pair<const Expr *, const Expr *> assignmentSides(const Stmt *S) {
  if (const auto *BO = dyn_cast_or_null<BinaryOperator>(S); BO && BO->getOpcode() == BO_Assign)
    return {BO->getLHS(), BO->getRHS()};
  if (const auto *OC = dyn_cast_or_null<CXXOperatorCallExpr>(S);
      OC && OC->getOperator() == OO_Equal && OC->getNumArgs() == 2)
    return {OC->getArg(0), OC->getArg(1)};
  return {nullptr, nullptr};
}

const Expr *peel(const Expr *E) {
  if (!E)
    return nullptr;
  return IgnoreExprNodes(E, IgnoreParensSingleStep, IgnoreImplicitSingleStep,
                         ignoreValueCastSingleStep, ignoreHoldingConstructSingleStep);
}

const Expr *peelCallable(const Expr *E) {
  if (!E)
    return nullptr;
  return IgnoreExprNodes(E, IgnoreParensSingleStep, IgnoreImplicitSingleStep,
                         ignoreValueCastSingleStep, ignoreHoldingConstructSingleStep,
                         ignoreConvertingConstructSingleStep, ignoreAddressOfSingleStep);
}

const VarDecl *designatedVar(const Expr *E, ViewFn View) {
  // Bounded: `*&*&v` chains are short in real code; a generated one is not
  // worth a deeper answer.
  for (int Depth = 0; E && Depth < 8; ++Depth) {
    E = peel(E);
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
      return dyn_cast<VarDecl>(DRE->getDecl());
    E = designatorStep(E, View);
  }
  return nullptr;
}

const VarDecl *baseVar(const Expr *E, ViewFn View) {
  for (int Depth = 0; E && Depth < 16; ++Depth) {
    E = peel(E);
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E))
      return dyn_cast<VarDecl>(DRE->getDecl());
    if (const auto *ME = dyn_cast<MemberExpr>(E))
      E = ME->getBase();
    else
      E = designatorStep(E, View);
  }
  return nullptr;
}

const Expr *callArg(const Expr *Call, unsigned I) {
  if (const auto *CE = dyn_cast_or_null<CallExpr>(Call))
    return I < CE->getNumArgs() ? CE->getArg(I) : nullptr;
  if (const auto *CC = dyn_cast_or_null<CXXConstructExpr>(Call))
    return I < CC->getNumArgs() ? CC->getArg(I) : nullptr;
  return nullptr;
}

const Expr *callObject(const Expr *Call) {
  if (const auto *MC = dyn_cast_or_null<CXXMemberCallExpr>(Call))
    return MC->getImplicitObjectArgument();
  if (const auto *OC = dyn_cast_or_null<CXXOperatorCallExpr>(Call);
      OC && OC->getNumArgs() >= 1 && isa_and_nonnull<CXXMethodDecl>(OC->getCalleeDecl()))
    return OC->getArg(0);
  return nullptr;
}

} // namespace serverless
