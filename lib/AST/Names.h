//===--- Names.h - Qualified names as the API models spell them -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Models name entities by qualified name without template arguments and
// without inline namespaces (`std::make_shared`, `Aws::S3::S3Client`). This
// is the one place that turns a Decl into such a name; results are cached per
// declaration because the same callee is asked about many times per TU.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_ANALYSIS_NAMES_H
#define SERVERLESS_ANALYSIS_NAMES_H

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/AST/Type.h"
#include "llvm/ADT/DenseMap.h"
#include <string>

namespace serverless {

class NameCache {
public:
  /// `ns::Class::method`, `ns::function`, `ns::Class` (canonical decl).
  const std::string &qualifiedName(const clang::NamedDecl *D);
  /// The record named by \p T after peeling references, pointers,
  /// qualifiers and sugar; null when \p T is not a (pointer to) class.
  static const clang::CXXRecordDecl *recordOf(clang::QualType T);

private:
  llvm::DenseMap<const clang::NamedDecl *, std::string> Cache;
};

/// A display name for a type in messages: the record's qualified name when
/// there is one, otherwise the type as written.
std::string displayTypeName(clang::QualType T);

/// A display name for a function in messages: its qualified name, or
/// `lambda at file:line:col` for a lambda's call operator.
std::string displayFunctionName(const clang::FunctionDecl *FD, NameCache &Names);

namespace model {
struct ArgCondition;
}

/// Is \p E spelled as \p Text: a string literal with that content, a
/// reference to a declaration (enumerator, constant) of that name, or a
/// macro of that name (the expression, or the macro it comes from at any
/// depth: `O_NONBLOCK` expands to `__O_NONBLOCK`, then to `04000`)? An
/// integer \p Text ("1", "-1", "0x10") is compared with the argument's
/// constant value (`1`, `TRUE`, `true`, a constant). The one reading of the
/// models' `equals` and `kind_if_arg` spellings.
bool argSpells(const clang::Expr *E, llvm::StringRef Text,
               const clang::ASTContext &Ctx);

/// Is the bit flag \p Flag or-ed into \p E (`MSG_DONTWAIT | MSG_NOSIGNAL`,
/// `fcntl(fd, F_GETFL) | O_NONBLOCK`, through a macro of the user's, or a
/// `const` variable initialised so)?
bool argHasFlag(const clang::Expr *E, llvm::StringRef Flag,
                const clang::ASTContext &Ctx);

/// Does \p Cond hold for the call \p Call (false when the argument is
/// missing)?
bool conditionHolds(const clang::Expr *Call, const model::ArgCondition &Cond,
                    const clang::ASTContext &Ctx);

} // namespace serverless

#endif
