//===--- ParentIndex.h - Compact statement → parent index -------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The parent of every statement in a function body, for the analyses that
// walk upwards from a call (is its result stored, returned, tested?).
//
// clang's ParentMap answers the same question with a DenseMap<Stmt *, Stmt *>.
// On a 20,000-statement handler that map has a million buckets (16 MB, kept
// for the whole TU because the four checks share it) — the largest single
// allocation of the checks and over the issue-17 memory budget: DenseMap
// keeps its load under 3/4 with power-of-two sizes, so it holds 1.3x to 2.7x
// the slots it needs, and grows by rehashing. This index counts the links
// first and allocates one open-addressing table at 80% load: 20 bytes per
// statement, no rehash, and lookups stay O(1). The tree it records is ParentMap's, with two
// differences: an OpaqueValueExpr (shared by every use of a `?:` common
// operand or an ArrayInitLoopExpr's element) gets its first use in source
// order as parent where ParentMap keeps the last it saw, and the rewritten
// initialiser of a CXXDefaultArgExpr/CXXDefaultInitExpr is linked (clang 19's
// ParentMap does not). Links children() leaves out are added as in
// ParentMap: an OpaqueValueExpr's source expression (unless it has a parent
// of its own) and a CapturedStmt's body.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_AST_PARENTINDEX_H
#define SERVERLESS_AST_PARENTINDEX_H

#include "clang/AST/Stmt.h"
#include "llvm/ADT/ArrayRef.h"
#include <utility>
#include <vector>

namespace serverless {

class ParentIndex {
public:
  /// Indexes \p Root (may be null) and everything below it, then each of
  /// \p ExtraRoots (a constructor's member initialisers) as further trees.
  explicit ParentIndex(const clang::Stmt *Root,
                       llvm::ArrayRef<const clang::Stmt *> ExtraRoots = {});

  /// The statement whose child \p S is; null for a root or a statement
  /// outside the indexed trees.
  clang::Stmt *getParent(const clang::Stmt *S) const;
  /// getParent, skipping ParenExpr parents.
  clang::Stmt *getParentIgnoreParens(const clang::Stmt *S) const;
  /// getParent, skipping parents that IgnoreParenImpCasts() looks through.
  clang::Stmt *getParentIgnoreParenImpCasts(const clang::Stmt *S) const;

  /// How many statements have a parent.
  size_t size() const { return Size; }

private:
  /// Open addressing, linear probing; a null key is an empty slot.
  std::vector<std::pair<const clang::Stmt *, clang::Stmt *>> Slots;
  size_t Size = 0;
};

} // namespace serverless

#endif
