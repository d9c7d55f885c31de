//===--- Expr.h - Expression peeling and designated variables -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The one reading, shared by every analysis, of two questions about an
// expression:
//
//  * peel(E): what value does E carry once the wrappers that do not change
//    it are gone (parentheses, implicit and explicit value casts, full
//    expressions, temporaries, copies and moves, a smart pointer adopting a
//    raw pointer)? Composed from clang's IgnoreExpr.h steps plus our own.
//  * designatedVar(E) / baseVar(E): which variable does E name (`v`, `&v`,
//    `*v`, `v[i]`; and, through the model's `views`, `std::move(v)`,
//    `v.get()`, `v->`)? baseVar also goes through member accesses
//    (`v.f`, `v->f`): the variable a write to E writes.
//
// Library names stay out of this file: which calls merely view the object
// they are given is model data (CallBinding supplies it as a ViewFn).
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_AST_EXPR_H
#define SERVERLESS_AST_EXPR_H

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <utility>

namespace serverless {

/// For a call that merely views the object it is given (model `views`),
/// the expression of that object; null for any other expression.
using ViewFn = llvm::function_ref<const clang::Expr *(const clang::Expr *)>;

/// \p E without the wrappers that do not change the value it carries:
/// parentheses, implicit casts, explicit casts to a non-void type,
/// `ExprWithCleanups`/`ConstantExpr`, materialised and bound temporaries,
/// copy and move constructions, and an owner adopting a pointer (a class
/// template on T built from one T*: `std::unique_ptr<T>(new T)`).
/// Never a converting constructor from another type (`std::string(cstr)`,
/// an RAII guard built from a `FILE *`): that object is not its argument.
const clang::Expr *peel(const clang::Expr *E);

/// peel(), and also a converting construction from one argument (the rest
/// defaulted: `std::function<R(A)>(handler)`) and `&f`. For following
/// callables (which function a registrar runs), not values.
const clang::Expr *peelCallable(const clang::Expr *E);

/// The variable \p E designates: `v`, `&v`, `*v`, `v[i]` (the array or
/// pointer variable), and through \p View `std::move(v)`, `v.get()`, `v->`,
/// `*v`. The declaration the reference names (not canonicalised).
const clang::VarDecl *designatedVar(const clang::Expr *E, ViewFn View = nullptr);

/// The variable at the base of \p E: designatedVar() after member accesses
/// (`v.f`, `v->f`, `v.f[i]`): the variable a write to \p E writes.
const clang::VarDecl *baseVar(const clang::Expr *E, ViewFn View = nullptr);

/// The two sides of a plain assignment \p S: builtin `=` or a class's
/// `operator=` with both operands. {null, null} for anything else
/// (compound assignments included).
std::pair<const clang::Expr *, const clang::Expr *> assignmentSides(const clang::Stmt *S);

/// Argument \p I of a call or construction (null when absent).
const clang::Expr *callArg(const clang::Expr *Call, unsigned I);

/// The object a member call (or member operator call) is made on.
const clang::Expr *callObject(const clang::Expr *Call);

} // namespace serverless

#endif
