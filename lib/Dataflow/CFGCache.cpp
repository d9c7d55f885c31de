//===--- CFGCache.cpp - One CFG per function and shape, built once --------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Dataflow/CFGCache.h"

using namespace clang;

namespace serverless {

CFG::BuildOptions CFGCache::options(CFGShape Shape) {
  CFG::BuildOptions Opts;
  switch (Shape) {
  case CFGShape::Statements:
    Opts.AddScopes = true;
    Opts.AddCXXDefaultInitExprInCtors = true;
    break;
  case CFGShape::StatementsNoScopes:
    Opts.AddCXXDefaultInitExprInCtors = true;
    break;
  case CFGShape::Destructors:
    Opts.AddImplicitDtors = true;
    Opts.AddTemporaryDtors = false;
    break;
  }
  return Opts;
}

CFG *CFGCache::get(const FunctionDecl *FD, CFGShape Shape) {
  const FunctionDecl *Def = nullptr;
  if (!FD || !FD->hasBody(Def) || !Def->getBody())
    return nullptr;
  Entry &E = Cache[{Def, static_cast<unsigned>(Shape)}];
  if (!E.Built) {
    E.Built = true;
    E.Graph = CFG::buildCFG(Def, Def->getBody(), &Def->getASTContext(), options(Shape));
  }
  return E.Graph.get();
}

bool CFGCache::has(const FunctionDecl *FD, CFGShape Shape) const {
  const FunctionDecl *Def = nullptr;
  if (!FD || !FD->hasBody(Def))
    return false;
  auto It = Cache.find({Def, static_cast<unsigned>(Shape)});
  return It != Cache.end() && It->second.Built;
}

PostOrderCFGView *CFGCache::postOrder(const FunctionDecl *FD, CFGShape Shape) {
  CFG *G = get(FD, Shape);
  if (!G)
    return nullptr;
  const FunctionDecl *Def = nullptr;
  FD->hasBody(Def);
  Entry &E = Cache[{Def, static_cast<unsigned>(Shape)}];
  if (!E.PostOrder)
    E.PostOrder = std::make_unique<PostOrderCFGView>(G);
  return E.PostOrder.get();
}

} // namespace serverless
