//===--- BodyVisitor.h - Visit one function's own statements ---*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The one policy for "the statements of this function": a
// RecursiveASTVisitor that enters a lambda's capture initialisers (they run
// where the lambda is created) but not its body (the call operator is a
// function of its own, analysed when it is called). Derived visitors get
// lambdaExpr(LE) once per lambda to record it (a call-graph edge, say).
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_AST_BODYVISITOR_H
#define SERVERLESS_AST_BODYVISITOR_H

#include "clang/AST/RecursiveASTVisitor.h"

namespace serverless {

template <typename Derived>
class FunctionBodyVisitor : public clang::RecursiveASTVisitor<Derived> {
public:
  bool TraverseLambdaExpr(clang::LambdaExpr *LE) {
    Derived &D = *static_cast<Derived *>(this);
    for (clang::Expr *Init : LE->capture_inits())
      if (Init)
        D.TraverseStmt(Init);
    return D.lambdaExpr(LE);
  }
  /// Called once per lambda expression after its captures.
  bool lambdaExpr(clang::LambdaExpr *) { return true; }
};

} // namespace serverless

#endif
