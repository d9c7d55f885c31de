//===--- ShutdownAnalysis.cpp - What a graceful shutdown must do ----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Analysis/ShutdownAnalysis.h"
#include "AST/BodyVisitor.h"
#include "AST/StmtWalk.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Analysis/CFG.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/SmallPtrSet.h"
#include <deque>
#include <set>

using namespace clang;

namespace serverless {

namespace {

/// The variable an expression designates (`v`, `&v`, `*v`, `v[i]`, and
/// the model's views: `v.get()`, `v->`, `std::move(v)`), canonical.
const VarDecl *varOf(CallBinding &B, const Expr *E) {
  const VarDecl *V = B.designated(E);
  return V ? V->getCanonicalDecl() : nullptr;
}

/// The spelling of a callee (`std::atexit`, not the `::atexit` it names).
std::string spelledCallee(const CallExpr *CE, const ASTContext &Ctx,
                          const std::string &Fallback) {
  const Expr *C = CE->getCallee()->IgnoreParenImpCasts();
  if (const auto *DRE = dyn_cast<DeclRefExpr>(C)) {
    SourceRange R(DRE->getQualifierLoc() ? DRE->getQualifierLoc().getBeginLoc()
                                         : DRE->getLocation(),
                  DRE->getLocation());
    if (R.getBegin().isFileID() && R.getEnd().isFileID()) {
      StringRef Text = Lexer::getSourceText(CharSourceRange::getTokenRange(R),
                                            Ctx.getSourceManager(),
                                            Ctx.getLangOpts());
      if (!Text.empty())
        return Text.str();
    }
  }
  return Fallback;
}

/// Is \p E the signal SIGTERM: the value 15 or a macro spelled SIGTERM?
bool isSigterm(const Expr *E, const ASTContext &Ctx) {
  if (!E)
    return false;
  SourceLocation Loc = E->getBeginLoc();
  if (Loc.isMacroID() &&
      Lexer::getImmediateMacroName(Loc, Ctx.getSourceManager(),
                                   Ctx.getLangOpts()) == "SIGTERM")
    return true;
  Expr::EvalResult Result;
  if (!E->isValueDependent() && E->EvaluateAsInt(Result, Ctx))
    return Result.Val.getInt() == 15;
  return false;
}

const FunctionDecl *definition(const FunctionDecl *FD) {
  const FunctionDecl *Def = nullptr;
  return FD && FD->hasBody(Def) ? Def : nullptr;
}

const FunctionDecl *canon(const FunctionDecl *FD) {
  return FD ? cast<FunctionDecl>(FD->getCanonicalDecl()) : nullptr;
}

} // namespace

//===----------------------------------------------------------------------===//
// Shared state
//===----------------------------------------------------------------------===//

struct ShutdownAnalysis::Impl {
  TUContext &TU;
  ASTContext &Ctx;
  const model::ApiModel &Model;
  NameCache &Names;
  HandlerScope &Scope;

  explicit Impl(TUContext &TU)
      : TU(TU), Ctx(TU.astContext()), Model(TU.model()), Names(TU.names()),
        Scope(TU.handlerScope()) {}

  /// Calls and deletes in one function body (its callees are the TU's call
  /// graph: HandlerScope::callees).
  struct Summary {
    std::vector<const CallExpr *> Calls;
    std::vector<std::pair<const Stmt *, const VarDecl *>> Deletes;
  };
  llvm::DenseMap<const FunctionDecl *, std::unique_ptr<Summary>> Summaries;

  const Summary &summary(const FunctionDecl *FD);
  /// Parameters bound to \p R's handle by the calls on the way.
  using Bound = llvm::SmallPtrSet<const VarDecl *, 4>;
  /// Does \p S itself flush (or release) \p R? Fills \p W.
  bool acts(const Stmt *S, const InitResource &R, bool Flush,
            ReleaseWitness *W, const Bound *Params = nullptr);
  /// Does \p FD or what it calls flush (or release) \p R?
  bool reaches(const FunctionDecl *FD, const InitResource &R, bool Flush,
               ReleaseWitness *W, Bound Initial = {});
  /// The parameters of \p Callee that receive R's handle at \p Site.
  Bound boundParams(const Stmt *Site, const FunctionDecl *Callee,
                    const InitResource &R, const Bound &Outer);
  /// Does \p S act on \p R directly or through a call?
  bool actsTransitively(const Stmt *S, const InitResource &R, bool Flush);
  /// Does every CFG path of \p FD from just after \p Start to the exit
  /// (or from the entry when \p Start is null) act on \p R? With
  /// \p ErrorExitsExempt, a path that leaves through an error exit (a
  /// `return` of a non-zero constant, a `throw`, `exit(1)`, `abort()`) needs
  /// no action: it is not the normal path out.
  bool onEveryPath(const FunctionDecl *FD, const Stmt *Start,
                   const InitResource &R, bool Flush,
                   bool ErrorExitsExempt = false);
  CFG *cfgOf(const FunctionDecl *FD);

  bool holds(const InitResource &R, const VarDecl *V) const {
    if (!V)
      return false;
    return V == R.Var || llvm::is_contained(R.Aliases, V);
  }
};

namespace {
class SummaryBuilder : public FunctionBodyVisitor<SummaryBuilder> {
public:
  SummaryBuilder(ShutdownAnalysis::Impl::Summary &S, CallBinding &B) : S(S), B(B) {}
  bool shouldVisitImplicitCode() const { return true; }
  bool VisitCallExpr(CallExpr *CE) {
    S.Calls.push_back(CE);
    return true;
  }
  bool VisitCXXDeleteExpr(CXXDeleteExpr *DE) {
    S.Deletes.push_back({DE, varOf(B, DE->getArgument())});
    return true;
  }

private:
  ShutdownAnalysis::Impl::Summary &S;
  CallBinding &B;
};
} // namespace

const ShutdownAnalysis::Impl::Summary &
ShutdownAnalysis::Impl::summary(const FunctionDecl *FD) {
  FD = canon(FD);
  auto &Slot = Summaries[FD];
  if (!Slot) {
    Slot = std::make_unique<Summary>();
    if (const FunctionDecl *Def = definition(FD)) {
      SummaryBuilder B(*Slot, TU.binding());
      B.TraverseStmt(Def->getBody());
      if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Def))
        for (const CXXCtorInitializer *Init : Ctor->inits())
          if (Init->getInit())
            B.TraverseStmt(Init->getInit());
    }
  }
  return *Slot;
}

bool ShutdownAnalysis::Impl::acts(const Stmt *S, const InitResource &R,
                                  bool Flush, ReleaseWitness *W,
                                  const Bound *Params) {
  auto Holds = [&](const VarDecl *V) {
    return holds(R, V) || (V && Params && Params->count(V));
  };
  auto Found = [&](const Stmt *Site, std::string Callee) {
    if (W)
      *W = {Site, std::move(Callee)};
    return true;
  };
  if (const auto *DE = dyn_cast<CXXDeleteExpr>(S)) {
    if (!Flush && R.ReleasedByDelete && Holds(varOf(TU.binding(), DE->getArgument())))
      return Found(DE, "delete");
    return false;
  }
  const auto *CE = dyn_cast<CallExpr>(S);
  if (!CE)
    return false;
  const FunctionDecl *Callee = CE->getDirectCallee();
  if (!Callee)
    return false;
  const std::string &N = Names.qualifiedName(Callee);
  for (const model::CallSpec *Spec : Flush ? R.Flush : R.Release)
    if (Spec->Function.matches(N) && Holds(varOf(TU.binding(), CallBinding::handleExpr(CE, Spec->Handle))))
      return Found(CE, N);
  // unique_ptr::reset() / shared_ptr::reset() on the holder: the models'
  // ownership_transfer members (a user class's own `reset()` is not one).
  if (!Flush && R.ReleasedByDelete)
    if (const auto *MC = dyn_cast<CXXMemberCallExpr>(CE))
      if (TU.binding().ownershipTransfer(MC) &&
          Holds(varOf(TU.binding(), MC->getImplicitObjectArgument())))
        return Found(CE, N);
  return false;
}

ShutdownAnalysis::Impl::Bound
ShutdownAnalysis::Impl::boundParams(const Stmt *Site,
                                    const FunctionDecl *Callee,
                                    const InitResource &R, const Bound &Outer) {
  Bound Params;
  const FunctionDecl *Def = definition(Callee);
  llvm::ArrayRef<const Expr *> Args;
  if (const auto *CE = dyn_cast<CallExpr>(Site))
    Args = llvm::ArrayRef(CE->getArgs(), CE->getNumArgs());
  else if (const auto *CC = dyn_cast<CXXConstructExpr>(Site))
    Args = llvm::ArrayRef(CC->getArgs(), CC->getNumArgs());
  if (Def && !isa<CXXOperatorCallExpr>(Site))
    for (unsigned A = 0; A < Args.size() && A < Def->getNumParams(); ++A)
      if (const VarDecl *V = varOf(TU.binding(), Args[A]);
          V && (holds(R, V) || Outer.count(V)))
        Params.insert(Def->getParamDecl(A));
  return Params;
}

bool ShutdownAnalysis::Impl::reaches(const FunctionDecl *Root,
                                     const InitResource &R, bool Flush,
                                     ReleaseWitness *W, Bound Initial) {
  // BFS over calls; a parameter that receives R's handle (`close_db(pg)`)
  // holds R inside the callee. A function is visited once per "receives the
  // handle or not", which is enough for helpers that take it as an argument.
  struct State {
    const FunctionDecl *FD;
    Bound Params;
  };
  std::set<std::pair<const FunctionDecl *, bool>> Seen;
  std::deque<State> Work;
  Seen.insert({canon(Root), !Initial.empty()});
  Work.push_back({Root, std::move(Initial)});
  while (!Work.empty()) {
    State Cur = std::move(Work.front());
    Work.pop_front();
    const Summary &S = summary(Cur.FD);
    for (const CallExpr *CE : S.Calls)
      if (acts(CE, R, Flush, W, &Cur.Params))
        return true;
    for (const auto &D : S.Deletes)
      if (acts(D.first, R, Flush, W, &Cur.Params))
        return true;
    for (const CallStep &E : Scope.callees(Cur.FD)) {
      const FunctionDecl *Callee = E.Callee;
      if (!Callee->hasBody())
        continue;
      Bound Params = boundParams(E.Site, Callee, R, Cur.Params);
      if (Seen.insert({canon(Callee), !Params.empty()}).second)
        Work.push_back({Callee, std::move(Params)});
    }
  }
  return false;
}

bool ShutdownAnalysis::Impl::actsTransitively(const Stmt *S,
                                              const InitResource &R,
                                              bool Flush) {
  if (acts(S, R, Flush, nullptr))
    return true;
  if (const auto *CE = dyn_cast<CallExpr>(S))
    if (const FunctionDecl *F = definition(CE->getDirectCallee()))
      if (!isInSystemHeader(F))
        return reaches(F, R, Flush, nullptr, boundParams(CE, F, R, {}));
  return false;
}

CFG *ShutdownAnalysis::Impl::cfgOf(const FunctionDecl *FD) {
  // Implicit destructors: a local client by value (or a unique_ptr) is
  // closed when main returns. No exception edges: a throw out of main
  // terminates the process without a graceful shutdown either way.
  return TU.cfgs().get(canon(FD), CFGShape::Destructors);
}

/// Is \p S an error exit out of the function: `return` of a non-zero integer
/// constant, a `throw`, or a call to a noreturn function with no argument or
/// a non-zero constant first argument (`exit(1)`, `std::exit(EXIT_FAILURE)`,
/// `abort()`)?
static bool isErrorExit(const Stmt *S, ASTContext &Ctx) {
  auto NonZero = [&](const Expr *E) {
    if (!E || E->isValueDependent())
      return false;
    Expr::EvalResult R;
    return E->EvaluateAsInt(R, Ctx) && R.Val.getInt() != 0;
  };
  if (const auto *RS = dyn_cast<ReturnStmt>(S))
    return NonZero(RS->getRetValue());
  if (isa<CXXThrowExpr>(S))
    return true;
  if (const auto *CE = dyn_cast<CallExpr>(S))
    if (const FunctionDecl *FD = CE->getDirectCallee(); FD && FD->isNoReturn())
      return CE->getNumArgs() == 0 || NonZero(CE->getArg(0));
  return false;
}

bool ShutdownAnalysis::Impl::onEveryPath(const FunctionDecl *FD,
                                         const Stmt *Start,
                                         const InitResource &R, bool Flush,
                                         bool ErrorExitsExempt) {
  CFG *G = cfgOf(FD);
  if (!G)
    return false;
  // Element-level check: acting on R, or the end of R's holder's scope when
  // its destructor releases it.
  auto ElementActs = [&](const CFGElement &E) {
    if (auto S = E.getAs<CFGStmt>())
      return (ErrorExitsExempt && isErrorExit(S->getStmt(), Ctx)) ||
             actsTransitively(S->getStmt(), R, Flush);
    if (auto D = E.getAs<CFGAutomaticObjDtor>())
      return !Flush && holds(R, D->getVarDecl()->getCanonicalDecl()) &&
             (R.StaticObject || R.ReleasedByDelete ||
              D->getVarDecl()->getType()->getAsCXXRecordDecl());
    return false;
  };
  std::vector<std::pair<const CFGBlock *, unsigned>> Work;
  if (Start) {
    for (const CFGBlock *B : *G) {
      for (unsigned I = 0; I < B->size(); ++I)
        if (auto S = (*B)[I].getAs<CFGStmt>(); S && S->getStmt() == Start) {
          Work.push_back({B, I + 1});
          break;
        }
      if (!Work.empty())
        break;
    }
    if (Work.empty())
      return false;
  } else {
    Work.push_back({&G->getEntry(), 0});
  }
  llvm::SmallPtrSet<const CFGBlock *, 32> Seen;
  while (!Work.empty()) {
    auto [B, From] = Work.back();
    Work.pop_back();
    bool Done = false;
    for (unsigned I = From; I < B->size() && !Done; ++I)
      Done = ElementActs((*B)[I]);
    if (Done)
      continue;
    if (B == &G->getExit())
      return false; // A path reaches the exit without the action.
    for (const CFGBlock *Succ : B->succs())
      if (Succ && Seen.insert(Succ).second)
        Work.push_back({Succ, 0});
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Collection over the TU
//===----------------------------------------------------------------------===//

namespace {

/// Everything the analysis needs from one walk over the user code.
class Collector : public RecursiveASTVisitor<Collector> {
public:
  struct Candidate {
    const VarDecl *Var;
    const Expr *Init;
    const FunctionDecl *Function;
    const Stmt *Where; // DeclStmt or assignment, for scope checks.
  };
  std::vector<Candidate> Candidates;
  std::vector<std::pair<const CallExpr *, const FunctionDecl *>> Calls;
  std::vector<std::pair<const VarDecl *, const VarDecl *>> Copies; // to, from

  bool shouldVisitImplicitCode() const { return false; }
  bool shouldVisitLambdaBodies() const { return true; }

  bool TraverseDecl(Decl *D) {
    if (D && !isa<TranslationUnitDecl>(D) && isInSystemHeader(D))
      return true;
    const FunctionDecl *Saved = Current;
    if (const auto *FD = dyn_cast_or_null<FunctionDecl>(D);
        FD && FD->doesThisDeclarationHaveABody())
      Current = FD;
    bool R = RecursiveASTVisitor::TraverseDecl(D);
    Current = Saved;
    return R;
  }
  bool TraverseLambdaExpr(LambdaExpr *LE) {
    const FunctionDecl *Saved = Current;
    Current = LE->getCallOperator();
    bool R = RecursiveASTVisitor::TraverseLambdaExpr(LE);
    Current = Saved;
    return R;
  }
  bool VisitVarDecl(VarDecl *VD) {
    if (isa<ParmVarDecl>(VD) || !VD->getInit())
      return true;
    Candidates.push_back({VD->getCanonicalDecl(), VD->getInit(),
                          VD->hasGlobalStorage() && !VD->isStaticLocal()
                              ? nullptr
                              : Current,
                          nullptr});
    return true;
  }
  void assignment(const Expr *LHS, const Expr *RHS, const Stmt *Where) {
    const VarDecl *To = varOf(*Bind, LHS);
    if (!To || !Current)
      return;
    if (const VarDecl *From = varOf(*Bind, RHS))
      Copies.push_back({To, From});
    else if (To->hasGlobalStorage())
      Candidates.push_back({To, RHS, Current, Where});
  }
  bool VisitBinaryOperator(BinaryOperator *BO) {
    if (BO->getOpcode() == BO_Assign)
      assignment(BO->getLHS(), BO->getRHS(), BO);
    return true;
  }
  bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *OC) {
    if (OC->getOperator() == OO_Equal && OC->getNumArgs() == 2)
      assignment(OC->getArg(0), OC->getArg(1), OC);
    return true;
  }
  bool VisitCallExpr(CallExpr *CE) {
    if (!Current)
      return true;
    Calls.push_back({CE, Current});
    // g.reset(new Client) assigns the global (a model ownership_transfer
    // member, not any method named reset).
    if (const auto *MC = dyn_cast<CXXMemberCallExpr>(CE))
      if (const model::OwnershipTransfer *O = ownershipTransferAt(MC, *Model, *Names);
          O && O->Arg < MC->getNumArgs())
        assignment(MC->getImplicitObjectArgument(), MC->getArg(O->Arg), MC);
    return true;
  }

  const model::ApiModel *Model = nullptr;
  NameCache *Names = nullptr;
  CallBinding *Bind = nullptr;

private:
  const FunctionDecl *Current = nullptr;
};

} // namespace

//===----------------------------------------------------------------------===//
// The analysis
//===----------------------------------------------------------------------===//

ShutdownAnalysis &ShutdownAnalysis::get(TUContext &TU) {
  return TU.shared<ShutdownAnalysis>(
      [&] { return std::make_unique<ShutdownAnalysis>(TU); });
}

ShutdownAnalysis::~ShutdownAnalysis() = default;

std::vector<GlobalAction>
ShutdownAnalysis::globalActions(llvm::ArrayRef<const FunctionDecl *> Functions) {
  std::vector<GlobalAction> Out;
  const model::ApiModel &M = P->Model;
  auto Global = [this](const Expr *E) -> const VarDecl * {
    const VarDecl *V = E ? varOf(P->TU.binding(), E) : nullptr;
    return V && V->hasGlobalStorage() && !V->isStaticLocal() ? V->getCanonicalDecl() : nullptr;
  };
  auto Add = [&](const FunctionDecl *FD, const VarDecl *V, bool Flush) {
    for (const GlobalAction &A : Out)
      if (A.Function == FD && A.Global == V && A.Flush == Flush)
        return;
    Out.push_back({FD, V, Flush});
  };
  for (const FunctionDecl *FD : Functions) {
    const FunctionDecl *Def = definition(FD);
    if (!Def || isInSystemHeader(Def))
      continue;
    const Impl::Summary &S = P->summary(Def);
    for (const auto &[Site, V] : S.Deletes)
      if (V && V->hasGlobalStorage() && !V->isStaticLocal())
        Add(FD, V->getCanonicalDecl(), false);
    for (const CallExpr *CE : S.Calls) {
      const FunctionDecl *Callee = CE->getDirectCallee();
      if (!Callee)
        continue;
      const std::string &N = P->Names.qualifiedName(Callee);
      auto Scan = [&](llvm::ArrayRef<model::CallSpec> Specs, bool Flush) {
        for (const model::CallSpec &Spec : Specs)
          if (Spec.Function.matches(N))
            if (const VarDecl *V = Global(CallBinding::handleExpr(CE, Spec.Handle)))
              Add(FD, V, Flush);
      };
      for (const model::Resource &R : M.resources()) {
        Scan(R.Flush, true);
        Scan(R.Release, false);
      }
      for (const model::ClientType &C : M.clients()) {
        Scan(C.Flush, true);
        Scan(C.Release, false);
      }
    }
  }
  return Out;
}

std::string ShutdownAnalysis::requiredAction(const InitResource &R) {
  std::vector<std::string> Parts;
  auto Text = [](const model::CallSpec *S) { return S->Function.text(); };
  if (R.needsFlush())
    Parts.push_back("calls " + Text(R.Flush.front()));
  if (!R.Release.empty()) {
    if (Parts.empty())
      Parts.push_back("calls " + Text(R.Release.front()));
    else if (Text(R.Release.front()) != Text(R.Flush.front()))
      Parts.back() += " and " + Text(R.Release.front());
  } else if (R.ReleasedByDelete) {
    Parts.push_back("deletes it");
  } else if (Parts.empty()) {
    Parts.push_back("closes it");
  }
  std::string Out;
  for (const std::string &P : Parts)
    Out += (Out.empty() ? "" : " and ") + P;
  return Out;
}

ShutdownAnalysis::ShutdownAnalysis(TUContext &TU)
    : P(std::make_unique<Impl>(TU)) {
  Impl &I = *P;
  ASTContext &Ctx = I.Ctx;
  const model::ApiModel &Model = I.Model;
  NameCache &Names = I.Names;
  HandlerScope &Scope = I.Scope;

  Collector C;
  C.Model = &Model;
  C.Names = &Names;
  C.Bind = &TU.binding();
  C.TraverseDecl(Ctx.getTranslationUnitDecl());

  // Registrar calls and the functions they are in.
  std::vector<std::pair<const CallExpr *, const FunctionDecl *>> Registrars;
  for (const Handler &H : Scope.handlers())
    if (H.Registration)
      for (const auto &[CE, FD] : C.Calls)
        if (CE == H.Registration && Scope.inInitScope(FD))
          Registrars.push_back({CE, FD});

  // Client type of a (pointer to / smart pointer to) record type.
  auto ClientOf = [&](QualType T) -> const model::ClientType * {
    if (T.isNull())
      return nullptr;
    QualType Peeled = T.getNonReferenceType();
    while (Peeled->isPointerType())
      Peeled = Peeled->getPointeeType();
    if (const auto *TT = Peeled->getAs<TypedefType>())
      if (const model::ClientType *CT =
              Model.clientType(Names.qualifiedName(TT->getDecl())))
        return CT;
    if (const CXXRecordDecl *RD = NameCache::recordOf(T))
      return Model.clientType(Names.qualifiedName(RD));
    if (const auto *RT = Peeled->getAs<RecordType>()) // C structs.
      return Model.clientType(Names.qualifiedName(RT->getDecl()));
    return nullptr;
  };
  // The alias the code spells (`pqxx::connection`) names the type.
  auto Display = [&](QualType T) {
    if (const auto *TT = T->getAs<TypedefType>())
      return Names.qualifiedName(TT->getDecl());
    return displayTypeName(T);
  };
  auto FromClient = [&](const model::ClientType &CT, std::string From,
                        InitResource &R) {
    R.Kind = CT.Kind;
    R.From = std::move(From);
    R.Shutdown = CT.Shutdown;
    for (const model::CallSpec &S : CT.Flush)
      R.Flush.push_back(&S);
    for (const model::CallSpec &S : CT.Release)
      R.Release.push_back(&S);
  };

  // Classifies an initializer / assigned value.
  auto Classify = [&](const Expr *E, InitResource &R) -> bool {
    E = peel(E);
    if (!E)
      return false;
    if (const auto *CE = dyn_cast<CallExpr>(E)) {
      const FunctionDecl *Callee = CE->getDirectCallee();
      if (!Callee)
        return false;
      const std::string &N = Names.qualifiedName(Callee);
      BoundAcquisition A = TU.binding().acquisition(CE);
      const model::Resource *Res = A.Resource;
      if (Res && A.Spec && A.Spec->Handle.Kind == model::HandleRef::Return) {
        R.Kind = A.Kind; // kind_if_arg read by the binding, once.
        R.From = N;
        R.Shutdown = A.Shutdown;
        for (const model::CallSpec &S : Res->Flush)
          R.Flush.push_back(&S);
        for (const model::CallSpec &S : Res->Release)
          R.Release.push_back(&S);
        R.Site = CE;
        return true;
      }
      if (const model::Factory *F = Model.factory(N)) {
        const model::ClientType *CT = nullptr;
        if (F->CreatesTemplateArg) {
          const TemplateArgumentList *Args = Callee->getTemplateSpecializationArgs();
          if (Args && *F->CreatesTemplateArg < Args->size() &&
              (*Args)[*F->CreatesTemplateArg].getKind() == TemplateArgument::Type)
            CT = ClientOf((*Args)[*F->CreatesTemplateArg].getAsType());
        } else {
          CT = Model.clientType(F->Creates);
        }
        if (!CT)
          return false;
        FromClient(*CT, N, R);
        R.ReleasedByDelete = true;
        R.Site = CE;
        return true;
      }
      return false;
    }
    if (const auto *NE = dyn_cast<CXXNewExpr>(E)) {
      if (const model::ClientType *CT = ClientOf(NE->getAllocatedType())) {
        FromClient(*CT, Display(NE->getAllocatedType()), R);
        R.ReleasedByDelete = true;
        R.Site = NE;
        return true;
      }
      return false;
    }
    if (const auto *CE = dyn_cast<CXXConstructExpr>(E)) {
      if (CE->getConstructor()->isCopyOrMoveConstructor())
        return false;
      if (const model::ClientType *CT = ClientOf(CE->getType())) {
        FromClient(*CT, Display(CE->getType()), R);
        R.StaticObject = true;
        R.Site = CE;
        return true;
      }
    }
    return false;
  };

  // Does a registrar call in FD follow the declaration Where (in a block
  // enclosing it), so the local lives across it?
  auto LivesAcrossRegistrar = [&](const VarDecl *VD, const FunctionDecl *FD) {
    const ParentIndex &PM = Scope.parents(FD);
    for (const auto &[Reg, RegFn] : Registrars) {
      if (canon(RegFn) != canon(FD))
        continue;
      if (!Ctx.getSourceManager().isBeforeInTranslationUnit(VD->getLocation(),
                                                            Reg->getBeginLoc()))
        continue;
      // A block enclosing the registrar call must declare VD.
      const Stmt *DeclBlock = nullptr;
      for (const Stmt *S = PM.getParent(Reg); S && !DeclBlock;
           S = PM.getParent(S))
        if (const auto *CS = dyn_cast<CompoundStmt>(S))
          for (const Stmt *Child : CS->body())
            if (const auto *DS = dyn_cast<DeclStmt>(Child))
              for (const Decl *D : DS->decls())
                if (D->getCanonicalDecl() == VD)
                  DeclBlock = CS;
      if (DeclBlock)
        return true;
    }
    return false;
  };

  llvm::SmallPtrSet<const VarDecl *, 16> SeenVars;
  for (const Collector::Candidate &Cand : C.Candidates) {
    InitResource R;
    if (!Classify(Cand.Init, R) || R.Shutdown.empty() || R.Shutdown == "exit")
      continue;
    const VarDecl *VD = Cand.Var;
    // Globals and statics live for the process; locals must outlive the
    // registrar call in an init-scope function.
    if (!VD->hasGlobalStorage()) {
      if (!Cand.Function || !Scope.inInitScope(Cand.Function) ||
          !LivesAcrossRegistrar(VD, Cand.Function))
        continue;
      R.Local = true;
    }
    // Only an object held by value is destroyed by a static destructor.
    R.StaticObject = R.StaticObject && VD->hasGlobalStorage() &&
                     VD->getType()->getAsCXXRecordDecl();
    if (!SeenVars.insert(VD).second)
      continue;
    R.Var = VD;
    R.Function = Cand.Function;
    R.Name = VD->getNameAsString();
    Resources.push_back(std::move(R));
  }
  // `g = local;` and `local2 = g;` copies of a handle.
  for (InitResource &R : Resources)
    for (const auto &[To, From] : C.Copies) {
      if (From == R.Var && To != R.Var && !llvm::is_contained(R.Aliases, To))
        R.Aliases.push_back(To);
      else if (To == R.Var && From != R.Var && !llvm::is_contained(R.Aliases, From))
        R.Aliases.push_back(From);
    }

  // "exit" acquisitions (process-global state) in init scope.
  for (const auto &[CE, FD] : C.Calls) {
    const FunctionDecl *Callee = CE->getDirectCallee();
    if (!Callee || !Scope.inInitScope(FD))
      continue;
    auto [Res, Spec] = Model.acquisition(Names.qualifiedName(Callee));
    if (!Res || Res->Shutdown != "exit")
      continue;
    InitResource R;
    R.Site = CE;
    R.Function = FD;
    R.Kind = Res->Kind;
    R.From = Names.qualifiedName(Callee);
    R.Shutdown = "exit";
    R.Name = R.From;
    for (const model::CallSpec &S : Res->Release)
      R.Release.push_back(&S);
    if (const Expr *H = CallBinding::handleExpr(CE, Spec->Handle))
      R.Var = varOf(TU.binding(), H);
    Resources.push_back(std::move(R));
  }

  // Signal and exit hooks. The model is asked once per callee (a long
  // handler calls a few functions tens of thousands of times).
  llvm::DenseMap<const FunctionDecl *,
                 std::pair<const model::SignalInstaller *, const model::ExitHook *>>
      HookEntries;
  for (const auto &[CE, FD] : C.Calls) {
    const FunctionDecl *Callee = CE->getDirectCallee();
    if (!Callee)
      continue;
    const std::string &N = Names.qualifiedName(Callee);
    auto [Entry, New] = HookEntries.try_emplace(Callee);
    if (New)
      Entry->second = {Model.signalInstaller(N), Model.exitHook(N)};
    if (const model::SignalInstaller *SI = Entry->second.first) {
      if (SI->SignalArg >= CE->getNumArgs())
        continue;
      SigtermHook H;
      H.Install = CE;
      H.Installer = spelledCallee(CE, Ctx, N);
      if (!SI->HandlerArg) {
        // signalfd, sigwait: the signal set must contain SIGTERM
        // (sigaddset(&set, SIGTERM) in the same function); the function
        // reads the fd or waits, and it must run: be in init scope (called
        // from main, or a thread started there).
        if (!Scope.inInitScope(FD))
          continue;
        const VarDecl *Set = varOf(TU.binding(), CE->getArg(SI->SignalArg));
        bool HasTerm = false;
        for (const CallExpr *Other : I.summary(FD).Calls) {
          bool Term = false, OnSet = false;
          for (const Expr *A : Other->arguments()) {
            Term |= isSigterm(A, Ctx);
            OnSet |= Set && varOf(TU.binding(), A) == Set;
          }
          HasTerm |= Term && OnSet;
        }
        if (!HasTerm)
          continue;
        H.FromSignalFd = true;
        H.Handler = FD;
        H.Name = displayFunctionName(FD, Names);
        Hooks.push_back(std::move(H));
        continue;
      }
      if (!isSigterm(CE->getArg(SI->SignalArg), Ctx) ||
          *SI->HandlerArg >= CE->getNumArgs())
        continue;
      const Expr *Arg = CE->getArg(*SI->HandlerArg);
      const FunctionDecl *Handler = nullptr;
      if (SI->HandlerFields.empty()) {
        Handler = Scope.calleeOfCallable(Arg, &H.Name);
      } else if (const VarDecl *Act = varOf(TU.binding(), Arg)) {
        // sa.sa_handler = on_term; in the installing function.
        struct FieldStores : RecursiveASTVisitor<FieldStores> {
          const VarDecl *Act;
          const std::vector<std::string> &Fields;
          CallBinding &B;
          const Expr *Value = nullptr;
          FieldStores(const VarDecl *A, const std::vector<std::string> &F, CallBinding &B)
              : Act(A), Fields(F), B(B) {}
          bool VisitBinaryOperator(BinaryOperator *BO) {
            if (BO->getOpcode() != BO_Assign)
              return true;
            const Expr *L = BO->getLHS()->IgnoreParenImpCasts();
            const auto *ME = dyn_cast<MemberExpr>(L);
            if (!ME || !llvm::is_contained(Fields,
                                           ME->getMemberDecl()->getNameAsString()))
              return true;
            const Expr *Base = ME->getBase()->IgnoreParenImpCasts();
            while (const auto *Inner = dyn_cast<MemberExpr>(Base))
              Base = Inner->getBase()->IgnoreParenImpCasts();
            if (varOf(B, Base) == Act)
              Value = BO->getRHS();
            return true;
          }
        } Stores(Act, SI->HandlerFields, TU.binding());
        if (const FunctionDecl *Def = definition(FD))
          Stores.TraverseStmt(Def->getBody());
        if (Stores.Value)
          Handler = Scope.calleeOfCallable(Stores.Value, &H.Name);
      }
      if (!(Handler = definition(Handler)) || isInSystemHeader(Handler))
        continue; // SIG_IGN, SIG_DFL, or a handler we cannot see.
      H.Handler = Handler;
      if (H.Name.empty())
        H.Name = displayFunctionName(Handler, Names);
      // Direct calls that are not async-signal-safe.
      for (const CallExpr *Call : I.summary(Handler).Calls) {
        const FunctionDecl *F = Call->getDirectCallee();
        if (!F)
          continue;
        const FunctionDecl *Def = definition(F);
        if (Def && !isInSystemHeader(Def))
          continue; // Our own helper: its body is what matters.
        if (F->getBuiltinID() && !Def)
          continue;
        const std::string &FN = Names.qualifiedName(F);
        if (!Model.isAsyncSignalSafe(FN))
          H.Unsafe.push_back({Call, FN});
      }
      Hooks.push_back(std::move(H));
      continue;
    }
    if (const model::ExitHook *EH = Entry->second.second) {
      if (EH->HandlerArg >= CE->getNumArgs())
        continue;
      ExitHookUse U;
      U.Install = CE;
      U.Installer = spelledCallee(CE, Ctx, N);
      U.Handler = definition(Scope.calleeOfCallable(CE->getArg(EH->HandlerArg), &U.Name));
      if (!U.Handler)
        continue;
      ExitHooks.push_back(std::move(U));
    }
  }

  // Findings.
  const FunctionDecl *Main = Scope.mainFunction();
  // The conditions of main's loops that test a static flag a SIGTERM handler
  // writes, when the loop does not call a registrar.
  std::vector<const Stmt *> FlagLoops;
  if (const FunctionDecl *MainDef = Main ? definition(Main) : nullptr) {
    llvm::SmallPtrSet<const VarDecl *, 4> Flags;
    for (const SigtermHook &H : Hooks)
      if (const FunctionDecl *HD = definition(H.Handler))
        walkStmts(HD->getBody(), [&](const Stmt *S) {
          if (const auto *BO = dyn_cast<BinaryOperator>(S); BO && BO->isAssignmentOp())
            if (const auto *DRE = dyn_cast<DeclRefExpr>(BO->getLHS()->IgnoreParenImpCasts()))
              if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V->hasGlobalStorage())
                Flags.insert(V->getCanonicalDecl());
          return true;
        });
    if (!Flags.empty())
      walkStmts(MainDef->getBody(), [&](const Stmt *S) {
        const Expr *Cond = nullptr;
        const Stmt *Body = nullptr;
        if (const auto *W = dyn_cast<WhileStmt>(S))
          Cond = W->getCond(), Body = W->getBody();
        else if (const auto *D = dyn_cast<DoStmt>(S))
          Cond = D->getCond(), Body = D->getBody();
        else if (const auto *F = dyn_cast<ForStmt>(S))
          Cond = F->getCond(), Body = F->getBody();
        if (!Cond)
          return true;
        bool TestsFlag = anyStmt(Cond, [&](const Stmt *X) {
          const auto *DRE = dyn_cast<DeclRefExpr>(X);
          const auto *V = DRE ? dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
          return V && Flags.count(V->getCanonicalDecl());
        });
        bool CallsRegistrar = anyStmt(Body, [&](const Stmt *X) {
          return llvm::any_of(Registrars, [&](const auto &RF) { return RF.first == X; });
        });
        if (TestsFlag && !CallsRegistrar)
          FlagLoops.push_back(Cond);
        return true;
      });
  }
  for (const InitResource &R : Resources) {
    ShutdownFinding F;
    F.Resource = &R;
    if (R.Shutdown == "exit") {
      // Released on every path out of main, from the acquisition on when it
      // is in main, from main's entry otherwise.
      if (!Main)
        continue;
      // The normal path out: an error exit (`return 1` when configuration
      // is missing, a `throw`, `exit(1)`) needs no release, and when main
      // calls the registrar (`run_handler`), the paths that never reach it
      // are error exits too: the release is checked from the registrar on.
      bool InMain = canon(R.Function) == canon(Main);
      const Stmt *From = InMain ? R.Site : nullptr;
      for (const auto &[Reg, RegFn] : Registrars)
        if (canon(RegFn) == canon(Main) &&
            (!InMain || Ctx.getSourceManager().isBeforeInTranslationUnit(
                            R.Site->getBeginLoc(), Reg->getBeginLoc()))) {
          From = Reg;
          break;
        }
      if (I.onEveryPath(Main, From, R, /*Flush=*/false,
                        /*ErrorExitsExempt=*/true))
        continue;
      F.Why = ShutdownFinding::NotReleasedOnExit;
      Findings.push_back(F);
      continue;
    }
    // Made unbuffered (setvbuf(f, NULL, _IONBF, 0), the model's
    // unbuffered_by): nothing is left to flush at shutdown.
    if (R.Shutdown == "flush")
      if (const model::Resource *Res = Model.resourceByKind(R.Kind);
          Res && !Res->UnbufferedBy.empty() &&
          llvm::any_of(C.Calls, [&](const auto &Call) {
            const CallExpr *CE = Call.first;
            const FunctionDecl *Callee = CE->getDirectCallee();
            if (!Callee)
              return false;
            const std::string &N = Names.qualifiedName(Callee);
            return llvm::any_of(Res->UnbufferedBy, [&](const model::ConditionalCall &U) {
              return U.Function.matches(N) &&
                     I.holds(R, varOf(TU.binding(), CallBinding::handleExpr(CE, U.Handle))) &&
                     llvm::all_of(U.If, [&](const model::ArgCondition &Cond) {
                       return conditionHolds(CE, Cond, Ctx);
                     });
            });
          }))
        continue;
    const bool Flush = R.needsFlush();
    bool Handled = false;
    // A local of main is reachable from a hook through a global it is
    // copied into (`shared = producer;`).
    const bool Reachable =
        !R.Local || llvm::any_of(R.Aliases, [](const VarDecl *A) { return A->hasGlobalStorage(); });
    if (Reachable)
      for (const SigtermHook &H : Hooks)
        if (I.reaches(H.Handler, R, Flush, nullptr)) {
          Handled = true;
          break;
        }
    // A SIGTERM handler that clears a flag ending main's own loop (`while
    // (run) { poll(...); }`), and the release on every path out of it: the
    // program's loop returns on SIGTERM. Not a loop around the registrar:
    // run_handler blocks in the Runtime API's next and never sees the flag.
    if (!Handled && Main && !FlagLoops.empty())
      for (const Stmt *Cond : FlagLoops)
        if (I.onEveryPath(Main, Cond, R, Flush, /*ErrorExitsExempt=*/true)) {
          Handled = true;
          break;
        }
    if (Handled)
      continue;
    // Released after the registrar returns, on every path?
    for (const auto &[Reg, RegFn] : Registrars) {
      if (R.Local && canon(RegFn) != canon(R.Function))
        continue;
      if (I.onEveryPath(RegFn, Reg, R, Flush)) {
        F.ReleasedAfter = Reg;
        break;
      }
    }
    if (F.ReleasedAfter) {
      const FunctionDecl *Callee = F.ReleasedAfter->getDirectCallee();
      const model::HandlerRegistrar *HR =
          Callee ? Model.handlerRegistrar(Names.qualifiedName(Callee)) : nullptr;
      F.RegistrarNeverReturns = HR && !HR->ReturnsOnSigterm;
    }
    if (F.ReleasedAfter && !Hooks.empty() && !F.RegistrarNeverReturns)
      continue;
    F.Why = Hooks.empty() ? ShutdownFinding::NoHook
                          : ShutdownFinding::HookMissesIt;
    if (!R.Local)
      for (const ExitHookUse &U : ExitHooks)
        if (I.reaches(U.Handler, R, Flush, &F.AtExitWitness)) {
          F.OnlyAtExit = &U;
          break;
        }
    Findings.push_back(F);
  }
  // Findings point into Resources/ExitHooks, which no longer change.
}

} // namespace serverless
