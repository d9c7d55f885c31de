//===--- CallBinding.cpp - A call bound to its model roles ----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Binding/CallBinding.h"
#include "clang/AST/ExprCXX.h"

using namespace clang;

namespace serverless {

const Expr *CallBinding::handleExpr(const Expr *Call, const model::HandleRef &H) {
  switch (H.Kind) {
  case model::HandleRef::Arg:
  case model::HandleRef::OutArg:
    return callArg(Call, H.Index);
  case model::HandleRef::This:
    return callObject(Call);
  default:
    return nullptr;
  }
}

/// The last of \p Entries (the callee's) whose conditions hold at \p Call:
/// the last entry that applies wins, as for every other section.
static const model::OwnershipTransfer *
lastTransferThatHolds(const CallExpr *Call, const FunctionDecl *Callee,
                      llvm::ArrayRef<const model::OwnershipTransfer *> Entries) {
  const model::OwnershipTransfer *Found = nullptr;
  for (const model::OwnershipTransfer *O : Entries)
    if (llvm::all_of(O->If, [&](const model::ArgCondition &C) {
          return conditionHolds(Call, C, Callee->getASTContext());
        }))
      Found = O;
  return Found;
}

/// \p Cache's entry for \p FD, filled on first use with \p Lookup asked for
/// its qualified name (the model's sections are looked up by name).
template <typename T, typename Fn>
static const T &perCallee(llvm::DenseMap<const FunctionDecl *, T> &Cache,
                          const FunctionDecl *FD, NameCache &Names, Fn Lookup) {
  auto [It, New] = Cache.try_emplace(FD);
  if (New)
    It->second = Lookup(Names.qualifiedName(FD));
  return It->second;
}

const Expr *CallBinding::viewed(const Expr *E) {
  const auto *CE = dyn_cast_or_null<CallExpr>(E);
  if (!CE)
    return nullptr;
  const auto *FD = dyn_cast_or_null<FunctionDecl>(CE->getCalleeDecl());
  if (!FD)
    return nullptr;
  const model::View *V = view(FD);
  return V ? handleExpr(CE, V->Of) : nullptr;
}

const model::View *CallBinding::view(const FunctionDecl *FD) {
  return perCallee(Views, FD, Names, [&](llvm::StringRef N) { return Model.view(N); });
}

std::pair<const model::Resource *, const model::CallSpec *>
CallBinding::release(const FunctionDecl *FD) {
  return perCallee(Releases, FD, Names, [&](llvm::StringRef N) { return Model.release(N); });
}

bool CallBinding::isThrowing(const FunctionDecl *FD) {
  return perCallee(Throwing, FD, Names, [&](llvm::StringRef N) { return Model.isThrowing(N); });
}

const model::OwnershipTransfer *CallBinding::ownershipTransfer(const CallExpr *CE) {
  const FunctionDecl *Callee = CE ? CE->getDirectCallee() : nullptr;
  if (!Callee)
    return nullptr;
  return lastTransferThatHolds(
      CE, Callee, perCallee(Transfers, Callee, Names, [&](llvm::StringRef N) {
        return Model.ownershipTransfersOf(N);
      }));
}

const VarDecl *CallBinding::designated(const Expr *E) {
  return designatedVar(E, [this](const Expr *X) { return viewed(X); });
}

const VarDecl *CallBinding::base(const Expr *E) {
  return baseVar(E, [this](const Expr *X) { return viewed(X); });
}

std::pair<const model::Resource *, const model::CallSpec *>
CallBinding::acquisitionEntry(const FunctionDecl *FD) {
  return perCallee(Acquisitions, FD, Names,
                   [&](llvm::StringRef N) { return Model.acquisition(N); });
}

bool CallBinding::isModelledAcquisition(const FunctionDecl *FD) {
  return acquisitionEntry(FD).first != nullptr;
}

BoundAcquisition CallBinding::acquisition(const CallExpr *CE) {
  BoundAcquisition B;
  const FunctionDecl *Callee = CE->getDirectCallee();
  if (!Callee)
    return B;
  B.Function = Names.qualifiedName(Callee);
  auto [R, Spec] = acquisitionEntry(Callee);
  if (!R)
    return B;
  B.Resource = R;
  B.Spec = Spec;
  B.Kind = R->Kind;
  B.Shutdown = R->Shutdown;
  // kind_if_arg refinements of every acquire entry for this call, in model
  // order (a later entry refines a user file's override).
  const ASTContext &Ctx = Callee->getASTContext();
  for (const model::CallSpec &A : R->Acquire) {
    if (!A.Function.matches(B.Function))
      continue;
    for (const model::KindIfArg &K : A.KindIf) {
      const Expr *Arg = callArg(CE, K.Arg);
      if (Arg && (argSpells(Arg, K.Equals, Ctx) || argSpells(peel(Arg), K.Equals, Ctx))) {
        B.Kind = K.Kind;
        if (K.Shutdown)
          B.Shutdown = *K.Shutdown;
      }
    }
  }
  return B;
}

const model::OwnershipTransfer *
ownershipTransferAt(const CallExpr *Call, const model::ApiModel &Model,
                    NameCache &Names) {
  const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
  if (!Callee)
    return nullptr;
  return lastTransferThatHolds(Call, Callee,
                               Model.ownershipTransfersOf(Names.qualifiedName(Callee)));
}

} // namespace serverless
