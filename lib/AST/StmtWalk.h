//===--- StmtWalk.h - Walks over statements without recursion ---*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// An expression is as deep as it has terms: `a + a + ... + a` with 20,000
// terms is a 20,000-deep tree, which clang parses, checks and analyses with
// data-recursive traversals. A recursive walk over Stmt::children() takes a
// stack frame per level and overflows the stack there (issue 15). These
// walks keep their own stack; the order is the recursive pre-order.
//
// (A RecursiveASTVisitor is data-recursive by itself unless it overrides
// TraverseStmt without the DataRecursionQueue parameter.)
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_ANALYSIS_STMTWALK_H
#define SERVERLESS_ANALYSIS_STMTWALK_H

#include "clang/AST/Stmt.h"
#include "llvm/ADT/SmallVector.h"
#include <algorithm>

namespace serverless {

/// Calls \p Visit on \p Root and its descendants in pre-order (the order of
/// a recursive walk); \p Visit returns false to skip a node's children.
/// Null roots and children are skipped.
template <typename Fn> void walkStmts(const clang::Stmt *Root, Fn &&Visit) {
  llvm::SmallVector<const clang::Stmt *, 32> Stack;
  if (Root)
    Stack.push_back(Root);
  while (!Stack.empty()) {
    const clang::Stmt *S = Stack.pop_back_val();
    if (!Visit(S))
      continue;
    const size_t Mark = Stack.size();
    for (const clang::Stmt *C : S->children())
      if (C)
        Stack.push_back(C);
    std::reverse(Stack.begin() + Mark, Stack.end());
  }
}

/// Whether \p Pred holds for \p Root or one of its descendants (pre-order,
/// stops at the first).
template <typename Fn> bool anyStmt(const clang::Stmt *Root, Fn &&Pred) {
  bool Found = false;
  walkStmts(Root, [&](const clang::Stmt *S) {
    if (Found)
      return false;
    Found = Pred(S);
    return !Found;
  });
  return Found;
}

} // namespace serverless

#endif
