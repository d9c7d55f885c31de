//===--- CFGCache.h - One CFG per function and shape, built once -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Every flow-sensitive analysis asks here for a function's CFG; each is
// built once per translation unit and shape. The shapes are few and named
// for what they show, because the analyses need different elements:
//
//  * Statements: top-level statements as elements, with scope ends (where a
//    handle variable leaves scope) and default member initialisers in
//    constructors. No lifetime ends or implicit destructors: both put an
//    element per variable in scope at every return, quadratic in a long
//    function with many locals. The resource analysis, for a function where
//    a handle may be held by a local of a nested scope. The deadline
//    analysis reads whichever statements shape is built (one CFG per
//    function for both); calls, constructions and declarations are
//    elements in evaluation order, and it places nested assignments itself.
//  * StatementsNoScopes: the same without scope ends. clang's builder walks
//    every local in scope at every return or jump to find the scopes left,
//    even when only one scope-end element results (O(returns x locals): 550
//    M instructions for a 20,000-statement handler, a quarter of the
//    analyses' cost). The resource analysis for a function whose possible
//    handle variables are all in its outermost scope, which ends only where
//    the function does (a return or the closing brace, seen without them).
//  * Destructors: top-level statements with implicit destructors (a local
//    client by value, or a unique_ptr, is closed when main returns); no
//    temporary destructors. The shutdown analysis, over main and what it
//    calls on the way out.
//
// The worklist order the analyses iterate in is clang's (FlowSensitive's
// ForwardDataflowWorklist: reverse post-order, each block at most once in
// the queue), shared here with the post-order view it needs.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_DATAFLOW_CFGCACHE_H
#define SERVERLESS_DATAFLOW_CFGCACHE_H

#include "clang/AST/Decl.h"
#include "clang/Analysis/Analyses/PostOrderCFGView.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseMap.h"
#include <memory>

namespace serverless {

enum class CFGShape { Statements, StatementsNoScopes, Destructors };

class CFGCache {
public:
  /// The CFG of \p FD's definition in this shape (null without a body or
  /// when clang cannot build one).
  clang::CFG *get(const clang::FunctionDecl *FD, CFGShape Shape);
  /// Whether get(FD, Shape) was built.
  bool has(const clang::FunctionDecl *FD, CFGShape Shape) const;
  /// The post-order view of get(FD, Shape), for clang's dataflow worklists.
  clang::PostOrderCFGView *postOrder(const clang::FunctionDecl *FD, CFGShape Shape);

  static clang::CFG::BuildOptions options(CFGShape Shape);

private:
  struct Entry {
    std::unique_ptr<clang::CFG> Graph;
    std::unique_ptr<clang::PostOrderCFGView> PostOrder;
    bool Built = false;
  };
  llvm::DenseMap<std::pair<const clang::FunctionDecl *, unsigned>, Entry> Cache;
};

} // namespace serverless

#endif
