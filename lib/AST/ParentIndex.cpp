//===--- ParentIndex.cpp - Compact statement → parent index -----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "AST/ParentIndex.h"
#include "clang/AST/Expr.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/Stmt.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include <algorithm>
#include <cstdint>

using namespace clang;

namespace serverless {

namespace {

/// Bit 0 of a stored parent marks a weak link (an OpaqueValueExpr to its
/// source expression): a statement reached both ways keeps its syntactic
/// parent. Statements are at least 8-byte aligned, so the bit is free.
constexpr uintptr_t Weak = 1;

/// Calls Edge(Child, Parent, IsWeak) for every parent link under each root,
/// depth first with an explicit stack (long operator chains nest deeply).
template <typename EdgeFn>
void walk(llvm::ArrayRef<const Stmt *> Roots, EdgeFn Edge) {
  llvm::SmallVector<const Stmt *, 64> Stack;
  for (const Stmt *R : Roots)
    if (R)
      Stack.push_back(R);
  // An OpaqueValueExpr is the one node with several syntactic parents (each
  // use of a `?:` common operand, an ArrayInitLoopExpr's element): its first
  // use in source order is its parent. Every other node has one.
  llvm::SmallPtrSet<const OpaqueValueExpr *, 4> Placed;
  auto Visit = [&](const Stmt *Child, const Stmt *Parent, bool IsWeak) {
    if (!Child)
      return;
    if (const auto *OVE = dyn_cast<OpaqueValueExpr>(Child))
      if (!Placed.insert(OVE).second)
        return;
    Edge(Child, Parent, IsWeak);
    Stack.push_back(Child);
  };
  // Children are pushed last-first so that they are visited in source order.
  auto VisitAll = [&](Stmt::const_child_range Children, const Stmt *Parent) {
    size_t Mark = Stack.size();
    for (const Stmt *Child : Children)
      Visit(Child, Parent, false);
    std::reverse(Stack.begin() + Mark, Stack.end());
  };
  while (!Stack.empty()) {
    const Stmt *S = Stack.pop_back_val();
    switch (S->getStmtClass()) {
    case Stmt::OpaqueValueExprClass: {
      // children() is empty; the source expression hangs below it (each
      // OVE is on the stack once).
      if (const Expr *Source = cast<OpaqueValueExpr>(S)->getSourceExpr())
        Visit(Source, S, /*IsWeak=*/true);
      break;
    }
    case Stmt::CapturedStmtClass:
      VisitAll(S->children(), S);
      Visit(cast<CapturedStmt>(S)->getCapturedStmt(), S, false);
      break;
    case Stmt::CXXDefaultArgExprClass:
      if (const auto *Arg = cast<CXXDefaultArgExpr>(S); Arg->hasRewrittenInit())
        Visit(Arg->getExpr(), S, false);
      break;
    case Stmt::CXXDefaultInitExprClass:
      if (const auto *Init = cast<CXXDefaultInitExpr>(S); Init->hasRewrittenInit())
        Visit(Init->getExpr(), S, false);
      break;
    default:
      VisitAll(S->children(), S);
      break;
    }
  }
}

} // namespace

/// Slot of \p Key in an open-addressing table of \p Capacity slots: a
/// multiplicative hash of the pointer, mapped onto the table by a multiply
/// (no power-of-two size, so the table can be sized to the load it holds).
static size_t home(const Stmt *Key, size_t Capacity) {
  uint64_t H = (reinterpret_cast<uintptr_t>(Key) >> 4) * 0x9E3779B97F4A7C15ULL;
  return static_cast<size_t>((static_cast<unsigned __int128>(H) * Capacity) >> 64);
}

ParentIndex::ParentIndex(const Stmt *Root, llvm::ArrayRef<const Stmt *> ExtraRoots) {
  llvm::SmallVector<const Stmt *, 8> Roots{Root};
  Roots.append(ExtraRoots.begin(), ExtraRoots.end());
  // Count first so the table is allocated once, at 80% load.
  size_t N = 0;
  walk(Roots, [&](const Stmt *, const Stmt *, bool) { ++N; });
  if (N == 0)
    return;
  Slots.assign(N + N / 4 + 1, {nullptr, nullptr});
  walk(Roots, [&](const Stmt *Child, const Stmt *Parent, bool IsWeak) {
    uintptr_t P = reinterpret_cast<uintptr_t>(Parent) | (IsWeak ? Weak : 0);
    for (size_t I = home(Child, Slots.size());; I = I + 1 == Slots.size() ? 0 : I + 1) {
      auto &[Key, Value] = Slots[I];
      if (!Key) {
        Key = Child;
        Value = reinterpret_cast<Stmt *>(P);
        ++Size;
        return;
      }
      if (Key == Child) {
        // A strong link replaces a weak one (an OVE's source that is also
        // an operand in its own right); otherwise the first link stays.
        if ((reinterpret_cast<uintptr_t>(Value) & Weak) && !IsWeak)
          Value = reinterpret_cast<Stmt *>(P);
        return;
      }
    }
  });
  for (auto &Slot : Slots)
    Slot.second = reinterpret_cast<Stmt *>(reinterpret_cast<uintptr_t>(Slot.second) & ~Weak);
}

Stmt *ParentIndex::getParent(const Stmt *S) const {
  if (!S || Slots.empty())
    return nullptr;
  for (size_t I = home(S, Slots.size());; I = I + 1 == Slots.size() ? 0 : I + 1) {
    if (Slots[I].first == S)
      return Slots[I].second;
    if (!Slots[I].first)
      return nullptr;
  }
}

Stmt *ParentIndex::getParentIgnoreParens(const Stmt *S) const {
  do
    S = getParent(S);
  while (isa_and_nonnull<ParenExpr>(S));
  return const_cast<Stmt *>(S);
}

Stmt *ParentIndex::getParentIgnoreParenImpCasts(const Stmt *S) const {
  do
    S = getParent(S);
  while (isa_and_nonnull<Expr>(S) && cast<Expr>(S)->IgnoreParenImpCasts() != S);
  return const_cast<Stmt *>(S);
}

} // namespace serverless
