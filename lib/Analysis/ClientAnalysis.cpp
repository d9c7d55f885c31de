//===--- ClientAnalysis.cpp - Clients constructed in handler scope --------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Analysis/ClientAnalysis.h"
#include "AST/BodyVisitor.h"
#include "AST/Expr.h"
#include "AST/StmtWalk.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/RecursiveASTVisitor.h"

using namespace clang;

namespace serverless {

namespace {

using Site = ClientConstruction;

/// Finds client constructions in one function body (lambda bodies excluded:
/// their call operators are handler-scope functions of their own).
Site site(const Expr *E, std::string Name, std::string Factory) {
  Site S;
  S.Where = E;
  S.Loc = E->getBeginLoc();
  S.ClientName = std::move(Name);
  S.Factory = std::move(Factory);
  return S;
}

class ConstructionFinder : public FunctionBodyVisitor<ConstructionFinder> {
public:
  ConstructionFinder(llvm::function_ref<void(Site)> Report,
                     llvm::function_ref<std::optional<std::string>(QualType)> ClientName,
                     llvm::function_ref<std::optional<std::pair<std::string, std::string>>(
                         const CallExpr *)>
                         FactoryName)
      : Report(Report), ClientName(ClientName), FactoryName(FactoryName) {}

  bool shouldVisitImplicitCode() const { return true; }
  bool VisitCXXNewExpr(CXXNewExpr *NE) {
    if (auto Name = ClientName(NE->getAllocatedType())) {
      if (const CXXConstructExpr *CE = NE->getConstructExpr())
        Handled.insert(CE);
      Report(site(NE, *Name, ""));
    }
    return true;
  }
  bool VisitCXXConstructExpr(CXXConstructExpr *CE) {
    if (Handled.count(CE))
      return true;
    const CXXConstructorDecl *Ctor = CE->getConstructor();
    // Copying or moving a client shares or transfers an existing one.
    if (!Ctor || Ctor->isCopyOrMoveConstructor())
      return true;
    // A base sub-object (`connection() : connection_base(...)` in a vendored
    // library) or a delegating constructor is part of the object being
    // constructed, which is reported where it is created: one construction,
    // one report.
    if (CE->getConstructionKind() != CXXConstructionKind::Complete)
      return true;
    if (auto Name = ClientName(CE->getType()))
      Report(site(CE, *Name, ""));
    return true;
  }
  bool VisitCallExpr(CallExpr *CE) {
    if (auto F = FactoryName(CE))
      Report(site(CE, F->first, F->second));
    return true;
  }

private:
  llvm::function_ref<void(Site)> Report;
  llvm::function_ref<std::optional<std::string>(QualType)> ClientName;
  llvm::function_ref<std::optional<std::pair<std::string, std::string>>(const CallExpr *)>
      FactoryName;
  llvm::SmallPtrSet<const CXXConstructExpr *, 4> Handled;
};

/// Does \p S mention a parameter of the function or a local in \p Tainted?
bool mentionsInvocationData(const Stmt *Root,
                            const llvm::SmallPtrSetImpl<const VarDecl *> &Tainted,
                            bool AllowUntaintedLocals = true) {
  return anyStmt(Root, [&](const Stmt *S) {
    if (const auto *DRE = dyn_cast<DeclRefExpr>(S)) {
      if (isa<ParmVarDecl>(DRE->getDecl()))
        return true;
      if (const auto *VD = dyn_cast<VarDecl>(DRE->getDecl())) {
        if (Tainted.count(VD))
          return true;
        if (!AllowUntaintedLocals && VD->hasLocalStorage())
          return true;
      }
    }
    // Member state of the handler object may be per invocation.
    return isa<CXXThisExpr>(S);
  });
}

/// Locals whose value may derive from the request: written by a statement
/// that mentions a parameter or another such local. One traversal records
/// each write as edges (the locals its source mentions -> the local it
/// writes; a source naming a parameter or `this` taints the target at
/// once), then what the tainted reach is tainted: the least fixpoint,
/// without a traversal per round (a chain of writes in reverse order took
/// one round per link).
class TaintCollector : public RecursiveASTVisitor<TaintCollector> {
public:
  llvm::SmallPtrSet<const VarDecl *, 16> Tainted;

  /// After the traversal: close Tainted over the recorded edges.
  void propagate() {
    llvm::SmallVector<const VarDecl *, 16> Work(Tainted.begin(), Tainted.end());
    while (!Work.empty()) {
      const VarDecl *V = Work.pop_back_val();
      auto It = Edges.find(V);
      if (It == Edges.end())
        continue;
      for (const VarDecl *T : It->second)
        if (Tainted.insert(T).second)
          Work.push_back(T);
    }
  }

  void taint(const Expr *Target, const Stmt *Source) {
    if (!Target)
      return;
    // `v = ...`, `v.f = ...`: the variable a write to Target writes.
    if (const VarDecl *VD = baseVar(Target))
      if (VD->hasLocalStorage())
        write(VD, Source);
  }
  bool VisitVarDecl(VarDecl *VD) {
    if (VD->hasLocalStorage() && !isa<ParmVarDecl>(VD))
      write(VD, VD->getInit());
    return true;
  }
  bool VisitBinaryOperator(BinaryOperator *BO) {
    if (BO->isAssignmentOp())
      taint(BO->getLHS(), BO->getRHS());
    return true;
  }
  bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *OC) {
    if (OC->isAssignmentOp() && OC->getNumArgs() == 2)
      taint(OC->getArg(0), OC->getArg(1));
    return true;
  }
  bool VisitCXXMemberCallExpr(CXXMemberCallExpr *MC) {
    // config.setRegion(req.region) and the like.
    if (const CXXMethodDecl *M = MC->getMethodDecl(); M && !M->isConst())
      for (const Expr *Arg : MC->arguments())
        taint(MC->getImplicitObjectArgument(), Arg);
    return true;
  }
  bool VisitCallExpr(CallExpr *CE) {
    // f(&local, req) may write the local from the request.
    for (const Expr *Arg : CE->arguments()) {
      const Expr *A = Arg->IgnoreParenImpCasts();
      if (const auto *UO = dyn_cast<UnaryOperator>(A); UO && UO->getOpcode() == UO_AddrOf)
        for (const Expr *Src : CE->arguments())
          if (Src != Arg)
            taint(UO->getSubExpr(), Src);
    }
    return true;
  }

private:
  /// \p Target is tainted if \p Source names a parameter or `this`
  /// (mentionsInvocationData with nothing tainted yet), or once a local
  /// it names is.
  void write(const VarDecl *Target, const Stmt *Source) {
    if (!Source || Tainted.count(Target))
      return;
    bool Direct = false;
    walkStmts(Source, [&](const Stmt *S) {
      if (isa<CXXThisExpr>(S))
        Direct = true;
      else if (const auto *DRE = dyn_cast<DeclRefExpr>(S)) {
        if (isa<ParmVarDecl>(DRE->getDecl()))
          Direct = true;
        else if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && V != Target)
          Edges[V].push_back(Target);
      }
      return !Direct;
    });
    if (Direct)
      Tainted.insert(Target);
  }
  llvm::DenseMap<const VarDecl *, llvm::SmallVector<const VarDecl *, 2>> Edges;
};

bool matchesAny(const std::vector<model::NamePattern> &Patterns, llvm::StringRef Name) {
  return llvm::any_of(Patterns, [&](const model::NamePattern &P) { return P.matches(Name); });
}

/// The variables \p Body releases, deletes, moves away or re-seats (a
/// `static` client must not be): one walk per function, however many
/// clients it creates.
void releasedLocals(const Stmt *Body, TUContext &TU, llvm::SmallPtrSetImpl<const VarDecl *> &Out) {
  auto Add = [&](const Expr *E) {
    if (const VarDecl *VD = designatedVar(E))
      Out.insert(VD);
  };
  // Not recursive (StmtWalk.h): a body may hold a 20,000-term expression.
  walkStmts(Body, [&](const Stmt *S) {
    if (const auto *DE = dyn_cast<CXXDeleteExpr>(S))
      Add(DE->getArgument());
    if (const auto *CE = dyn_cast<CallExpr>(S))
      if (const FunctionDecl *Callee = CE->getDirectCallee()) {
        const model::View *V = TU.binding().view(Callee);
        // Released, handed to an owner, or moved (`std::move(c)`: a model
        // view of its argument).
        if (TU.binding().release(Callee).first != nullptr ||
            TU.binding().ownershipTransfer(CE) != nullptr ||
            (V && V->Of.Kind == model::HandleRef::Arg))
          for (const Expr *A : CE->arguments())
            Add(A);
      }
    // A static whose owner is re-seated per invocation (`p.reset(...)`,
    // any model ownership_transfer member) would not stay shared.
    if (const auto *MC = dyn_cast<CXXMemberCallExpr>(S))
      if (TU.binding().ownershipTransfer(MC))
        Add(MC->getImplicitObjectArgument());
    return true;
  });
}

/// The declaration `static` could go in front of: `T x(args);`,
/// `T x{args};`, `auto x = make(args);` as the sole declaration of a
/// DeclStmt in \p FD, whose initializer does not depend on the invocation,
/// refers to no local by address, and that \p FD does not release.
const DeclStmt *staticCandidate(TUContext &TU, const FunctionDecl *FD, const Stmt *Where,
                                const llvm::SmallPtrSetImpl<const VarDecl *> &Tainted,
                                const llvm::SmallPtrSetImpl<const VarDecl *> &Released) {
  const ParentIndex &PM = TU.handlerScope().parents(FD);
  const Stmt *P = PM.getParentIgnoreParenImpCasts(Where);
  while (P && (isa<ExprWithCleanups>(P) || isa<MaterializeTemporaryExpr>(P) ||
               isa<CXXBindTemporaryExpr>(P) ||
               (isa<CXXConstructExpr>(P) &&
                cast<CXXConstructExpr>(P)->getConstructor()->isCopyOrMoveConstructor())))
    P = PM.getParentIgnoreParenImpCasts(P);
  const auto *DS = dyn_cast_or_null<DeclStmt>(P);
  if (!DS || !DS->isSingleDecl())
    return nullptr;
  const auto *VD = dyn_cast<VarDecl>(DS->getSingleDecl());
  if (!VD || !VD->hasLocalStorage() || isa<ParmVarDecl>(VD) ||
      VD->getType()->isReferenceType())
    return nullptr;
  // The arguments must not depend on the invocation, and must not refer to
  // locals that a static would outlive.
  if (mentionsInvocationData(VD->getInit(), Tainted, /*AllowUntaintedLocals=*/true))
    return nullptr;
  bool RefersToLocalByAddress = false;
  walkStmts(VD->getInit(), [&](const Stmt *S) {
    if (const auto *UO = dyn_cast<UnaryOperator>(S); UO && UO->getOpcode() == UO_AddrOf)
      if (const auto *DRE = dyn_cast<DeclRefExpr>(UO->getSubExpr()->IgnoreParenImpCasts()))
        if (const auto *Local = dyn_cast<VarDecl>(DRE->getDecl()); Local && Local->hasLocalStorage())
          RefersToLocalByAddress = true;
    return true;
  });
  if (RefersToLocalByAddress)
    return nullptr;
  // A static must not be released, deleted or moved away per invocation.
  if (Released.count(VD))
    return nullptr;
  return DS;
}

} // namespace

std::optional<std::string> ClientAnalysis::clientName(QualType T) {
  auto [It, New] = ClientNames.try_emplace(T.getAsOpaquePtr());
  if (New)
    It->second = computeClientName(T);
  return It->second;
}

std::optional<std::string> ClientAnalysis::computeClientName(QualType T) {
  const model::ApiModel &Model = TU.model();
  NameCache &Names = TU.names();
  const CXXRecordDecl *RD = NameCache::recordOf(T);
  if (!RD)
    return std::nullopt;
  // The alias the code spells (`pqxx::connection` for
  // `pqxx::basic_connection_base<connect_direct>`) names the client in
  // messages and may be what a model lists.
  std::string Alias;
  QualType Peeled = T.isNull() ? T : T.getNonReferenceType();
  while (!Peeled.isNull() && Peeled->isPointerType())
    Peeled = Peeled->getPointeeType();
  if (!Peeled.isNull())
    if (const auto *TT = Peeled->getAs<TypedefType>())
      Alias = Names.qualifiedName(TT->getDecl());
  const std::string &QN = Names.qualifiedName(RD);
  if (matchesAny(Opts.IgnoreTypes, QN) || (!Alias.empty() && matchesAny(Opts.IgnoreTypes, Alias)))
    return std::nullopt;
  // The alias names a value the models say is not a client
  // (`pqxx::nullconnection`, an alias of the connection template that
  // never connects).
  if (!Alias.empty() && Model.isNotClient(Alias))
    return std::nullopt;
  auto IsClient = [&](const std::string &N) {
    return Model.clientType(N) || matchesAny(Opts.ClientTypes, N);
  };
  if (!Alias.empty() && IsClient(Alias))
    return Alias;
  if (IsClient(QN))
    return Alias.empty() || Alias.find("::") == std::string::npos ? QN : Alias;
  return std::nullopt;
}

std::optional<std::pair<std::string, std::string>>
ClientAnalysis::factoryName(const CallExpr *CE) {
  const FunctionDecl *Callee = CE->getDirectCallee();
  if (!Callee)
    return std::nullopt;
  auto It = FactoryNames.find(Callee);
  if (It == FactoryNames.end())
    It = FactoryNames.try_emplace(Callee, computeFactoryName(Callee)).first;
  return It->second;
}

std::optional<std::pair<std::string, std::string>>
ClientAnalysis::computeFactoryName(const FunctionDecl *Callee) {
  const model::ApiModel &Model = TU.model();
  NameCache &Names = TU.names();
  const std::string &FN = Names.qualifiedName(Callee);
  if (const model::Factory *F = Model.factory(FN)) {
    if (F->CreatesTemplateArg) {
      const TemplateArgumentList *Args = Callee->getTemplateSpecializationArgs();
      if (!Args || *F->CreatesTemplateArg >= Args->size() ||
          (*Args)[*F->CreatesTemplateArg].getKind() != TemplateArgument::Type)
        return std::nullopt;
      if (auto Name = clientName((*Args)[*F->CreatesTemplateArg].getAsType()))
        return std::make_pair(*Name, FN);
      return std::nullopt;
    }
    if (matchesAny(Opts.IgnoreTypes, F->Creates))
      return std::nullopt;
    return std::make_pair(F->Creates, FN);
  }
  if (matchesAny(Opts.ClientFactories, FN)) {
    QualType R = Callee->getReturnType();
    const CXXRecordDecl *RD = NameCache::recordOf(R);
    std::string Created = RD ? Names.qualifiedName(RD) : R.getAsString();
    if (matchesAny(Opts.IgnoreTypes, Created))
      return std::nullopt;
    return std::make_pair(Created, FN);
  }
  return std::nullopt;
}

std::vector<ClientConstruction>
ClientAnalysis::perInvocation(std::vector<const FunctionDecl *> *OverBudget) {
  std::vector<ClientConstruction> Out;
  HandlerScope &Scope = TU.handlerScope();
  auto ClientName = [&](QualType T) { return clientName(T); };
  auto FactoryName = [&](const CallExpr *CE) { return factoryName(CE); };
  llvm::SmallPtrSet<const Stmt *, 16> Reported;
  for (const FunctionDecl *FD : Scope.functions()) {
    const FunctionDecl *Def = nullptr;
    if (!FD->hasBody(Def))
      continue;
    if (TU.overBudget(Def)) {
      if (OverBudget)
        OverBudget->push_back(FD);
      continue;
    }
    const Handler *H = Scope.handlerFor(FD);
    std::vector<Site> Sites;
    auto Collect = [&](Site S) { Sites.push_back(std::move(S)); };
    ConstructionFinder Finder(Collect, ClientName, FactoryName);
    Finder.TraverseStmt(Def->getBody());
    if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Def))
      for (const CXXCtorInitializer *Init : Ctor->inits())
        if (Init->getInit()) {
          size_t Before = Sites.size();
          Finder.TraverseStmt(Init->getInit());
          // An implicit constructor has no initializer to point at: report
          // at the member declaration.
          if (Init->isMemberInitializer() && (Ctor->isImplicit() || !Init->isWritten()))
            for (size_t I = Before; I < Sites.size(); ++I)
              Sites[I].Loc = Init->getMember()->getLocation();
        }
    if (Sites.empty())
      continue;

    // Fix-it support: which locals may carry invocation data, and which
    // the body releases; once per function, only for a handler (where the
    // fix-it is offered).
    TaintCollector Taint;
    llvm::SmallPtrSet<const VarDecl *, 16> Released;
    const bool OffersFix = H ? H->Function == FD : Scope.isHandler(FD);
    if (OffersFix) {
      Taint.TraverseStmt(Def->getBody());
      Taint.propagate();
      releasedLocals(Def->getBody(), TU, Released);
    }
    for (Site &S : Sites) {
      if (!Reported.insert(S.Where).second || Scope.isInitOnce(S.Where, FD))
        continue;
      S.Function = FD;
      if (OffersFix)
        S.StaticCandidate = staticCandidate(TU, Def, S.Where, Taint.Tainted, Released);
      if (S.StaticCandidate)
        S.StaticUnsafe = staticUnsafeReason(S);
      Out.push_back(std::move(S));
    }
  }
  return Out;
}

std::string ClientAnalysis::staticUnsafeReason(const ClientConstruction &S) {
  const model::ApiModel &Model = TU.model();
  std::vector<std::string> Why;
  const model::ClientType *CT = Model.clientType(S.ClientName);
  if (CT && !CT->StaticUnsafe.empty())
    Why.push_back(CT->StaticUnsafe);
  // A failed first connection (null, or an error state) would be kept for
  // every later invocation, with no reconnect.
  if (!S.Factory.empty())
    if (const model::Resource *R = Model.acquisition(S.Factory).first;
        R && R->Invalid != model::Resource::InvalidNone)
      Why.push_back("a failed first '" + S.Factory +
                    "' would be kept for every later invocation (check it and "
                    "create it again on failure)");
  // An init-scope client with a shutdown action must then be closed or
  // flushed on SIGTERM (serverless-missing-shutdown-hook reports it next).
  std::string Shutdown = CT ? CT->Shutdown : std::string();
  if (Shutdown.empty() && !S.Factory.empty())
    if (const model::Resource *R = Model.acquisition(S.Factory).first)
      Shutdown = R->Shutdown;
  if (Shutdown == "close" || Shutdown == "flush")
    Why.push_back("it must then be " + std::string(Shutdown == "close" ? "closed" : "flushed") +
                  " on SIGTERM (serverless-missing-shutdown-hook)");
  std::string Out;
  for (const std::string &W : Why)
    Out += (Out.empty() ? "" : "; ") + W;
  return Out;
}

} // namespace serverless
