//===--- ResourceAnalysis.cpp - Are acquired resources released? ----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Analysis/ResourceAnalysis.h"
#include "AST/BodyVisitor.h"
#include "AST/Expr.h"
#include "AST/Names.h"
#include "AST/StmtWalk.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"
#include <array>
#include <map>
#include <functional>
#include <deque>

using namespace clang;

namespace serverless {


struct ResourceAnalysis::Tracking {
  const CallExpr *Acq = nullptr; // Null when tracking a parameter.
  const VarDecl *Var = nullptr;  // The variable holding the handle.
  AcquisitionInfo Info;
  bool StartHeld = false;
};

/// Is \p CE the value of \p E: \p E itself after casts, or a branch of a
/// conditional (`flag ? fopen(...) : stdin`)?
static bool isValueOf(const Expr *E, const Expr *CE) {
  E = peel(E);
  if (E == CE)
    return true;
  if (const auto *CO = dyn_cast_or_null<ConditionalOperator>(E))
    return isValueOf(CO->getTrueExpr(), CE) || isValueOf(CO->getFalseExpr(), CE);
  return false;
}

/// `V`, `&V`, `V[i]`, `*V` (AST/Expr.h; no model views: the handles here are
/// C pointers and descriptors): the expression designates the handle in V.
static bool refersTo(const Expr *E, const VarDecl *V) {
  return E && V && designatedVar(E) == V;
}

static bool isAddressOf(const Expr *E, const VarDecl *V) {
  E = peel(E);
  const auto *UO = dyn_cast<UnaryOperator>(E);
  return UO && UO->getOpcode() == UO_AddrOf && refersTo(UO->getSubExpr(), V);
}

ResourceAnalysis::ResourceAnalysis(
    TUContext &TU, std::vector<std::pair<std::string, std::string>> ExtraPairs)
    : TU(TU) {
  for (auto &[A, R] : ExtraPairs) {
    auto PA = model::NamePattern::create(A);
    auto PR = model::NamePattern::create(R);
    if (PA && PR)
      Pairs.emplace_back(std::move(*PA), std::move(*PR));
    if (!PA)
      llvm::consumeError(PA.takeError());
    if (!PR)
      llvm::consumeError(PR.takeError());
  }
}

CFG *ResourceAnalysis::cfgFor(const FunctionDecl *FD) {
  // Scope ends, no lifetime ends or implicit destructors (CFGCache.h): RAII
  // owners are escapes at their construction (escapes()), not destructor
  // calls. Scope ends only where a nested local may hold a handle: the
  // outermost scope ends where the function does, which the walk sees
  // without them, and clang's builder pays for scope ends per local in
  // scope at every return.
  const FunctionDecl *Def = nullptr;
  if (!FD || !FD->hasBody(Def))
    return nullptr;
  return TU.cfgs().get(Def, scopeEndsMatter(Def) ? CFGShape::Statements
                                                 : CFGShape::StatementsNoScopes);
}

bool ResourceAnalysis::scopeEndsMatter(const FunctionDecl *FD) {
  const FunctionDecl *Def = nullptr;
  if (!FD || !FD->hasBody(Def))
    return false;
  auto [It, New] = ScopeEndsMatter.try_emplace(Def, true);
  if (!New)
    return It->second;
  const Stmt *Body = Def->getBody();
  const ParentIndex &PM = TU.handlerScope().parents(Def);
  // The locals of nested scopes (a compound inside the body, a for, if,
  // while or switch that declares one); lambda bodies included (over-
  // approximates: they only add scope ends).
  llvm::SmallPtrSet<const VarDecl *, 8> Nested;
  bool Matters = false;
  walkStmts(Body, [&](const Stmt *S) {
    if (const auto *DS = dyn_cast<DeclStmt>(S); DS && PM.getParent(DS) != Body)
      for (const Decl *D : DS->decls())
        if (const auto *V = dyn_cast<VarDecl>(D); V && V->hasLocalStorage()) {
          Nested.insert(V);
          if (const Expr *Init = V->getInit())
            Matters |= anyStmt(Init, [](const Stmt *E) { return isa<CallExpr>(E); });
        }
    return !Matters;
  });
  if (!Matters && !Nested.empty()) {
    auto IsNested = [&](const Expr *E) {
      E = peel(E);
      if (const auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_AddrOf)
        E = peel(UO->getSubExpr());
      const auto *DRE = dyn_cast<DeclRefExpr>(E);
      const auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
      return V && Nested.count(V);
    };
    walkStmts(Body, [&](const Stmt *S) {
      if (const auto *BO = dyn_cast<BinaryOperator>(S); BO && BO->isAssignmentOp())
        Matters |= IsNested(BO->getLHS());
      else if (const auto *CE = dyn_cast<CallExpr>(S))
        for (const Expr *A : CE->arguments())
          Matters |= IsNested(A);
      return !Matters;
    });
  }
  return ScopeEndsMatter[Def] = Matters;
}

std::optional<AcquisitionInfo>
ResourceAnalysis::acquisitionOf(const CallExpr *CE) {
  const FunctionDecl *Callee = CE->getDirectCallee();
  if (!Callee)
    return std::nullopt;
  if (!TU.binding().isModelledAcquisition(Callee)) {
    // Inside a helper's own analysis the answer may be cut short (a helper
    // in progress, the depth bound): only a top-level answer is kept.
    if (Depth || !InProgress.empty())
      return unmodelledAcquisition(Callee);
    if (auto It = UnmodelledAcq.find(Callee); It != UnmodelledAcq.end())
      return It->second;
    std::optional<AcquisitionInfo> R = unmodelledAcquisition(Callee);
    UnmodelledAcq.try_emplace(Callee, R);
    return R;
  }
  // A modelled acquisition: the binding has its resource and entry.
  BoundAcquisition A = TU.binding().acquisition(CE);
  const model::Resource *R = A.Resource;
  const model::CallSpec *Spec = A.Spec;
  AcquisitionInfo I;
  I.Kind = A.Kind; // kind_if_arg, read once by the binding.
  I.Description = R->Description;
  I.Invalid = R->Invalid;
  I.Handle = Spec->Handle;
  I.ContinuesArg = Spec->ContinuesArg;
  for (const model::CallSpec &Rel : R->Release) {
    I.Releases.emplace_back(Rel.Function, Rel.Handle);
    if (llvm::find(I.ReleaseNames, Rel.Function.text()) == I.ReleaseNames.end())
      I.ReleaseNames.push_back(Rel.Function.text());
  }
  return I;
}

bool ResourceAnalysis::isSystemCallee(const FunctionDecl *FD) {
  auto [It, New] = SystemCallee.try_emplace(FD, false);
  if (New)
    It->second = isInSystemHeader(FD);
  return It->second;
}

std::optional<AcquisitionInfo>
ResourceAnalysis::unmodelledAcquisition(const FunctionDecl *Callee) {
  const std::string &Name = TU.names().qualifiedName(Callee);
  for (auto &[A, Rel] : Pairs)
    if (A.matches(Name)) {
      AcquisitionInfo I;
      I.Kind = "resource";
      I.Handle.Kind = model::HandleRef::Return;
      model::HandleRef H;
      H.Kind = model::HandleRef::Arg;
      H.Index = 0;
      I.Releases.emplace_back(Rel, H);
      I.ReleaseNames.push_back(Rel.text());
      return I;
    }
  if (isSystemCallee(Callee))
    return std::nullopt;
  return helperAcquisition(Callee);
}

std::optional<AcquisitionInfo>
ResourceAnalysis::helperAcquisition(const FunctionDecl *FD) {
  const FunctionDecl *Def = nullptr;
  if (!FD->hasBody(Def))
    return std::nullopt;
  auto It = HelperAcq.find(Def);
  if (It != HelperAcq.end())
    return It->second;
  if (InProgress.count(Def) || Depth > 4)
    return std::nullopt;
  InProgress.insert(Def);
  ++Depth;
  // Every return yields a fresh acquisition (directly or through a local
  // initialised with one), or a failure constant.
  std::optional<AcquisitionInfo> Result;
  bool Ok = true;
  struct Returns : FunctionBodyVisitor<Returns> {
    std::vector<const ReturnStmt *> All;
    bool VisitReturnStmt(ReturnStmt *R) {
      All.push_back(R);
      return true;
    }
  } Rs;
  Rs.TraverseStmt(Def->getBody());
  for (const ReturnStmt *R : Rs.All) {
    const Expr *V = peel(R->getRetValue());
    if (!V) {
      Ok = false;
      break;
    }
    if (V->isNullPointerConstant(Def->getASTContext(),
                                 Expr::NPC_ValueDependentIsNotNull)) {
      continue;
    }
    if (std::optional<llvm::APSInt> C = V->getIntegerConstantExpr(Def->getASTContext());
        C && C->isNegative())
      continue;
    const CallExpr *Call = dyn_cast<CallExpr>(V);
    if (const auto *DRE = dyn_cast<DeclRefExpr>(V))
      if (const auto *VD = dyn_cast<VarDecl>(DRE->getDecl());
          VD && VD->hasLocalStorage() && VD->getInit())
        Call = dyn_cast<CallExpr>(peel(VD->getInit()));
    std::optional<AcquisitionInfo> I = Call ? acquisitionOf(Call) : std::nullopt;
    if (!I || I->Handle.Kind != model::HandleRef::Return ||
        (Result && Result->Kind != I->Kind)) {
      Ok = false;
      break;
    }
    Result = I;
  }
  --Depth;
  InProgress.erase(Def);
  if (!Ok)
    Result.reset();
  if (Result)
    Result->ViaHelper = Def;
  HelperAcq[Def] = Result;
  return Result;
}

bool ResourceAnalysis::helperReleasesParam(const FunctionDecl *FD, unsigned Index,
                                           const AcquisitionInfo &Info) {
  const FunctionDecl *Def = nullptr;
  if (!FD->hasBody(Def) || isInSystemHeader(Def) || Index >= Def->getNumParams())
    return false;
  auto Key = std::make_tuple(Def, Index, Info.Kind);
  auto It = HelperRel.find(Key);
  if (It != HelperRel.end())
    return It->second;
  if (InProgress.count(Def) || Depth > 4)
    return false;
  InProgress.insert(Def);
  ++Depth;
  Tracking T;
  T.Var = Def->getParamDecl(Index);
  T.Info = Info;
  T.StartHeld = true;
  bool Releases = !explore(Def, T).has_value();
  --Depth;
  InProgress.erase(Def);
  HelperRel[Key] = Releases;
  return Releases;
}

bool ResourceAnalysis::releasesHandle(const CallExpr *CE, const Tracking &T) {
  const FunctionDecl *Callee = CE->getDirectCallee();
  if (!Callee)
    return false;
  const std::string &Name = TU.names().qualifiedName(Callee);
  for (const auto &[Pattern, Handle] : T.Info.Releases) {
    if (!Pattern.matches(Name))
      continue;
    if (Handle.Kind == model::HandleRef::Arg && Handle.Index < CE->getNumArgs() &&
        refersTo(CE->getArg(Handle.Index), T.Var))
      return true;
    if (Handle.Kind == model::HandleRef::This)
      if (const auto *MC = dyn_cast<CXXMemberCallExpr>(CE))
        if (refersTo(MC->getImplicitObjectArgument(), T.Var))
          return true;
  }
  // A helper in the TU that releases (or takes over) its argument.
  if (!isInSystemHeader(Callee))
    for (unsigned I = 0; I < CE->getNumArgs(); ++I)
      if (refersTo(CE->getArg(I), T.Var) && !isAddressOf(CE->getArg(I), T.Var)) {
        if (helperReleasesParam(Callee, I, T.Info))
          return true;
        if (UnseenSink && isUnseenUserFunction(Callee) &&
            llvm::find(*UnseenSink, Callee->getCanonicalDecl()) == UnseenSink->end())
          UnseenSink->push_back(Callee->getCanonicalDecl());
      }
  return false;
}


bool ResourceAnalysis::escapes(const Stmt *S, const Tracking &T,
                               const FunctionDecl *FD) {
  const VarDecl *V = T.Var;
  if (const auto *R = dyn_cast<ReturnStmt>(S))
    return R->getRetValue() && refersTo(R->getRetValue(), V);
  if (const auto *BO = dyn_cast<BinaryOperator>(S))
    return BO->isAssignmentOp() && refersTo(BO->getRHS(), V) &&
           !refersTo(BO->getLHS(), V) && !isAddressOf(BO->getRHS(), V) &&
           BO->getOpcode() == BO_Assign;
  if (const auto *DS = dyn_cast<DeclStmt>(S)) {
    for (const Decl *D : DS->decls())
      if (const auto *VD = dyn_cast<VarDecl>(D))
        if (VD != V && VD->getInit() && refersTo(VD->getInit(), V))
          return true; // Aliased or owned by the new variable.
    return false;
  }
  if (const auto *CE = dyn_cast<CXXConstructExpr>(S)) {
    for (const Expr *A : CE->arguments())
      if (refersTo(A, V))
        return true; // An RAII owner (unique_ptr, a wrapper class) takes it.
    return false;
  }
  if (const auto *IL = dyn_cast<InitListExpr>(S)) {
    for (const Expr *A : IL->inits())
      if (refersTo(A, V))
        return true;
    return false;
  }
  if (const auto *LE = dyn_cast<LambdaExpr>(S)) {
    for (const LambdaCapture &C : LE->captures())
      if (C.capturesVariable() && C.getCapturedVar() == V)
        return true;
    return false;
  }
  if (const auto *RE = dyn_cast<RecoveryExpr>(S)) {
    // Code the compiler could not resolve (a call to an undeclared or
    // ambiguous function in C++): what it does with the handle is unknown.
    for (const Expr *Sub : RE->subExpressions())
      if (Sub && refersTo(Sub, V))
        return true;
    return false;
  }
  if (const auto *CE = dyn_cast<CallExpr>(S)) {
    const FunctionDecl *Callee = CE->getDirectCallee();
    if (Callee) {
      if (const model::OwnershipTransfer *O =
              TU.binding().ownershipTransfer(CE))
        if (O->Arg < CE->getNumArgs() && refersTo(CE->getArg(O->Arg), V))
          return true;
      // A function C had to declare implicitly (its header is missing or
      // it was never declared): unknown code, which may take the handle.
      if (Callee->isImplicit() && !Callee->getBuiltinID())
        for (const Expr *A : CE->arguments())
          if (refersTo(A, V))
            return true;
    }
    // A call clang could only partly resolve: the same.
    if (CE->containsErrors())
      for (const Expr *A : CE->arguments())
        if (refersTo(A, V))
          return true;
    // Its address handed to a call: the callee may close or take it.
    for (const Expr *A : CE->arguments())
      if (isAddressOf(A, V))
        return true;
    return false;
  }
  return false;
}

static std::optional<long long> intValue(const Expr *E, ASTContext &Ctx) {
  E = peel(E);
  if (E->isNullPointerConstant(Ctx, Expr::NPC_ValueDependentIsNotNull))
    return 0;
  if (std::optional<llvm::APSInt> V = E->getIntegerConstantExpr(Ctx))
    return V->getExtValue();
  return std::nullopt;
}

std::optional<bool> ResourceAnalysis::invalidWhenTrue(const Expr *Cond,
                                                      const Tracking &T) {
  if (!Cond || T.Info.Invalid == model::Resource::InvalidNone ||
      T.Info.Invalid == model::Resource::StatusCall)
    return std::nullopt;
  ASTContext &Ctx = TU.astContext();
  const bool OutArg = T.Info.Handle.Kind == model::HandleRef::OutArg;
  // The tested value: the handle variable, `(f = fopen(...))`, or for out_arg
  // acquisitions the acquiring call's result (`pipe(fds) < 0`).
  auto IsSubject = [&](const Expr *E) {
    E = peel(E);
    if (const auto *BO = dyn_cast<BinaryOperator>(E); BO && BO->getOpcode() == BO_Assign)
      E = peel(BO->getLHS());
    if (OutArg)
      return E == T.Acq;
    return refersTo(E, T.Var) && !isa<UnaryOperator>(E);
  };
  const bool NullForm = T.Info.Invalid == model::Resource::Null ||
                        T.Info.Invalid == model::Resource::NullOrErrField;
  Cond = peel(Cond);
  // The block that ends in `if (a || b)` evaluates `b` (the block before it
  // branched on `a`), so the branch taken follows `b`.
  while (const auto *Logic = dyn_cast<BinaryOperator>(Cond)) {
    if (!Logic->isLogicalOp())
      break;
    Cond = peel(Logic->getRHS());
  }
  // A stored result or test: `err = getaddrinfo(...); if (err)`,
  // `failed = (fd == -1); if (failed)` — the local's one value.
  auto StoredTest = [&](const Expr *E) -> const Expr * {
    if (const auto *DRE = dyn_cast<DeclRefExpr>(peel(E)))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V != T.Var)
        return singleDefinition(V);
    return nullptr;
  };
  if (const Expr *Def = StoredTest(Cond))
    return invalidWhenTrue(Def, T);
  if (const auto *UO = dyn_cast<UnaryOperator>(Cond); UO && UO->getOpcode() == UO_LNot)
    if (const Expr *Def = StoredTest(UO->getSubExpr())) {
      std::optional<bool> R = invalidWhenTrue(Def, T);
      return R ? std::optional<bool>(!*R) : std::nullopt;
    }
  if (const auto *UO = dyn_cast<UnaryOperator>(Cond); UO && UO->getOpcode() == UO_LNot) {
    const Expr *Sub = peel(UO->getSubExpr());
    if (IsSubject(Sub) && (NullForm || OutArg))
      return OutArg ? false : true; // !f: failed; !pipe(...): succeeded.
    if (T.Info.Invalid == model::Resource::NullOrErrField)
      if (const auto *ME = dyn_cast<MemberExpr>(Sub); ME && IsSubject(ME->getBase()))
        return false; // !c->err: the false branch has the error.
    return std::nullopt;
  }
  if (IsSubject(Cond))
    return OutArg ? std::optional<bool>(true)
                  : NullForm ? std::optional<bool>(false) : std::nullopt;
  if (const auto *ME = dyn_cast<MemberExpr>(Cond);
      ME && T.Info.Invalid == model::Resource::NullOrErrField && IsSubject(ME->getBase()))
    return true; // c->err
  const auto *BO = dyn_cast<BinaryOperator>(Cond);
  if (!BO || !BO->isComparisonOp())
    return std::nullopt;
  const Expr *L = BO->getLHS(), *R = BO->getRHS();
  BinaryOperatorKind Op = BO->getOpcode();
  if (!IsSubject(L)) {
    if (const auto *ME = dyn_cast<MemberExpr>(peel(L));
        ME && T.Info.Invalid == model::Resource::NullOrErrField && IsSubject(ME->getBase())) {
      std::optional<long long> C = intValue(R, Ctx);
      if (C && *C == 0 && (Op == BO_NE || Op == BO_EQ))
        return Op == BO_NE; // c->err != 0
      return std::nullopt;
    }
    if (!IsSubject(R))
      return std::nullopt;
    std::swap(L, R);
    Op = BinaryOperator::reverseComparisonOp(Op);
  }
  std::optional<long long> C = intValue(R, Ctx);
  if (!C)
    return std::nullopt;
  if (NullForm && !OutArg && *C == 0 && (Op == BO_EQ || Op == BO_NE))
    return Op == BO_EQ;
  const bool Negative = T.Info.Invalid == model::Resource::Negative || OutArg;
  if (!Negative)
    return std::nullopt;
  switch (Op) {
  case BO_LT: // fd < 0
    return *C <= 0 ? std::optional<bool>(true) : std::nullopt;
  case BO_LE: // fd <= -1
    return *C < 0 ? std::optional<bool>(true) : std::nullopt;
  case BO_GE: // fd >= 0
    return *C == 0 ? std::optional<bool>(false) : std::nullopt;
  case BO_GT: // fd > -1
    return *C == -1 ? std::optional<bool>(false) : std::nullopt;
  case BO_EQ: // fd == -1; getaddrinfo(...) == 0
    if (*C == -1)
      return true;
    return OutArg && *C == 0 ? std::optional<bool>(false) : std::nullopt;
  case BO_NE:
    if (*C == -1)
      return false;
    return OutArg && *C == 0 ? std::optional<bool>(true) : std::nullopt;
  default:
    return std::nullopt;
  }
}

/// How the local or parameter \p V is written in \p FD's body (its
/// initialiser aside): not at all, only by assignments of integer constants
/// (`done = true;`), or otherwise (another value, `++`, `--`, its address
/// taken). A store through it (`*p = x`) does not write \p V.
enum class Writes { None, ConstantsOnly, Other };
static Writes writesOf(const VarDecl *V, const FunctionDecl *FD) {
  if (!FD || !FD->getBody())
    return Writes::Other;
  ASTContext &Ctx = FD->getASTContext();
  Writes W = Writes::None;
  walkStmts(FD->getBody(), [&](const Stmt *S) {
    if (const auto *BO = dyn_cast<BinaryOperator>(S)) {
      if (BO->isAssignmentOp() && refersTo(BO->getLHS(), V) &&
          !isa<UnaryOperator>(peel(BO->getLHS()))) {
        const Expr *R = BO->getRHS();
        bool Constant = BO->getOpcode() == BO_Assign && !R->isValueDependent() &&
                        R->isIntegerConstantExpr(Ctx);
        W = Constant ? Writes::ConstantsOnly : Writes::Other;
      }
    } else if (const auto *UO = dyn_cast<UnaryOperator>(S)) {
      if ((UO->isIncrementDecrementOp() || UO->getOpcode() == UO_AddrOf) &&
          refersTo(UO->getSubExpr(), V))
        W = Writes::Other;
    }
    return W != Writes::Other;
  });
  return W;
}


/// Every local or parameter \p FD's body writes (writesOf() not None), in
/// one walk: asking writesOf() for each local walked the body once per
/// local.
static void collectWritten(const FunctionDecl *FD, llvm::DenseSet<const VarDecl *> &Out) {
  walkStmts(FD->getBody(), [&](const Stmt *S) {
    if (const auto *BO = dyn_cast<BinaryOperator>(S)) {
      if (BO->isAssignmentOp() && !isa<UnaryOperator>(peel(BO->getLHS())))
        if (const VarDecl *V = designatedVar(BO->getLHS()))
          Out.insert(V);
    } else if (const auto *UO = dyn_cast<UnaryOperator>(S)) {
      if (UO->isIncrementDecrementOp() || UO->getOpcode() == UO_AddrOf)
        if (const VarDecl *V = designatedVar(UO->getSubExpr()))
          Out.insert(V);
    }
    return true;
  });
}

const Expr *ResourceAnalysis::singleDefinition(const VarDecl *V) {
  auto It = SingleDefs.find(V);
  if (It != SingleDefs.end())
    return It->second;
  const Expr *Def = nullptr;
  const auto *FD = dyn_cast<FunctionDecl>(V->getDeclContext());
  auto Written = [&]() -> bool {
    if (!FD || !FD->getBody())
      return true;
    auto [W, New] = WrittenIn.try_emplace(FD);
    if (New)
      collectWritten(FD, W->second);
    return W->second.count(V) != 0;
  };
  if (V->hasLocalStorage() && !isa<ParmVarDecl>(V) && V->getInit() &&
      !V->getType()->isReferenceType() && !Written())
    Def = V->getInit();
  SingleDefs[V] = Def;
  return Def;
}

bool ResourceAnalysis::alwaysExits(const FunctionDecl *FD) {
  const FunctionDecl *Def = nullptr;
  if (!FD || !FD->hasBody(Def))
    return false;
  if (Def->isNoReturn())
    return true;
  auto [It, New] = AlwaysExits.try_emplace(Def, false); // Recursion: false.
  if (!New)
    return It->second;
  CFG *C = cfgFor(Def);
  if (!C)
    return false;
  const CFGBlock &Exit = C->getExit();
  bool All = Exit.pred_size() > 0;
  for (const CFGBlock::AdjacentBlock &P : Exit.preds()) {
    const CFGBlock *B = P.getReachableBlock();
    if (!B)
      continue;
    bool Ends = B->hasNoReturnElement();
    // Its last call may be another function of the TU that always exits.
    for (auto I = B->rbegin(); !Ends && I != B->rend(); ++I)
      if (auto CS = I->getAs<CFGStmt>())
        if (const auto *CE = dyn_cast<CallExpr>(CS->getStmt())) {
          Ends = CE->getDirectCallee() && CE->getDirectCallee() != Def &&
                 alwaysExits(CE->getDirectCallee());
          break;
        }
    All &= Ends;
  }
  AlwaysExits[Def] = All;
  return All;
}

const std::vector<const VarDecl *> &ResourceAnalysis::guardVars(const FunctionDecl *FD,
                                                                CFG &C) {
  auto It = Guards.find(FD);
  if (It != Guards.end())
    return It->second;
  std::vector<const VarDecl *> Out;
  llvm::DenseMap<const VarDecl *, unsigned> Uses;
  for (const CFGBlock *B : C) {
    if (!B || B->succ_size() != 2)
      continue;
    const auto *Cond = dyn_cast_or_null<Expr>(B->getTerminatorCondition());
    if (!Cond)
      continue;
    Cond = peel(Cond);
    if (const auto *UO = dyn_cast<UnaryOperator>(Cond); UO && UO->getOpcode() == UO_LNot)
      Cond = peel(UO->getSubExpr());
    const auto *DRE = dyn_cast<DeclRefExpr>(Cond);
    const auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
    if (!V || !V->hasLocalStorage() || V->getType()->isReferenceType() ||
        !(V->getType()->isBooleanType() || V->getType()->isIntegerType()))
      continue;
    // A flag given only constants (`done = true;` after the acquisition)
    // is worth tracking from its first test; one never written, from its
    // second (the first is where its value is learnt).
    bool ConstantFlag = false;
    if (isa<ParmVarDecl>(V)) {
      if (writesOf(V, FD) != Writes::None)
        continue; // A parameter written in the body is not a stable guard.
    } else if (!singleDefinition(V)) {
      const Expr *Init = V->getInit();
      if ((Init && (Init->isValueDependent() || !Init->isIntegerConstantExpr(FD->getASTContext()))) ||
          writesOf(V, FD) != Writes::ConstantsOnly)
        continue;
      ConstantFlag = true;
    }
    if (++Uses[V] == (ConstantFlag ? 1u : 2u) && Out.size() < 3)
      Out.push_back(V);
  }
  return Guards[FD] = std::move(Out);
}

bool ResourceAnalysis::continues(const CallExpr *CE, const VarDecl *V) {
  if (!CE || !V)
    return false;
  std::optional<AcquisitionInfo> I = acquisitionOf(CE);
  if (!I || !I->ContinuesArg || *I->ContinuesArg >= CE->getNumArgs())
    return false;
  const Expr *A = peel(CE->getArg(*I->ContinuesArg));
  return refersTo(A, V) && !isa<UnaryOperator>(A);
}

bool ResourceAnalysis::insideTry(const Stmt *S, const FunctionDecl *FD) {
  const ParentIndex &PM = TU.handlerScope().parents(FD);
  const Stmt *Child = S;
  for (const Stmt *P = PM.getParent(S); P; Child = P, P = PM.getParent(P))
    if (const auto *Try = dyn_cast<CXXTryStmt>(P))
      if (Try->getTryBlock() == Child)
        return true;
  return false;
}

namespace {
/// The values a path knows of the function's guard variables (at most 3),
/// and of its value variables (`Sets`: an interned ValueSets, 0 when
/// nothing is known of any).
struct PathFacts {
  uint8_t Known = 0, Value = 0;
  uint16_t Sets = 0;
  unsigned key() const {
    return unsigned(Known) | (unsigned(Value) << 3) | (unsigned(Sets) << 6);
  }
};

/// Value variables: locals and parameters of integer or enumeration type
/// tested against constants (`mode == 'P'`, `switch (opt)`) whose every
/// write is a plain assignment or the declaration itself (no `&v`, `++`,
/// `+=`, reference, capture): the values a path can give them are then known
/// from the path alone. Each is either unknown (any value) or one of a
/// finite set of constants of the function (`Universe`, at most 64).
constexpr unsigned MaxValueVars = 6;
constexpr unsigned MaxUniverse = 64;
/// Per value variable a mask over the universe; the last word says which
/// of them are finite (a set bit: the mask holds every value it can have).
using ValueSets = std::array<uint64_t, MaxValueVars + 1>;

/// What a branch edge says of one value variable: it holds exactly one of
/// \p Mask (`Only`), or none of them (`Exclude`).
struct Restriction {
  int Var = -1;
  enum KindTy : uint8_t { None, Only, Exclude } Kind = None;
  uint64_t Mask = 0;
};
} // namespace

struct ResourceAnalysis::FunctionIndex {
  CFG *C = nullptr;
  /// Does C have scope-end elements (scopeEndsMatter())? Without them the
  /// outermost scope's end is the exit edge.
  bool Scoped = true;
  /// A lower bound, per block, of where a leak found from it can be: the
  /// file offset (of the expansion) of the earliest element, scope end or
  /// function end reachable from the block. A walk that has already found
  /// a leak before every place a block reaches need not go there: the
  /// finding names the earliest. Only where offsets order the function's
  /// places (one file) and no visit has another effect (no call to a helper
  /// with a body, which releasesHandle() would explore, nor to an unseen
  /// user function, which it would record): CanPrune.
  bool CanPrune = false;
  std::vector<unsigned> MinReach;
  FileID File;
  /// The offset of \p L in File; ~0u outside it.
  unsigned key(SourceLocation L, const SourceManager &SM) const {
    if (L.isInvalid())
      return ~0u;
    auto [F, Off] = SM.getDecomposedExpansionLoc(L);
    return F == File ? Off : ~0u;
  }
  std::vector<const VarDecl *> GuardVars;
  std::vector<const CFGBlock *> ByID;
  /// Per block, the elements that can matter to any held handle, in order:
  /// returns, throws, calls to functions with a body (they may always
  /// exit) or that the models say throw, assignments to guard variables.
  std::vector<llvm::SmallVector<unsigned, 2>> Generic;
  /// Per variable, (block, element) pairs of the elements whose own
  /// expression (not the nested elements, which have entries of their own)
  /// names it, and of its lifetime ends; in block order.
  llvm::DenseMap<const VarDecl *, std::vector<std::pair<unsigned, unsigned>>> Uses;
  /// The statement whose scope each local belongs to (the compound or
  /// the if/for/while/switch/catch that declares it), and the scope-end
  /// elements of each such scope, in block order.
  llvm::DenseMap<const VarDecl *, const Stmt *> ScopeOf;
  llvm::DenseMap<const Stmt *, std::vector<std::pair<unsigned, unsigned>>> ScopeEnds;
  /// Does scope-end element \p E end \p V's scope?
  bool ends(const CFGScopeEnd &E, const VarDecl *V) const {
    auto A = ScopeOf.find(E.getVarDecl()), B = ScopeOf.find(V);
    return A != ScopeOf.end() && B != ScopeOf.end() && A->second == B->second;
  }
  /// Where each call element is.
  llvm::DenseMap<const Stmt *, llvm::SmallVector<std::pair<unsigned, unsigned>, 1>> Where;
  /// The guard values a path from the entry can have at each block's start
  /// (whatever the handle's state: path facts do not depend on it).
  std::vector<llvm::SmallVector<PathFacts, 1>> EntryFacts;
  /// Is the edge from B with index I compatible with path facts P; the
  /// facts on it.
  std::optional<PathFacts> along(const CFGBlock *B, unsigned I, PathFacts P);
  /// The guard a two-way branch tests and whether its true edge means the
  /// guard is true.
  llvm::DenseMap<unsigned, std::pair<int, bool>> GuardOf;
  /// A guard given a constant by element \p S: the facts after it.
  void assign(const Stmt *S, PathFacts &P, ASTContext &Ctx);

  /// Value variables (see ValueSets), the constants their sets range over,
  /// and the interned sets (index 0: nothing known).
  std::vector<const VarDecl *> ValueVars;
  std::vector<int64_t> Universe;
  std::vector<ValueSets> SetTable;
  std::map<ValueSets, uint16_t> SetIds;
  /// Per block whose branch tests a value variable, what each successor
  /// edge (by index) says of it.
  llvm::DenseMap<unsigned, llvm::SmallVector<Restriction, 2>> ValueTests;
  uint16_t intern(const ValueSets &V);
  /// The bit of \p C in the universe, 0 when it is not there.
  uint64_t bitOf(int64_t C) const {
    for (unsigned I = 0; I < Universe.size(); ++I)
      if (Universe[I] == C)
        return uint64_t(1) << I;
    return 0;
  }
  int valueVar(const Expr *E) const;
  /// The set of values \p E gives value variable \p Var when stored into
  /// it, on a path with facts \p P; nullopt: any value.
  std::optional<uint64_t> valueOf(const Expr *E, unsigned Var, const PathFacts &P,
                                  ASTContext &Ctx) const;
};

uint16_t ResourceAnalysis::FunctionIndex::intern(const ValueSets &V) {
  if (V[MaxValueVars] == 0)
    return 0; // Nothing known.
  auto It = SetIds.find(V);
  if (It != SetIds.end())
    return It->second;
  // Bounded: past the cap a path forgets the values (more paths, never
  // fewer: still sound, only less precise).
  if (SetTable.size() >= 256)
    return 0;
  uint16_t Id = uint16_t(SetTable.size());
  SetTable.push_back(V);
  SetIds.emplace(V, Id);
  return Id;
}

int ResourceAnalysis::FunctionIndex::valueVar(const Expr *E) const {
  if (!E)
    return -1;
  if (const auto *DRE = dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts()))
    for (unsigned I = 0; I < ValueVars.size(); ++I)
      if (DRE->getDecl() == ValueVars[I])
        return int(I);
  return -1;
}

/// Does converting a value of type \p From to \p To keep every value?
static bool valuePreserving(QualType From, QualType To, const ASTContext &Ctx) {
  From = From.getCanonicalType().getUnqualifiedType();
  To = To.getCanonicalType().getUnqualifiedType();
  if (!From->isIntegralOrEnumerationType() || !To->isIntegralOrEnumerationType())
    return false;
  if (From == To)
    return true;
  const unsigned WF = Ctx.getIntWidth(From), WT = Ctx.getIntWidth(To);
  const bool SF = From->isSignedIntegerOrEnumerationType(),
             ST = To->isSignedIntegerOrEnumerationType();
  if (From->isBooleanType())
    return true; // 0 or 1.
  if (To->isBooleanType())
    return false;
  return SF == ST ? WT >= WF : (!SF && ST && WT > WF);
}

/// \p V as a 64-bit value, when it is one.
static std::optional<int64_t> asInt64(const llvm::APSInt &V) {
  if (V.isSigned() ? V.getSignificantBits() > 64 : V.getActiveBits() > 63)
    return std::nullopt;
  return V.isSigned() ? V.getSExtValue() : int64_t(V.getZExtValue());
}

/// Does \p C fit in \p T (so that storing it there keeps it)?
static bool fitsIn(int64_t C, QualType T, const ASTContext &Ctx) {
  T = T.getCanonicalType();
  if (T->isBooleanType())
    return C == 0 || C == 1;
  const unsigned W = Ctx.getIntWidth(T);
  if (W >= 64)
    return T->isSignedIntegerOrEnumerationType() || C >= 0;
  if (T->isSignedIntegerOrEnumerationType())
    return C >= -(int64_t(1) << (W - 1)) && C < (int64_t(1) << (W - 1));
  return C >= 0 && C < (int64_t(1) << W);
}

std::optional<uint64_t>
ResourceAnalysis::FunctionIndex::valueOf(const Expr *E, unsigned Var, const PathFacts &P,
                                         ASTContext &Ctx) const {
  if (!E || E->isValueDependent())
    return std::nullopt;
  // A constant, converted to the variable's type as the store converts it.
  if (std::optional<llvm::APSInt> C = E->getIntegerConstantExpr(Ctx)) {
    std::optional<int64_t> V = asInt64(*C);
    uint64_t Bit = V ? bitOf(*V) : 0;
    return Bit ? std::optional<uint64_t>(Bit) : std::nullopt;
  }
  // Another value variable (`mode = opt;` under `case 'P':`): its set, when
  // every value of it fits.
  int From = valueVar(E);
  if (From < 0 || !P.Sets)
    return std::nullopt;
  const ValueSets &S = SetTable[P.Sets];
  if (!(S[MaxValueVars] & (uint64_t(1) << From)))
    return std::nullopt;
  QualType T = ValueVars[Var]->getType();
  for (unsigned I = 0; I < Universe.size(); ++I)
    if ((S[From] >> I & 1) && !fitsIn(Universe[I], T, Ctx))
      return std::nullopt;
  return S[From];
}


std::optional<PathFacts>
ResourceAnalysis::FunctionIndex::along(const CFGBlock *B, unsigned Index, PathFacts P) {
  if (auto VT = ValueTests.find(B->getBlockID());
      VT != ValueTests.end() && Index < VT->second.size()) {
    const Restriction &R = VT->second[Index];
    if (R.Kind != Restriction::None) {
      ValueSets S = P.Sets ? SetTable[P.Sets] : ValueSets{};
      const uint64_t FiniteBit = uint64_t(1) << R.Var;
      const bool Finite = S[MaxValueVars] & FiniteBit;
      if (R.Kind == Restriction::Only) {
        // `mode == 'P'` taken, `case 'P':`: exactly that value now.
        S[R.Var] = Finite ? S[R.Var] & R.Mask : R.Mask;
        S[MaxValueVars] |= FiniteBit;
      } else if (Finite) {
        S[R.Var] &= ~R.Mask; // Not taken: none of the tested values.
      }
      if ((S[MaxValueVars] & FiniteBit) && S[R.Var] == 0)
        return std::nullopt; // No value left: the path cannot happen.
      P.Sets = intern(S);
    }
  }
  auto It = GuardOf.find(B->getBlockID());
  if (It == GuardOf.end())
    return P;
  auto [Guard, Positive] = It->second;
  // Edge 0 is the true branch: the guard's value on it.
  bool GuardValue = (Index == 0) == Positive;
  uint8_t Bit = uint8_t(1u << Guard);
  if ((P.Known & Bit) && bool(P.Value & Bit) != GuardValue)
    return std::nullopt; // Contradicts what this path already took.
  P.Known |= Bit;
  P.Value = GuardValue ? (P.Value | Bit) : (P.Value & ~Bit);
  return P;
}

void ResourceAnalysis::FunctionIndex::assign(const Stmt *St, PathFacts &P,
                                             ASTContext &Ctx) {
  if (!ValueVars.empty()) {
    // A value variable stored or declared: its set is the stored value's.
    int Var = -1;
    const Expr *Stored = nullptr;
    if (const auto *BO = dyn_cast<BinaryOperator>(St); BO && BO->getOpcode() == BO_Assign) {
      if (const auto *DRE = dyn_cast<DeclRefExpr>(BO->getLHS()->IgnoreParens()))
        if (int I = valueVar(DRE); I >= 0) {
          Var = I;
          Stored = BO->getRHS();
        }
    } else if (const auto *DS = dyn_cast<DeclStmt>(St); DS && DS->isSingleDecl()) {
      for (unsigned I = 0; I < ValueVars.size(); ++I)
        if (DS->getSingleDecl() == ValueVars[I]) {
          Var = int(I);
          Stored = ValueVars[I]->getInit(); // None: any value.
        }
    }
    if (Var >= 0) {
      std::optional<uint64_t> V = valueOf(Stored, unsigned(Var), P, Ctx);
      ValueSets S = P.Sets ? SetTable[P.Sets] : ValueSets{};
      const uint64_t FiniteBit = uint64_t(1) << Var;
      if (V) {
        S[Var] = *V;
        S[MaxValueVars] |= FiniteBit;
      } else {
        S[Var] = 0;
        S[MaxValueVars] &= ~FiniteBit;
      }
      P.Sets = intern(S);
    }
  }
  if (GuardVars.empty())
    return;
  if (const auto *BO = dyn_cast<BinaryOperator>(St); BO && BO->getOpcode() == BO_Assign)
    for (unsigned G = 0; G < GuardVars.size(); ++G)
      if (refersTo(BO->getLHS(), GuardVars[G]))
        if (std::optional<llvm::APSInt> CV = BO->getRHS()->getIntegerConstantExpr(Ctx)) {
          uint8_t Bit = uint8_t(1u << G);
          P.Known |= Bit;
          P.Value = CV->getBoolValue() ? (P.Value | Bit) : (P.Value & ~Bit);
        }
}

ResourceAnalysis::~ResourceAnalysis() = default;

namespace {
/// One branch that tests a variable against constants.
struct BranchTest {
  unsigned Block = 0;
  const VarDecl *Var = nullptr;
  /// Per successor edge: the values it means the variable holds (`Only`)
  /// or does not hold (`Exclude`); None: nothing known.
  llvm::SmallVector<std::pair<Restriction::KindTy, llvm::SmallVector<int64_t, 1>>, 2> Edges;
};
} // namespace

/// The local or parameter of integer or enumeration type that \p E reads
/// (through parentheses and implicit conversions), if any.
static const VarDecl *readVar(const Expr *E) {
  if (!E)
    return nullptr;
  const auto *DRE = dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts());
  const auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
  if (!V || !V->hasLocalStorage() || V->getType()->isReferenceType() ||
      V->getType().isVolatileQualified() || !V->getType()->isIntegralOrEnumerationType())
    return nullptr;
  return V;
}

/// readVar(), when \p E's conversions keep every value of the variable (a
/// test of \p E is then a test of the variable's own value).
static const VarDecl *testedVar(const Expr *E, const ASTContext &Ctx) {
  const VarDecl *V = readVar(E);
  return V && valuePreserving(V->getType(), E->getType(), Ctx) ? V : nullptr;
}

/// The test \p B's branch makes of one variable against constants:
/// `v == C`, `v != C`, `!v`, `v` (in the block that evaluates it: `a || v`
/// branches on `v`), or `switch (v)`.
static std::optional<BranchTest> branchTest(const CFGBlock *B, const ASTContext &Ctx) {
  const Stmt *Term = B->getTerminatorStmt();
  if (!Term)
    return std::nullopt;
  BranchTest T;
  T.Block = B->getBlockID();
  if (const auto *SS = dyn_cast<SwitchStmt>(Term)) {
    T.Var = testedVar(SS->getCond(), Ctx);
    if (!T.Var)
      return std::nullopt;
    // This switch's labels (an edge may lead to an outer switch's label).
    llvm::SmallPtrSet<const SwitchCase *, 16> Own;
    bool HasDefault = false;
    llvm::SmallVector<int64_t, 16> All; // Every case value.
    for (const SwitchCase *SC = SS->getSwitchCaseList(); SC; SC = SC->getNextSwitchCase()) {
      Own.insert(SC);
      if (isa<DefaultStmt>(SC)) {
        HasDefault = true;
      } else if (const auto *CS = dyn_cast<CaseStmt>(SC); CS && !CS->caseStmtIsGNURange()) {
        if (std::optional<int64_t> V = asInt64(CS->getLHS()->EvaluateKnownConstInt(Ctx)))
          All.push_back(*V);
      }
    }
    for (const CFGBlock::AdjacentBlock &Succ : B->succs()) {
      const CFGBlock *To = Succ.getReachableBlock() ? Succ.getReachableBlock()
                                                    : Succ.getPossiblyUnreachableBlock();
      const Stmt *Label = To ? To->getLabel() : nullptr;
      const auto *SC = dyn_cast_or_null<SwitchCase>(Label);
      if (SC && Own.count(SC)) {
        if (const auto *CS = dyn_cast<CaseStmt>(SC); CS && !CS->caseStmtIsGNURange()) {
          if (std::optional<int64_t> V = asInt64(CS->getLHS()->EvaluateKnownConstInt(Ctx))) {
            T.Edges.push_back({Restriction::Only, {*V}});
            continue;
          }
        } else if (isa<DefaultStmt>(SC)) {
          T.Edges.push_back({Restriction::Exclude, {All.begin(), All.end()}});
          continue;
        }
      } else if (!HasDefault) {
        // The edge taken when no case matches.
        T.Edges.push_back({Restriction::Exclude, {All.begin(), All.end()}});
        continue;
      }
      T.Edges.push_back({Restriction::None, {}});
    }
    return T;
  }
  if (B->succ_size() != 2)
    return std::nullopt;
  const auto *Cond = dyn_cast_or_null<Expr>(B->getTerminatorCondition());
  if (!Cond)
    return std::nullopt;
  Cond = Cond->IgnoreParenImpCasts();
  // The block that ends in `if (a || b)` evaluates `b`.
  for (const auto *Logic = dyn_cast<BinaryOperator>(Cond); Logic && Logic->isLogicalOp();
       Logic = dyn_cast<BinaryOperator>(Cond))
    Cond = Logic->getRHS()->IgnoreParenImpCasts();
  bool Positive = true;
  for (const auto *UO = dyn_cast<UnaryOperator>(Cond); UO && UO->getOpcode() == UO_LNot;
       UO = dyn_cast<UnaryOperator>(Cond)) {
    Cond = UO->getSubExpr()->IgnoreParenImpCasts();
    Positive = !Positive;
  }
  std::optional<int64_t> Value;
  bool Equal = true;
  if (const auto *BO = dyn_cast<BinaryOperator>(Cond);
      BO && (BO->getOpcode() == BO_EQ || BO->getOpcode() == BO_NE)) {
    const Expr *VarSide = BO->getLHS(), *ConstSide = BO->getRHS();
    if (!testedVar(VarSide, Ctx))
      std::swap(VarSide, ConstSide);
    T.Var = testedVar(VarSide, Ctx);
    if (!T.Var || ConstSide->isValueDependent())
      return std::nullopt;
    std::optional<llvm::APSInt> C = ConstSide->getIntegerConstantExpr(Ctx);
    if (!C || !(Value = asInt64(*C)))
      return std::nullopt;
    Equal = BO->getOpcode() == BO_EQ;
  } else if (isa<DeclRefExpr>(Cond)) {
    // `if (v)`: v != 0, whatever the conversion to bool.
    if (!(T.Var = readVar(Cond)))
      return std::nullopt;
    Value = 0;
    Equal = false;
  } else {
    return std::nullopt;
  }
  // Edge 0 is taken when the condition is true.
  const bool EqualOnTrue = Equal == Positive;
  T.Edges.push_back({EqualOnTrue ? Restriction::Only : Restriction::Exclude, {*Value}});
  T.Edges.push_back({EqualOnTrue ? Restriction::Exclude : Restriction::Only, {*Value}});
  return T;
}

/// Chooses \p FD's value variables (see ValueSets) and what its branches
/// say of them.
static void chooseValueVars(const FunctionDecl *FD, CFG &C, const ParentIndex &PM,
                            std::vector<const VarDecl *> &Vars, std::vector<int64_t> &Universe,
                            llvm::DenseMap<unsigned, llvm::SmallVector<Restriction, 2>> &Tests) {
  const ASTContext &Ctx = FD->getASTContext();
  std::vector<BranchTest> All;
  llvm::MapVector<const VarDecl *, unsigned> Count;
  for (const CFGBlock *B : C)
    if (B)
      if (std::optional<BranchTest> T = branchTest(B, Ctx)) {
        ++Count[T->Var];
        All.push_back(std::move(*T));
      }
  if (All.empty())
    return;
  // Every write must be one the walk sees: a plain `v = e` or the
  // declaration. Anything else (`&v`, `++v`, `v += 1`, a reference bound to
  // it, a capture, a block) could change it unseen.
  llvm::DenseSet<const VarDecl *> Bad;
  // What each candidate is given: constants (their values), copies of
  // another variable, or anything else (`Open`).
  llvm::DenseMap<const VarDecl *, llvm::SmallVector<int64_t, 4>> Stored;
  llvm::DenseMap<const VarDecl *, llvm::SmallVector<const VarDecl *, 2>> CopiedFrom;
  llvm::DenseSet<const VarDecl *> Open;
  auto Def = [&](const VarDecl *V, const Expr *E) {
    if (E && !E->isValueDependent())
      if (std::optional<llvm::APSInt> C = E->getIntegerConstantExpr(Ctx)) {
        if (std::optional<int64_t> I = asInt64(*C))
          Stored[V].push_back(*I);
        else
          Open.insert(V);
        return;
      }
    if (const VarDecl *From = readVar(E))
      CopiedFrom[V].push_back(From);
    else
      Open.insert(V);
  };
  walkStmts(FD->getBody(), [&](const Stmt *S) {
    if (isa<BlockExpr>(S)) {
      for (auto &KV : Count)
        Bad.insert(KV.first);
      return false;
    }
    if (const auto *DS = dyn_cast<DeclStmt>(S))
      for (const Decl *D : DS->decls())
        if (const auto *V = dyn_cast<VarDecl>(D); V && Count.count(V))
          Def(V, V->getInit());
    const auto *DRE = dyn_cast<DeclRefExpr>(S);
    const auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
    if (!V || !Count.count(V))
      return true;
    if (DRE->refersToEnclosingVariableOrCapture()) {
      Bad.insert(V);
      return true;
    }
    const Stmt *P = PM.getParentIgnoreParens(DRE);
    if (const auto *ICE = dyn_cast_or_null<ImplicitCastExpr>(P);
        ICE && ICE->getCastKind() == CK_LValueToRValue)
      return true; // Read.
    if (const auto *BO = dyn_cast_or_null<BinaryOperator>(P);
        BO && BO->getOpcode() == BO_Assign && BO->getLHS()->IgnoreParens() == DRE) {
      Def(V, BO->getRHS());
      return true; // Written, visibly.
    }
    Bad.insert(V);
    return true;
  });
  // Worth tracking, first: the variables given only constants and copies
  // (their set can be finite: `char mode = 'C'; ... mode = opt;`), the most
  // tested first, each with what it is copied from (`opt`, which a `case`
  // label constrains); then the others tested twice (a parameter tested
  // again on the same path).
  auto Pick = [&](const VarDecl *V) {
    if (Count.count(V) && !Bad.count(V) && !llvm::is_contained(Vars, V) &&
        Vars.size() < MaxValueVars)
      Vars.push_back(V);
  };
  std::vector<std::tuple<unsigned, unsigned, const VarDecl *>> Closed; // -tests, order
  for (auto &[V, N] : Count)
    if (!Bad.count(V) && !Open.count(V) && !isa<ParmVarDecl>(V))
      Closed.emplace_back(~N, unsigned(Closed.size()), V);
  llvm::sort(Closed);
  for (auto &[NotN, Order, V] : Closed) {
    Pick(V);
    for (const VarDecl *From : CopiedFrom.lookup(V))
      Pick(From);
  }
  for (auto &[V, N] : Count)
    if (N >= 2)
      Pick(V);
  if (Vars.empty())
    return;
  // The constants, variable by variable in that order: those stored, then
  // those tested.
  auto Add = [&](int64_t V) {
    if (llvm::find(Universe, V) == Universe.end() && Universe.size() < MaxUniverse)
      Universe.push_back(V);
  };
  for (const VarDecl *V : Vars) {
    for (int64_t C : Stored.lookup(V))
      Add(C);
    for (const BranchTest &T : All)
      if (T.Var == V)
        for (const auto &E : T.Edges)
          for (int64_t C : E.second)
            Add(C);
  }
  auto Mask = [&](llvm::ArrayRef<int64_t> Values, bool &Complete) {
    uint64_t M = 0;
    Complete = true;
    for (int64_t V : Values) {
      auto It = llvm::find(Universe, V);
      if (It == Universe.end())
        Complete = false;
      else
        M |= uint64_t(1) << (It - Universe.begin());
    }
    return M;
  };
  for (const BranchTest &T : All) {
    auto It = llvm::find(Vars, T.Var);
    if (It == Vars.end())
      continue;
    llvm::SmallVector<Restriction, 2> Edges;
    for (const auto &[Kind, Values] : T.Edges) {
      Restriction R;
      R.Var = int(It - Vars.begin());
      bool Complete = true;
      R.Mask = Mask(Values, Complete);
      R.Kind = Kind;
      // `Only` a value outside the universe cannot be written down: say
      // nothing. Excluding some of the values is still true.
      if (Kind == Restriction::Only && !Complete)
        R.Kind = Restriction::None;
      Edges.push_back(R);
    }
    Tests[T.Block] = std::move(Edges);
  }
}

ResourceAnalysis::FunctionIndex *ResourceAnalysis::indexFor(const FunctionDecl *FD) {
  auto &Slot = Indexes[FD];
  if (Slot)
    return Slot.get();
  CFG *C = cfgFor(FD);
  if (!C)
    return nullptr;
  Slot = std::make_unique<FunctionIndex>();
  FunctionIndex &X = *Slot;
  X.C = C;
  X.GuardVars = guardVars(FD, *C);
  chooseValueVars(FD, *C, TU.handlerScope().parents(FD), X.ValueVars, X.Universe,
                  X.ValueTests);
  X.SetTable.emplace_back(); // Id 0: nothing known.
  ASTContext &Ctx = FD->getASTContext();
  const unsigned N = C->getNumBlockIDs();
  X.Generic.resize(N);
  X.ByID.assign(N, nullptr);
  for (const CFGBlock *B : *C)
    X.ByID[B->getBlockID()] = B;
  {
    const ParentIndex &PM = TU.handlerScope().parents(FD);
    walkStmts(FD->getBody(), [&](const Stmt *S) {
      if (const auto *DS = dyn_cast<DeclStmt>(S))
        if (const Stmt *P = PM.getParent(DS))
          for (const Decl *D : DS->decls())
            if (const auto *V = dyn_cast<VarDecl>(D))
              X.ScopeOf.try_emplace(V, P);
      if (const auto *Catch = dyn_cast<CXXCatchStmt>(S))
        if (const VarDecl *V = Catch->getExceptionDecl())
          X.ScopeOf.try_emplace(V, Catch);
      return true;
    });
  }
  // The statements that are elements: a walk over one element's expression
  // stops at them (they are indexed as elements of their own).
  llvm::DenseSet<const Stmt *> Elements;
  for (const CFGBlock *B : *C)
    for (const CFGElement &E : *B)
      if (auto CS = E.getAs<CFGStmt>())
        Elements.insert(CS->getStmt());
  for (const CFGBlock *B : *C) {
    const unsigned ID = B->getBlockID();
    unsigned Index = 0;
    for (auto EI = B->begin(); EI != B->end(); ++EI, ++Index) {
      if (auto SE = EI->getAs<CFGScopeEnd>()) {
        if (auto It = X.ScopeOf.find(SE->getVarDecl()); It != X.ScopeOf.end())
          X.ScopeEnds[It->second].emplace_back(ID, Index);
        continue;
      }
      auto CS = EI->getAs<CFGStmt>();
      if (!CS)
        continue;
      const Stmt *St = CS->getStmt();
      bool Generic = isa<ReturnStmt>(St) || isa<CXXThrowExpr>(St);
      if (const auto *Call = dyn_cast<CallExpr>(St)) {
        X.Where[St].emplace_back(ID, Index);
        if (const FunctionDecl *Callee = Call->getDirectCallee())
          Generic |= Callee->hasBody() ||
                     TU.binding().isThrowing(Callee);
      }
      if (!X.GuardVars.empty())
        if (const auto *BO = dyn_cast<BinaryOperator>(St); BO && BO->getOpcode() == BO_Assign)
          for (const VarDecl *G : X.GuardVars)
            Generic |= refersTo(BO->getLHS(), G);
      // Stores into value variables, and their declarations.
      if (!X.ValueVars.empty()) {
        if (const auto *BO = dyn_cast<BinaryOperator>(St); BO && BO->getOpcode() == BO_Assign)
          Generic |= X.valueVar(BO->getLHS()) >= 0 &&
                     isa<DeclRefExpr>(BO->getLHS()->IgnoreParens());
        if (const auto *DS = dyn_cast<DeclStmt>(St); DS && DS->isSingleDecl())
          Generic |= llvm::is_contained(X.ValueVars, DS->getSingleDecl());
      }
      if (Generic)
        X.Generic[ID].push_back(Index);
      llvm::SmallVector<const VarDecl *, 4> Named;
      walkStmts(St, [&](const Stmt *S) {
        if (S != St && Elements.count(S))
          return false;
        if (const auto *DRE = dyn_cast<DeclRefExpr>(S))
          if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()))
            if (llvm::find(Named, V) == Named.end())
              Named.push_back(V);
        // The variables a lambda captures are named by its capture
        // initialisers (children); a by-reference capture without one is
        // still a capture.
        if (const auto *LE = dyn_cast<LambdaExpr>(S))
          for (const LambdaCapture &Cap : LE->captures())
            if (Cap.capturesVariable())
              if (const auto *V = dyn_cast<VarDecl>(Cap.getCapturedVar());
                  V && llvm::find(Named, V) == Named.end())
                Named.push_back(V);
        return true;
      });
      for (const VarDecl *V : Named)
        X.Uses[V].emplace_back(ID, Index);
    }
    // The guard a two-way branch tests.
    if (X.GuardVars.empty() || B->succ_size() != 2)
      continue;
    const auto *Cond = dyn_cast_or_null<Expr>(B->getTerminatorCondition());
    if (!Cond)
      continue;
    Cond = peel(Cond);
    bool Positive = true;
    if (const auto *UO = dyn_cast<UnaryOperator>(Cond); UO && UO->getOpcode() == UO_LNot) {
      Cond = peel(UO->getSubExpr());
      Positive = false;
    }
    if (const auto *DRE = dyn_cast<DeclRefExpr>(Cond))
      for (unsigned I = 0; I < X.GuardVars.size(); ++I)
        if (DRE->getDecl() == X.GuardVars[I]) {
          X.GuardOf[ID] = {int(I), Positive};
          break;
        }
  }
  // Blocks are visited in ID order, elements in order: already sorted but
  // for a block whose ID is out of order.
  for (auto &[V, List] : X.Uses)
    if (!std::is_sorted(List.begin(), List.end()))
      llvm::sort(List);
  for (auto &[V, List] : X.ScopeEnds)
    if (!std::is_sorted(List.begin(), List.end()))
      llvm::sort(List);
  // Path facts reachable at each block's start, from the entry.
  X.EntryFacts.resize(N);
  llvm::DenseSet<std::pair<unsigned, unsigned>> Seen;
  std::deque<std::pair<const CFGBlock *, PathFacts>> Work;
  auto Push = [&](const CFGBlock *B, PathFacts P) {
    if (B && Seen.insert({B->getBlockID(), P.key()}).second) {
      X.EntryFacts[B->getBlockID()].push_back(P);
      Work.emplace_back(B, P);
    }
  };
  Push(&C->getEntry(), PathFacts());
  while (!Work.empty()) {
    auto [B, P] = Work.front();
    Work.pop_front();
    for (unsigned I : X.Generic[B->getBlockID()])
      if (auto CS = (*B)[I].getAs<CFGStmt>())
        X.assign(CS->getStmt(), P, Ctx);
    if (B->hasNoReturnElement())
      continue; // exit(), abort(): the process ends.
    unsigned Index = 0;
    for (const CFGBlock::AdjacentBlock &Succ : B->succs()) {
      std::optional<PathFacts> NF = X.along(B, Index++, P);
      if (NF && Succ.getReachableBlock())
        Push(Succ.getReachableBlock(), *NF);
    }
  }
  X.Scoped = scopeEndsMatter(FD);
  pruningBounds(FD, X);
  return Slot.get();
}

void ResourceAnalysis::pruningBounds(const FunctionDecl *FD, FunctionIndex &X) {
  const SourceManager &SM = FD->getASTContext().getSourceManager();
  const Stmt *Body = FD->getBody();
  X.File = SM.getFileID(SM.getExpansionLoc(Body->getBeginLoc()));
  const unsigned N = X.C->getNumBlockIDs();
  X.MinReach.assign(N, ~0u);
  const unsigned BodyEnd = X.key(Body->getEndLoc(), SM);
  if (BodyEnd == ~0u)
    return;
  for (const CFGBlock *B : *X.C) {
    unsigned &M = X.MinReach[B->getBlockID()];
    if (B == &X.C->getExit())
      M = BodyEnd;
    for (const CFGElement &E : *B) {
      SourceLocation L;
      if (auto CS = E.getAs<CFGStmt>()) {
        const Stmt *St = CS->getStmt();
        L = St->getBeginLoc();
        if (const auto *Call = dyn_cast<CallExpr>(St))
          if (const FunctionDecl *Callee = Call->getDirectCallee())
            // releasesHandle()'s own test: a helper it would explore or
            // an unseen function it would record.
            if (!isSystemCallee(Callee) &&
                (Callee->hasBody() || isUnseenUserFunction(Callee)))
              return; // Visiting it may explore or record: no pruning.
      } else if (auto SE = E.getAs<CFGScopeEnd>()) {
        const Stmt *Trigger = SE->getTriggerStmt();
        L = Trigger ? Trigger->getEndLoc() : Body->getEndLoc();
      } else {
        continue;
      }
      unsigned K = X.key(L, SM);
      if (K == ~0u)
        return; // A place in another file: offsets do not order it.
      M = std::min(M, K);
    }
  }
  // Backwards to a fixpoint: a block reaches what its successors reach.
  // Lower IDs are nearer the exit: popping them first visits successors
  // before predecessors, one pass but for loops.
  std::vector<const CFGBlock *> Work;
  std::vector<char> Queued(N, 1);
  for (const CFGBlock *B : *X.C)
    Work.push_back(B);
  llvm::sort(Work, [](const CFGBlock *A, const CFGBlock *B) {
    return A->getBlockID() > B->getBlockID();
  });
  while (!Work.empty()) {
    const CFGBlock *B = Work.back();
    Work.pop_back();
    Queued[B->getBlockID()] = 0;
    const unsigned M = X.MinReach[B->getBlockID()];
    for (const CFGBlock::AdjacentBlock &P : B->preds())
      if (const CFGBlock *PB = P.getReachableBlock())
        if (M < X.MinReach[PB->getBlockID()]) {
          X.MinReach[PB->getBlockID()] = M;
          if (!Queued[PB->getBlockID()]) {
            Queued[PB->getBlockID()] = 1;
            Work.push_back(PB);
          }
        }
  }
  X.CanPrune = true;
}

std::optional<LeakFinding> ResourceAnalysis::explore(const FunctionDecl *FD,
                                                     const Tracking &T) {
  FunctionIndex *X = indexFor(FD);
  if (!X)
    return std::nullopt;
  CFG *C = X->C;
  ASTContext &Ctx = FD->getASTContext();
  const SourceManager &SM = Ctx.getSourceManager();
  std::optional<LeakFinding> Best;
  unsigned BestKey = ~0u; // X->key(Best->LeakLoc): see FunctionIndex::MinReach.
  auto Record = [&](LeakFinding::How How, SourceLocation Loc, std::string Throwing = "") {
    if (Best && Loc.isValid() && Best->LeakLoc.isValid() &&
        !SM.isBeforeInTranslationUnit(Loc, Best->LeakLoc))
      return;
    if (!Best)
      Best.emplace();
    Best->Kind = How;
    Best->LeakLoc = Loc;
    Best->ThrowingCall = std::move(Throwing);
    BestKey = X->CanPrune ? X->key(Loc, SM) : ~0u;
  };

  // Path facts: the values of up to three guard variables (`if (fromfile)`
  // before the acquisition and again before the release), so a path does
  // not combine a branch with its contradiction.
  //
  // Only held states are walked. A state that is not held (before the
  // acquisition, after a release) does nothing but carry path facts, and
  // those do not depend on the handle: the facts a path can have at the
  // acquisition's block are the index's entry facts, so the walk starts
  // there (once per block and facts) and drops states that stop being held
  // (a later re-acquisition on a loop starts from those same seeds).
  std::deque<std::tuple<const CFGBlock *, PathFacts, bool>> Work;
  llvm::DenseSet<std::pair<unsigned, unsigned>> Seen;
  auto Push = [&](const CFGBlock *B, PathFacts P) {
    if (B && Seen.insert({B->getBlockID(), P.key()}).second)
      Work.emplace_back(B, P, /*Seed=*/false);
  };
  if (T.StartHeld) {
    Push(&C->getEntry(), PathFacts());
  } else if (T.Acq) {
    auto It = X->Where.find(T.Acq);
    if (It == X->Where.end())
      return std::nullopt;
    llvm::SmallVector<unsigned, 2> Blocks;
    for (auto [ID, I] : It->second)
      if (llvm::find(Blocks, ID) == Blocks.end())
        Blocks.push_back(ID);
    for (unsigned ID : Blocks)
      if (const CFGBlock *B = X->ByID[ID])
        for (const PathFacts &P : X->EntryFacts[ID])
          Work.emplace_back(B, P, /*Seed=*/true);
  }
  const CFGBlock *Exit = &C->getExit();
  static const std::vector<std::pair<unsigned, unsigned>> NoUses;
  auto UsesIt = X->Uses.find(T.Var);
  const auto &Uses = UsesIt == X->Uses.end() ? NoUses : UsesIt->second;
  const auto *AcqWhere = T.Acq ? &X->Where[T.Acq] : nullptr;
  const std::vector<std::pair<unsigned, unsigned>> *ScopeEnds = nullptr;
  if (auto SO = X->ScopeOf.find(T.Var); SO != X->ScopeOf.end())
    if (auto SE = X->ScopeEnds.find(SO->second); SE != X->ScopeEnds.end())
      ScopeEnds = &SE->second;
  llvm::SmallVector<unsigned, 8> Order;

  while (!Work.empty()) {
    auto [B, Facts, Seed] = Work.front();
    Work.pop_front();
    const unsigned ID = B->getBlockID();
    // Nothing reachable from here is before the leak already found.
    if (BestKey != ~0u && X->MinReach[ID] > BestKey)
      continue;
    State S = Seed ? State::NotYet : State::Held;
    // The elements that matter here: the generic ones, those naming the
    // handle's variable, the acquisition itself.
    Order.assign(X->Generic[ID].begin(), X->Generic[ID].end());
    auto Range = std::equal_range(Uses.begin(), Uses.end(), std::make_pair(ID, 0u),
                                  [](const auto &A, const auto &B) { return A.first < B.first; });
    for (auto I = Range.first; I != Range.second; ++I)
      Order.push_back(I->second);
    if (ScopeEnds) {
      auto SR = std::equal_range(ScopeEnds->begin(), ScopeEnds->end(), std::make_pair(ID, 0u),
                                 [](const auto &A, const auto &B) { return A.first < B.first; });
      for (auto I = SR.first; I != SR.second; ++I)
        Order.push_back(I->second);
    }
    if (AcqWhere)
      for (auto [AB, AI] : *AcqWhere)
        if (AB == ID)
          Order.push_back(AI);
    llvm::sort(Order);
    Order.erase(std::unique(Order.begin(), Order.end()), Order.end());
    const Stmt *LastReturn = nullptr;
    bool Ends = false;
    for (unsigned EI : Order) {
      const CFGElement &E = (*B)[EI];
      if (auto CS = E.getAs<CFGStmt>()) {
        const Stmt *St = CS->getStmt();
        // A guard given a constant (`done = true;`): the path knows it.
        X->assign(St, Facts, Ctx);
        if (T.Acq && St == T.Acq) {
          // Appending to the list it holds (`list = curl_slist_append(list,
          // s)` in a loop) continues the resource.
          if (S == State::Held && !continues(T.Acq, T.Var))
            Record(LeakFinding::Reacquired, St->getBeginLoc());
          S = State::Held;
          continue;
        }
        if (isa<ReturnStmt>(St))
          LastReturn = St;
        if (S != State::Held)
          continue;
        if (const auto *Call = dyn_cast<CallExpr>(St)) {
          if (alwaysExits(Call->getDirectCallee())) {
            Ends = true; // usage() { ...; exit(1); }: nothing leaks.
            break;
          }
          if (releasesHandle(Call, T) || escapes(St, T, FD)) {
            S = State::Done;
            continue;
          }
          if (const FunctionDecl *Callee = Call->getDirectCallee()) {
            if (TU.binding().isThrowing(Callee) && !insideTry(St, FD))
              Record(LeakFinding::Throw, St->getBeginLoc(), TU.names().qualifiedName(Callee));
          }
          continue;
        }
        if (const auto *Del = dyn_cast<CXXDeleteExpr>(St)) {
          if (refersTo(Del->getArgument(), T.Var))
            S = State::Done;
          continue;
        }
        if (const auto *Throw = dyn_cast<CXXThrowExpr>(St)) {
          if (!insideTry(St, FD)) {
            Record(LeakFinding::Throw, Throw->getBeginLoc());
            S = State::Done;
          }
          continue;
        }
        if (const auto *BO = dyn_cast<BinaryOperator>(St);
            BO && BO->getOpcode() == BO_Assign && refersTo(BO->getLHS(), T.Var) &&
            !isa<UnaryOperator>(peel(BO->getLHS()))) {
          // The acquisition's own assignment keeps it Held, so does a call
          // that continues it (`list = curl_slist_append(list, s)`); any
          // other store into the handle variable loses the resource.
          const auto *RHSCall = dyn_cast<CallExpr>(peel(BO->getRHS()));
          if (!(T.Acq && isValueOf(BO->getRHS(), T.Acq)) && !continues(RHSCall, T.Var)) {
            Record(LeakFinding::Overwritten, BO->getBeginLoc());
            S = State::Done;
          }
          continue;
        }
        if (escapes(St, T, FD))
          S = State::Done;
        continue;
      }
      if (auto LE = E.getAs<CFGScopeEnd>()) {
        if (S == State::Held && X->ends(*LE, T.Var)) {
          if (LastReturn)
            Record(LeakFinding::Return, LastReturn->getBeginLoc());
          else if (const Stmt *Trigger = LE->getTriggerStmt())
            Record(LeakFinding::ScopeEnd, Trigger->getEndLoc());
          else
            Record(LeakFinding::ScopeEnd, FD->getBody()->getEndLoc());
          S = State::Done;
        }
        continue;
      }
    }
    if (S != State::Held)
      continue; // Released, or never acquired on this path.
    if (Ends || B->hasNoReturnElement())
      continue; // exit(), abort(): the process ends, nothing leaks.

    std::optional<bool> InvalidTrue;
    if (B->succ_size() == 2)
      InvalidTrue = invalidWhenTrue(
          dyn_cast_or_null<Expr>(B->getTerminatorCondition()), T);
    unsigned Index = 0;
    for (const CFGBlock::AdjacentBlock &Succ : B->succs()) {
      const CFGBlock *Next = Succ.getReachableBlock();
      const unsigned I = Index++;
      if (InvalidTrue && ((I == 0 && *InvalidTrue) || (I == 1 && !*InvalidTrue)))
        continue; // The acquisition failed on this branch: nothing held.
      std::optional<PathFacts> NF = X->along(B, I, Facts);
      if (!NF || !Next)
        continue;
      if (Next == Exit) {
        if (LastReturn)
          Record(LeakFinding::Return, LastReturn->getBeginLoc());
        else if (!X->Scoped && T.Var && X->ScopeOf.lookup(T.Var) == FD->getBody())
          // The outermost scope's end, which a CFG with scope ends has as
          // an element before this edge.
          Record(LeakFinding::ScopeEnd, FD->getBody()->getEndLoc());
        else
          Record(LeakFinding::EndOfFunction, FD->getBody()->getEndLoc());
        continue;
      }
      Push(Next, *NF);
    }
  }
  if (Best) {
    Best->Acquisition = T.Acq;
    Best->Info = T.Info;
  }
  return Best;
}

/// Source between two statements of \p CS that no statement holds: a
/// statement the parser dropped (`redisLibevAttach(EV_DEFAULT_ c);` once
/// <ev.h> was not found: an unknown macro, a syntax error, and nothing of
/// the call is left in the AST but its text). Only `;` may sit between
/// statements (an expression statement ends before its `;`); a gap with a
/// preprocessor directive is not judged (a branch `#if` skipped), nor one
/// before a null statement that follows an empty macro.
static bool droppedStatement(const CompoundStmt *CS, const ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  const LangOptions &LO = Ctx.getLangOpts();
  auto Gap = [&](SourceLocation PrevEnd, const Stmt *Next, SourceLocation NextLoc) {
    if (const auto *NS = dyn_cast_or_null<NullStmt>(Next); NS && NS->hasLeadingEmptyMacro())
      return false;
    if (PrevEnd.isInvalid() || NextLoc.isInvalid())
      return false;
    SourceLocation From =
        Lexer::getLocForEndOfToken(SM.getExpansionRange(PrevEnd).getEnd(), 0, SM, LO);
    SourceLocation To = SM.getExpansionLoc(NextLoc);
    if (From.isInvalid() || To.isInvalid())
      return false;
    auto [FID, FromOff] = SM.getDecomposedLoc(From);
    auto [ToFID, ToOff] = SM.getDecomposedLoc(To);
    if (FID != ToFID || FromOff >= ToOff)
      return false;
    bool Invalid = false;
    llvm::StringRef Buf = SM.getBufferData(FID, &Invalid);
    if (Invalid || ToOff > Buf.size())
      return false;
    Lexer L(SM.getLocForStartOfFile(FID), LO, Buf.begin(), Buf.begin() + FromOff, Buf.end());
    bool Found = false;
    for (Token Tok;;) {
      L.LexFromRawLexer(Tok);
      if (Tok.is(tok::eof) || SM.getFileOffset(Tok.getLocation()) >= ToOff)
        break;
      if (Tok.is(tok::hash))
        return false; // A directive: what it kept or skipped is not known here.
      if (!Tok.is(tok::semi))
        Found = true;
    }
    return Found;
  };
  SourceLocation Prev = CS->getLBracLoc();
  for (const Stmt *Child : CS->body()) {
    if (Gap(Prev, Child, Child->getBeginLoc()))
      return true;
    Prev = Child->getEndLoc();
  }
  return Gap(Prev, nullptr, CS->getRBracLoc());
}

bool ResourceAnalysis::builtInPart(const FunctionDecl *Def) {
  ASTContext &Ctx = Def->getASTContext();
  if (!Ctx.getDiagnostics().hasUncompilableErrorOccurred())
    return false; // A TU without errors has every statement it was written with.
  if (Def->isInvalidDecl())
    return true;
  return anyStmt(Def->getBody(), [&](const Stmt *S) {
    if (const auto *E = dyn_cast<Expr>(S))
      return E->containsErrors();
    if (const auto *DS = dyn_cast<DeclStmt>(S))
      return llvm::any_of(DS->decls(), [](const Decl *D) { return D->isInvalidDecl(); });
    if (const auto *CS = dyn_cast<CompoundStmt>(S))
      return droppedStatement(CS, Ctx);
    return false;
  });
}

std::vector<LeakFinding> ResourceAnalysis::analyze(const FunctionDecl *FD) {
  std::vector<LeakFinding> Out;
  const FunctionDecl *Def = nullptr;
  if (!FD->hasBody(Def))
    return Out;
  // A body the compiler built only in part (a statement dropped, an
  // expression it could not resolve): which paths exist, and what the
  // missing code did with a handle, is unknown, so no leak is reported.
  if (builtInPart(Def))
    return Out;
  // Acquisitions in this body (lambda bodies are functions of their own).
  struct Finder : FunctionBodyVisitor<Finder> {
    std::vector<const CallExpr *> Calls;
    bool VisitCallExpr(CallExpr *CE) {
      Calls.push_back(CE);
      return true;
    }
  } F;
  F.TraverseStmt(Def->getBody());
  const ParentIndex &PM = TU.handlerScope().parents(Def);
  for (const CallExpr *CE : F.Calls) {
    std::optional<AcquisitionInfo> Info = acquisitionOf(CE);
    if (!Info)
      continue;
    Tracking T;
    T.Acq = CE;
    T.Info = *Info;
    const FunctionDecl *Callee = CE->getDirectCallee();
    std::string Name = TU.names().qualifiedName(Callee);
    if (Info->Handle.Kind == model::HandleRef::OutArg) {
      if (Info->Handle.Index >= CE->getNumArgs())
        continue;
      const Expr *A = peel(CE->getArg(Info->Handle.Index));
      if (const auto *UO = dyn_cast<UnaryOperator>(A); UO && UO->getOpcode() == UO_AddrOf)
        A = peel(UO->getSubExpr());
      const auto *DRE = dyn_cast<DeclRefExpr>(A);
      const auto *VD = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
      if (!VD || !VD->hasLocalStorage() || isa<ParmVarDecl>(VD))
        continue; // Written to a global or through a parameter: escapes.
      T.Var = VD;
    } else if (Info->Handle.Kind == model::HandleRef::Return) {
      // Where does the returned handle go?
      const Stmt *Child = CE;
      const Stmt *P = PM.getParent(CE);
      // Through casts, and through a conditional whose branch it is
      // (`fp = fromfile ? fopen(path, "r") : stdin`).
      while (P && (isa<ImplicitCastExpr>(P) || isa<ParenExpr>(P) ||
                   isa<ExprWithCleanups>(P) ||
                   (isa<ConditionalOperator>(P) &&
                    cast<ConditionalOperator>(P)->getCond() != Child) ||
                   (isa<CastExpr>(P) && !cast<CastExpr>(P)->getType()->isVoidType()))) {
        Child = P;
        P = PM.getParent(P);
      }
      const VarDecl *Holder = nullptr;
      bool Discarded = false;
      if (!P || (!isa<Expr>(P) && !isa<DeclStmt>(P) && !isa<ReturnStmt>(P)))
        Discarded = !P || !isa<IfStmt>(P) || cast<IfStmt>(P)->getCond() != Child;
      else if (const auto *Cast = dyn_cast<CastExpr>(P); Cast && Cast->getType()->isVoidType())
        Discarded = true;
      else if (const auto *DS = dyn_cast<DeclStmt>(P)) {
        for (const Decl *D : DS->decls())
          if (const auto *VD = dyn_cast<VarDecl>(D))
            if (VD->getInit() && isValueOf(VD->getInit(), CE) && VD->hasLocalStorage() &&
                !VD->getType()->isReferenceType())
              Holder = VD;
      } else if (const auto *BO = dyn_cast<BinaryOperator>(P);
                 BO && BO->getOpcode() == BO_Assign && isValueOf(BO->getRHS(), CE)) {
        if (const auto *DRE = dyn_cast<DeclRefExpr>(peel(BO->getLHS())))
          if (const auto *VD = dyn_cast<VarDecl>(DRE->getDecl());
              VD && VD->hasLocalStorage() && !isa<ParmVarDecl>(VD) &&
              !VD->getType()->isReferenceType())
            Holder = VD;
      }
      if (Discarded) {
        LeakFinding L;
        L.Acquisition = CE;
        L.AcquireName = Name;
        L.Info = *Info;
        L.Kind = LeakFinding::Discarded;
        L.LeakLoc = CE->getBeginLoc();
        Out.push_back(std::move(L));
        continue;
      }
      if (!Holder)
        continue; // Returned, stored elsewhere, or handed to a call: escapes.
      // `list = curl_slist_append(list, s)` after an earlier acquisition
      // into `list`: the same resource, tracked from that one.
      if (continues(CE, Holder)) {
        const SourceManager &SM = Def->getASTContext().getSourceManager();
        bool Earlier = llvm::any_of(F.Calls, [&](const CallExpr *O) {
          if (O == CE || !SM.isBeforeInTranslationUnit(O->getBeginLoc(), CE->getBeginLoc()))
            return false;
          const Stmt *OP = PM.getParent(O);
          while (OP && (isa<ImplicitCastExpr>(OP) || isa<ParenExpr>(OP)))
            OP = PM.getParent(OP);
          const auto *OB = dyn_cast_or_null<BinaryOperator>(OP);
          const auto *OD = dyn_cast_or_null<DeclStmt>(OP);
          bool IntoHolder =
              (OB && OB->getOpcode() == BO_Assign && refersTo(OB->getLHS(), Holder)) ||
              (OD && OD->isSingleDecl() && OD->getSingleDecl() == Holder);
          return IntoHolder && acquisitionOf(O).has_value();
        });
        if (Earlier)
          continue;
      }
      T.Var = Holder;
    } else {
      continue; // Handles in arguments or `this`: nothing new to track.
    }
    std::vector<const FunctionDecl *> Unseen;
    UnseenSink = &Unseen;
    std::optional<LeakFinding> L = explore(Def, T);
    UnseenSink = nullptr;
    if (L) {
      L->AcquireName = Name;
      L->Unseen = std::move(Unseen);
      Out.push_back(std::move(*L));
    }
  }
  const SourceManager &SM = Def->getASTContext().getSourceManager();
  llvm::sort(Out, [&](const LeakFinding &A, const LeakFinding &B) {
    return SM.isBeforeInTranslationUnit(A.Acquisition->getBeginLoc(),
                                        B.Acquisition->getBeginLoc());
  });
  return Out;
}

std::vector<HelperSummary>
ResourceAnalysis::summarize(llvm::ArrayRef<const FunctionDecl *> Functions) {
  std::vector<HelperSummary> Out;
  const model::ApiModel &M = TU.model();
  // The names each function calls, directly or through functions of the
  // TU: a parameter can only be released by a resource whose release
  // function is among them.
  llvm::DenseMap<const FunctionDecl *, llvm::StringSet<>> Called;
  std::function<const llvm::StringSet<> &(const FunctionDecl *, unsigned)> CalledBy =
      [&](const FunctionDecl *FD, unsigned Depth) -> const llvm::StringSet<> & {
    auto [It, New] = Called.try_emplace(FD);
    if (!New)
      return It->second;
    llvm::StringSet<> Names;
    const FunctionDecl *Def = nullptr;
    if (FD->hasBody(Def)) {
      struct Calls : RecursiveASTVisitor<Calls> {
        std::vector<const FunctionDecl *> Callees;
        bool VisitCallExpr(CallExpr *CE) {
          if (const FunctionDecl *C = CE->getDirectCallee())
            Callees.push_back(C);
          return true;
        }
      } V;
      V.TraverseStmt(Def->getBody());
      for (const FunctionDecl *C : V.Callees) {
        Names.insert(TU.names().qualifiedName(C));
        if (Depth < 4 && !isInSystemHeader(C) && C->hasBody())
          for (const auto &N : CalledBy(C->getCanonicalDecl(), Depth + 1))
            Names.insert(N.getKey());
      }
    }
    Called[FD] = std::move(Names);
    return Called[FD];
  };
  for (const FunctionDecl *FD : Functions) {
    const FunctionDecl *Def = nullptr;
    if (!FD->hasBody(Def) || isInSystemHeader(Def) || !Def->isExternallyVisible() ||
        isa<CXXMethodDecl>(Def) && cast<CXXMethodDecl>(Def)->getParent()->isLambda())
      continue;
    if (std::optional<AcquisitionInfo> A = helperAcquisition(Def))
      Out.push_back({FD, A->Kind, true, 0});
    const llvm::StringSet<> &Names = CalledBy(FD->getCanonicalDecl(), 0);
    if (Names.empty())
      continue;
    for (const model::Resource &R : M.resources()) {
      if (llvm::none_of(R.Release, [&](const model::CallSpec &C) {
            return llvm::any_of(Names, [&](const auto &N) { return C.Function.matches(N.getKey()); });
          }))
        continue;
      AcquisitionInfo Info;
      Info.Kind = R.Kind;
      Info.Invalid = R.Invalid;
      Info.Handle.Kind = model::HandleRef::Return;
      for (const model::CallSpec &Rel : R.Release)
        Info.Releases.emplace_back(Rel.Function, Rel.Handle);
      for (unsigned I = 0; I < Def->getNumParams(); ++I) {
        QualType PT = Def->getParamDecl(I)->getType();
        if (!PT->isPointerType() && !PT->isIntegerType())
          continue;
        if (helperReleasesParam(Def, I, Info))
          Out.push_back({FD, R.Kind, false, I});
      }
    }
  }
  return Out;
}

} // namespace serverless
