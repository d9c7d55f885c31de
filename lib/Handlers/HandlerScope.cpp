//===--- HandlerScope.cpp - Which code runs per invocation ----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Handlers/HandlerScope.h"
#include "AST/BodyVisitor.h"
#include "AST/Expr.h"
#include "AST/StmtWalk.h"
#include "Binding/CallBinding.h"
#include "Summary/Collector.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include <deque>

using namespace clang;

namespace serverless {

bool isInSystemHeader(const Decl *D) {
  const SourceManager &SM = D->getASTContext().getSourceManager();
  SourceLocation Loc = D->getLocation();
  return Loc.isValid() && SM.isInSystemHeader(SM.getExpansionLoc(Loc));
}

static const FunctionDecl *definitionOf(const FunctionDecl *FD) {
  if (!FD)
    return nullptr;
  const FunctionDecl *Def = nullptr;
  if (FD->hasBody(Def))
    return Def;
  return nullptr;
}

static std::string locationString(const ASTContext &Ctx, SourceLocation Loc) {
  const SourceManager &SM = Ctx.getSourceManager();
  PresumedLoc P = SM.getPresumedLoc(SM.getExpansionLoc(Loc));
  if (P.isInvalid())
    return "<unknown>";
  llvm::StringRef File = P.getFilename();
  File = File.substr(File.rfind('/') + 1);
  return (File + ":" + llvm::Twine(P.getLine()) + ":" + llvm::Twine(P.getColumn())).str();
}

const FunctionDecl *
HandlerScope::calleeOfCallable(const Expr *E, std::string *Name,
                               const LambdaExpr **Lambda) const {
  for (int Depth = 0; E && Depth < 8; ++Depth) {
    E = peelCallable(E);
    if (const auto *LE = dyn_cast<LambdaExpr>(E)) {
      if (Lambda)
        *Lambda = LE;
      const FunctionDecl *Op = LE->getCallOperator();
      if (Name && Name->empty()) {
        // A lambda that only forwards to a named function is named after it.
        const Stmt *Body = LE->getBody();
        const auto *CS = dyn_cast_or_null<CompoundStmt>(Body);
        const Stmt *Only = CS && CS->size() == 1 ? CS->body_front() : nullptr;
        if (const auto *R = dyn_cast_or_null<ReturnStmt>(Only))
          Only = R->getRetValue();
        const FunctionDecl *Fwd = nullptr;
        if (const auto *OE = dyn_cast_or_null<Expr>(Only))
          if (const auto *Call = dyn_cast<CallExpr>(peelCallable(OE)))
            Fwd = Call->getDirectCallee();
        *Name = Fwd ? Fwd->getNameAsString()
                    : "lambda at " + locationString(Ctx, LE->getBeginLoc());
      }
      return Op;
    }
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E)) {
      if (const auto *FD = dyn_cast<FunctionDecl>(DRE->getDecl())) {
        if (Name && Name->empty())
          *Name = FD->getNameAsString();
        return definitionOf(FD) ? definitionOf(FD) : FD;
      }
      if (const auto *VD = dyn_cast<VarDecl>(DRE->getDecl())) {
        if (Name && Name->empty())
          *Name = VD->getNameAsString();
        E = VD->getInit();
        continue;
      }
      return nullptr;
    }
    // std::bind(&f, ...), wrappers we do not know: the first function named.
    const FunctionDecl *Found = nullptr;
    for (const Stmt *Child : E->children()) {
      if (const auto *CE = dyn_cast_or_null<Expr>(Child))
        if ((Found = calleeOfCallable(CE, Name, Lambda)))
          break;
    }
    return Found;
  }
  return nullptr;
}

namespace {
/// Finds registrar calls, annotated and option-named handlers, and `main`.
class DiscoveryVisitor : public RecursiveASTVisitor<DiscoveryVisitor> {
public:
  DiscoveryVisitor(const model::ApiModel &Model, NameCache &Names,
                   const std::vector<model::NamePattern> &HandlerFunctions)
      : Model(Model), Names(Names), HandlerFunctions(HandlerFunctions) {}

  bool shouldVisitLambdaBodies() const { return true; }

  bool TraverseDecl(Decl *D) {
    // System headers hold no handlers; skipping them keeps discovery cheap on
    // TUs that include large SDK headers.
    if (D && !isa<TranslationUnitDecl>(D) && isInSystemHeader(D))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }

  bool VisitFunctionDecl(FunctionDecl *FD) {
    if (!FD->doesThisDeclarationHaveABody())
      return true;
    if (FD->isMain())
      Main = FD;
    for (const auto *A : FD->specific_attrs<AnnotateAttr>())
      if (A->getAnnotation() == "serverless.handler")
        Annotated.push_back(FD);
    if (!HandlerFunctions.empty()) {
      const std::string &QN = Names.qualifiedName(FD);
      for (const model::NamePattern &P : HandlerFunctions)
        if (P.matches(QN) || P.matches(FD->getNameAsString())) {
          Named.push_back(FD);
          break;
        }
    }
    return true;
  }

  bool VisitCallExpr(CallExpr *CE) {
    const FunctionDecl *Callee = CE->getDirectCallee();
    if (!Callee)
      return true;
    if (const model::HandlerRegistrar *R =
            Model.handlerRegistrar(Names.qualifiedName(Callee)))
      if (R->HandlerArg < CE->getNumArgs())
        Registrations.push_back({CE, R->HandlerArg});
    return true;
  }

  const model::ApiModel &Model;
  NameCache &Names;
  const std::vector<model::NamePattern> &HandlerFunctions;
  const FunctionDecl *Main = nullptr;
  std::vector<const FunctionDecl *> Annotated, Named;
  std::vector<std::pair<const CallExpr *, unsigned>> Registrations;
};
} // namespace

HandlerScope::HandlerScope(ASTContext &Ctx, const model::ApiModel &Model,
                           NameCache &Names,
                           const std::vector<model::NamePattern> &HandlerFunctions)
    : Ctx(Ctx), Model(Model), Names(Names) {
  discover(Ctx, HandlerFunctions);
  computeScope();
  computeInitScope();
  if (summary::Collector::active())
    enterWholeProgramMode();
}

bool isUnseenUserFunction(const FunctionDecl *FD) {
  const FunctionDecl *Def = nullptr;
  if (!FD || FD->hasBody(Def) || FD->isImplicit() || isInSystemHeader(FD))
    return false;
  const SourceManager &SM = FD->getASTContext().getSourceManager();
  return !SM.getFilename(SM.getFileLoc(FD->getLocation())).starts_with("/usr/");
}

bool HandlerScope::isHandler(const FunctionDecl *FD) const {
  if (!FD)
    return false;
  FD = cast<FunctionDecl>(FD->getCanonicalDecl());
  for (const Handler &H : Handlers)
    if (cast<FunctionDecl>(H.Function->getCanonicalDecl()) == FD)
      return true;
  return false;
}

HandlerScope::~HandlerScope() = default;

void HandlerScope::addHandler(Handler H) {
  if (!H.Function)
    return;
  H.Function = cast<FunctionDecl>(H.Function->getCanonicalDecl());
  for (const Handler &Existing : Handlers)
    if (Existing.Function == H.Function)
      return;
  Handlers.push_back(std::move(H));
}

void HandlerScope::discover(ASTContext &Ctx,
                            const std::vector<model::NamePattern> &HandlerFunctions) {
  DiscoveryVisitor V(Model, Names, HandlerFunctions);
  V.TraverseDecl(Ctx.getTranslationUnitDecl());
  Main = V.Main;
  for (auto [Call, ArgIndex] : V.Registrations) {
    const Expr *Arg = Call->getArg(ArgIndex);
    HandlerArgs.insert(peelCallable(Arg));
    Handler H;
    H.How = Handler::Registrar;
    H.Registration = Call;
    const LambdaExpr *Lambda = nullptr;
    H.Function = calleeOfCallable(Arg, &H.Name, &Lambda);
    if (!H.Function)
      continue;
    if (Lambda) {
      H.Location = Lambda->getBeginLoc();
      // The lambda object itself is created where it is written.
      HandlerArgs.insert(Lambda);
    } else {
      H.Location = H.Function->getLocation();
    }
    if (const FunctionDecl *Def = definitionOf(H.Function))
      H.Function = Def;
    addHandler(std::move(H));
  }
  for (const FunctionDecl *FD : V.Annotated)
    addHandler({FD, FD->getNameAsString(), FD->getLocation(), Handler::Annotation, nullptr});
  for (const FunctionDecl *FD : V.Named)
    addHandler({FD, FD->getNameAsString(), FD->getLocation(), Handler::Option, nullptr});
}

const ParentIndex &HandlerScope::parents(const FunctionDecl *FD) {
  FD = cast<FunctionDecl>(FD->getCanonicalDecl());
  auto &Slot = ParentMaps[FD];
  if (!Slot) {
    const FunctionDecl *Def = definitionOf(FD);
    llvm::SmallVector<const Stmt *, 8> Inits;
    if (const auto *Ctor = dyn_cast_or_null<CXXConstructorDecl>(Def))
      for (const CXXCtorInitializer *Init : Ctor->inits())
        if (Init->getInit())
          Inits.push_back(Init->getInit());
    Slot = std::make_unique<ParentIndex>(Def ? Def->getBody() : nullptr, Inits);
  }
  return *Slot;
}

// Parent of S inside FD; at the root of a lambda body, continue in the
// function that creates the lambda (updating FD).
const Stmt *HandlerScope::parentThroughLambda(const Stmt *S,
                                              const FunctionDecl *&FD) {
  if (const Stmt *P = parents(FD).getParent(S))
    return P;
  auto It = LambdaOrigins.find(cast<FunctionDecl>(FD->getCanonicalDecl()));
  if (It == LambdaOrigins.end())
    return nullptr;
  FD = It->second.second;
  return It->second.first;
}

/// The variable with static storage whose object \p E designates, or a part
/// of it: the variable itself, a member (`g.client`), an element
/// (`g_clients[region]`, `g_pool.at(i)`, a member call returning a
/// reference), or a local reference bound to one of those
/// (`auto &slot = g_clients[region];`). Null for anything else.
static const VarDecl *staticRootOf(const Expr *E, unsigned Depth = 0) {
  while (E && Depth < 16) {
    E = peel(E);
    if (const auto *DRE = dyn_cast<DeclRefExpr>(E)) {
      const auto *VD = dyn_cast<VarDecl>(DRE->getDecl());
      if (!VD)
        return nullptr;
      if (VD->hasGlobalStorage())
        return VD->getCanonicalDecl();
      // A local reference to a static slot is that slot.
      if (VD->getType()->isReferenceType() && VD->getInit()) {
        E = VD->getInit();
        ++Depth;
        continue;
      }
      return nullptr;
    }
    if (const auto *ME = dyn_cast<MemberExpr>(E)) {
      E = ME->getBase();
      continue;
    }
    if (const auto *AS = dyn_cast<ArraySubscriptExpr>(E)) {
      E = AS->getBase();
      continue;
    }
    if (const auto *OC = dyn_cast<CXXOperatorCallExpr>(E)) {
      if ((OC->getOperator() == OO_Subscript || OC->getOperator() == OO_Star ||
           OC->getOperator() == OO_Arrow) &&
          OC->getNumArgs() >= 1) {
        E = OC->getArg(0);
        continue;
      }
      return nullptr;
    }
    if (const auto *MC = dyn_cast<CXXMemberCallExpr>(E)) {
      // g_pool.at(i), g_map.find(k)->second: a reference into the object.
      if (MC->getCallReturnType(MC->getMethodDecl()->getASTContext())
              ->isReferenceType()) {
        E = MC->getImplicitObjectArgument();
        continue;
      }
      return nullptr;
    }
    if (const auto *MTE = dyn_cast<MaterializeTemporaryExpr>(E)) {
      E = MTE->getSubExpr();
      continue;
    }
    return nullptr;
  }
  return nullptr;
}

/// The static-storage variables a condition tests, directly or through a
/// local reference to a slot of one (`if (!slot)`).
static void staticVarsIn(const Stmt *Root, llvm::SmallPtrSetImpl<const VarDecl *> &Out) {
  walkStmts(Root, [&](const Stmt *S) {
    if (const auto *DRE = dyn_cast<DeclRefExpr>(S))
      if (const VarDecl *VD = staticRootOf(DRE))
        Out.insert(VD);
    return true;
  });
}

/// The static-storage variable an assignment-like expression writes: `=`, or
/// a member call the models say takes ownership of an argument into the
/// object (`g.reset(new Client)`, `g.emplace(...)`).
static const VarDecl *assignedStaticVar(const Stmt *S,
                                        const model::ApiModel &Model,
                                        NameCache &Names) {
  const Expr *LHS = nullptr;
  if (const auto *BO = dyn_cast<BinaryOperator>(S)) {
    if (BO->isAssignmentOp())
      LHS = BO->getLHS();
  } else if (const auto *OC = dyn_cast<CXXOperatorCallExpr>(S)) {
    if (OC->getOperator() == OO_Equal && OC->getNumArgs() == 2)
      LHS = OC->getArg(0);
  } else if (const auto *MC = dyn_cast<CXXMemberCallExpr>(S)) {
    if (ownershipTransferAt(MC, Model, Names))
      LHS = MC->getImplicitObjectArgument();
  }
  if (!LHS)
    return nullptr;
  return staticRootOf(LHS);
}

bool HandlerScope::isInitOnce(const Stmt *S, const FunctionDecl *FD) {
  const VarDecl *Assigned = nullptr;
  const Stmt *Child = S;
  for (const Stmt *P = parentThroughLambda(S, FD); P;
       Child = P, P = parentThroughLambda(P, FD)) {
    if (!Assigned)
      Assigned = assignedStaticVar(P, Model, Names);
    if (const auto *DS = dyn_cast<DeclStmt>(P)) {
      for (const Decl *D : DS->decls())
        if (const auto *VD = dyn_cast<VarDecl>(D))
          if (VD->isStaticLocal() && VD->getInit() == Child)
            return true;
      continue;
    }
    if (const auto *If = dyn_cast<IfStmt>(P)) {
      if (Assigned && If->getThen() == Child) {
        llvm::SmallPtrSet<const VarDecl *, 4> Tested;
        staticVarsIn(If->getCond(), Tested);
        if (const auto *CV = If->getConditionVariable())
          staticVarsIn(CV->getInit(), Tested);
        if (Tested.count(Assigned))
          return true;
      }
      continue;
    }
    if (const auto *Call = dyn_cast<CallExpr>(P)) {
      if (const FunctionDecl *Callee = Call->getDirectCallee())
        if (const model::OnceCall *O = Model.onceCall(Names.qualifiedName(Callee)))
          if (O->CallableArg < Call->getNumArgs() &&
              peelCallable(Call->getArg(O->CallableArg)) ==
                  peelCallable(dyn_cast<Expr>(Child)))
            return true;
    }
  }
  return false;
}

namespace {
/// Collects the call edges out of one function body. Lambda bodies are not
/// entered (their call operators are functions of their own); their capture
/// initialisers are, since they run where the lambda is created.
class CalleeCollector : public FunctionBodyVisitor<CalleeCollector> {
public:
  using Callback = llvm::function_ref<void(const Stmt *Site, const FunctionDecl *Callee,
                                           const LambdaExpr *Lambda)>;
  CalleeCollector(Callback CB, const llvm::SmallPtrSetImpl<const Expr *> &Skip)
      : CB(CB), Skip(Skip) {}

  bool shouldVisitImplicitCode() const { return true; }

  bool lambdaExpr(LambdaExpr *LE) {
    if (!Skip.count(LE))
      CB(LE, LE->getCallOperator(), LE);
    return true;
  }
  // Takes the data-recursion queue: an override without it makes the
  // visitor recurse once per nesting level (a 20,000-term expression
  // overflowed the stack).
  bool TraverseStmt(Stmt *S, DataRecursionQueue *Queue = nullptr) {
    if (const auto *E = dyn_cast_or_null<Expr>(S)) {
      // Registrar handler arguments: a lambda's captures still run here,
      // the handler itself does not.
      if (Skip.count(E) && !isa<LambdaExpr>(E))
        return true;
    }
    return FunctionBodyVisitor::TraverseStmt(S, Queue);
  }
  bool VisitCXXConstructExpr(CXXConstructExpr *CE) {
    CB(CE, CE->getConstructor(), nullptr);
    return true;
  }
  bool VisitCXXDeleteExpr(CXXDeleteExpr *DE) {
    if (const CXXRecordDecl *RD = NameCache::recordOf(DE->getDestroyedType()))
      if (const CXXDestructorDecl *D = RD->getDestructor())
        CB(DE, D, nullptr);
    return true;
  }
  bool VisitCallExpr(CallExpr *CE) {
    if (const FunctionDecl *FD = CE->getDirectCallee())
      CB(CE, FD, nullptr);
    // The callee expression itself is not a second edge.
    if (const auto *DRE = dyn_cast<DeclRefExpr>(CE->getCallee()->IgnoreParenImpCasts()))
      CalleeRefs.insert(DRE);
    return true;
  }
  bool VisitDeclRefExpr(DeclRefExpr *DRE) {
    // A function used as a value (a callback) is called from here too.
    if (const auto *FD = dyn_cast<FunctionDecl>(DRE->getDecl()))
      if (!CalleeRefs.count(DRE))
        CB(DRE, FD, nullptr);
    return true;
  }

private:
  Callback CB;
  const llvm::SmallPtrSetImpl<const Expr *> &Skip;
  llvm::SmallPtrSet<const DeclRefExpr *, 32> CalleeRefs;
};
} // namespace

/// The call edges out of \p Def: its body and, for a constructor, its
/// member and base initialisers.
static void collectCallees(const FunctionDecl *Def, CalleeCollector::Callback Visit,
                           const llvm::SmallPtrSetImpl<const Expr *> &Skip) {
  CalleeCollector C(Visit, Skip);
  C.TraverseStmt(Def->getBody());
  if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Def))
    for (const CXXCtorInitializer *Init : Ctor->inits())
      if (Init->getInit())
        C.TraverseStmt(Init->getInit());
}

llvm::ArrayRef<CallStep> HandlerScope::callees(const FunctionDecl *FD) {
  const FunctionDecl *Def = definitionOf(FD);
  if (!Def)
    return {};
  auto [It, New] = CallGraph.try_emplace(Def);
  if (!New)
    return It->second;
  std::vector<CallStep> Edges;
  auto Visit = [&](const Stmt *Site, const FunctionDecl *Callee, const LambdaExpr *Lambda) {
    const auto *Canon = cast<FunctionDecl>(Callee->getCanonicalDecl());
    if (Lambda)
      LambdaOrigins.try_emplace(Canon, Lambda, cast<FunctionDecl>(FD->getCanonicalDecl()));
    const FunctionDecl *CalleeDef = definitionOf(Callee);
    if (!isInSystemHeader(CalleeDef ? CalleeDef : Callee))
      Edges.push_back({Def, Site, CalleeDef ? CalleeDef : Canon});
  };
  collectCallees(Def, Visit, HandlerArgs);
  // The visit above may have added entries: look the slot up again.
  return CallGraph[Def] = std::move(Edges);
}

template <typename Pred, typename Fn>
void HandlerScope::forEachCallee(const FunctionDecl *FD, bool SkipInitOnce,
                                 Pred Reached, Fn F) {
  for (const CallStep &E : callees(FD)) {
    // Cheap filters first: most calls go to functions already reached;
    // only the rest pay for the init-once walk.
    if (!E.Callee->hasBody() || Reached(E.Callee))
      continue;
    if (SkipInitOnce && isInitOnce(E.Site, FD))
      continue;
    F(E.Site, E.Callee);
  }
}

void HandlerScope::computeScope() {
  std::deque<const FunctionDecl *> Work;
  for (const Handler &H : Handlers) {
    if (Scope.count(H.Function))
      continue;
    Scope[H.Function] = {&H, {}};
    ScopeOrder.push_back(H.Function);
    Work.push_back(H.Function);
  }
  while (!Work.empty()) {
    const FunctionDecl *FD = Work.front();
    Work.pop_front();
    const Handler *Via = Scope[FD].Via;
    forEachCallee(FD, /*SkipInitOnce=*/true,
                  [&](const FunctionDecl *Callee) {
                    return Scope.count(cast<FunctionDecl>(Callee->getCanonicalDecl())) != 0;
                  },
                  [&](const Stmt *Site, const FunctionDecl *Callee) {
                    Callee = cast<FunctionDecl>(Callee->getCanonicalDecl());
                    if (Scope.count(Callee))
                      return;
                    Scope[Callee] = {Via, {FD, Site, Callee}};
                    ScopeOrder.push_back(Callee);
                    Work.push_back(Callee);
                  });
  }
}

void HandlerScope::computeInitScope() {
  if (!Main)
    return;
  std::deque<const FunctionDecl *> Work;
  const FunctionDecl *M = cast<FunctionDecl>(Main->getCanonicalDecl());
  InitSet.insert(M);
  InitOrder.push_back(M);
  Work.push_back(M);
  while (!Work.empty()) {
    const FunctionDecl *FD = Work.front();
    Work.pop_front();
    forEachCallee(FD, /*SkipInitOnce=*/false,
                  [&](const FunctionDecl *Callee) {
                    return InitSet.count(cast<FunctionDecl>(Callee->getCanonicalDecl())) != 0;
                  },
                  [&](const Stmt *, const FunctionDecl *Callee) {
                    Callee = cast<FunctionDecl>(Callee->getCanonicalDecl());
                    if (InitSet.insert(Callee).second) {
                      InitOrder.push_back(Callee);
                      Work.push_back(Callee);
                    }
                  });
  }
}

bool HandlerScope::inHandlerScope(const FunctionDecl *FD) const {
  return FD && Scope.count(cast<FunctionDecl>(FD->getCanonicalDecl()));
}

bool HandlerScope::inInitScope(const FunctionDecl *FD) const {
  return FD && InitSet.count(cast<FunctionDecl>(FD->getCanonicalDecl()));
}

const Handler *HandlerScope::handlerFor(const FunctionDecl *FD) const {
  if (!FD || WholeProgram)
    return nullptr;
  auto It = Scope.find(cast<FunctionDecl>(FD->getCanonicalDecl()));
  return It == Scope.end() ? nullptr : It->second.Via;
}

std::vector<CallStep> HandlerScope::callChain(const FunctionDecl *FD) const {
  std::vector<CallStep> Chain;
  if (!FD || WholeProgram)
    return Chain;
  FD = cast<FunctionDecl>(FD->getCanonicalDecl());
  for (unsigned Guard = 0; Guard < 1000; ++Guard) {
    auto It = Scope.find(FD);
    if (It == Scope.end() || !It->second.Step.Caller)
      break;
    Chain.push_back(It->second.Step);
    FD = cast<FunctionDecl>(It->second.Step.Caller->getCanonicalDecl());
  }
  std::reverse(Chain.begin(), Chain.end());
  return Chain;
}

namespace {
/// Every function defined in user code (not system headers), lambdas'
/// call operators included.
class UserFunctions : public RecursiveASTVisitor<UserFunctions> {
public:
  bool TraverseDecl(Decl *D) {
    if (D && !isa<TranslationUnitDecl>(D) && isInSystemHeader(D))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }
  bool VisitFunctionDecl(FunctionDecl *FD) {
    if (FD->doesThisDeclarationHaveABody() && !FD->isDependentContext())
      Fns.push_back(FD);
    return true;
  }
  bool VisitLambdaExpr(LambdaExpr *LE) {
    if (!LE->getCallOperator()->isDependentContext())
      Fns.push_back(LE->getCallOperator());
    return true;
  }
  std::vector<const FunctionDecl *> Fns;
};
} // namespace

bool HandlerScope::initScopeCallsUnknown() {
  if (InitCallsUnknown)
    return *InitCallsUnknown;
  bool Unknown = false;
  for (const FunctionDecl *FD : InitOrder) {
    const FunctionDecl *Def = definitionOf(FD);
    if (!Def || Unknown)
      continue;
    for (const CallStep &E : callees(Def))
      if (isUnseenUserFunction(E.Callee) && !Model.handlerRegistrar(Names.qualifiedName(E.Callee)))
        Unknown = true;
  }
  InitCallsUnknown = Unknown;
  return Unknown;
}

void HandlerScope::enterWholeProgramMode() {
  summary::Collector &C = *summary::Collector::active();
  WholeProgram = true;
  const SourceManager &SM = Ctx.getSourceManager();
  const bool Record = !C.GraphRecorded;
  C.GraphRecorded = true;

  UserFunctions V;
  V.TraverseDecl(Ctx.getTranslationUnitDecl());
  std::vector<const FunctionDecl *> Work;
  llvm::DenseSet<const FunctionDecl *> Seen;
  for (const FunctionDecl *FD : V.Fns) {
    FD = cast<FunctionDecl>(FD->getCanonicalDecl());
    if (Seen.insert(FD).second)
      Work.push_back(FD);
  }
  // Functions reached from user code that the visitor does not see
  // (implicit constructors, template instantiations) join the worklist.
  for (size_t I = 0; I < Work.size(); ++I) {
    const FunctionDecl *FD = Work[I];
    const FunctionDecl *Def = definitionOf(FD);
    if (!Def)
      continue;
    std::string Usr, Name;
    if (Record) {
      Usr = summary::Collector::usr(FD);
      Name = displayFunctionName(FD, Names);
      C.Facts.Functions.push_back({Usr, Name, summary::Collector::site(SM, Def->getLocation(), FD, Name)});
    }
    for (const CallStep &Edge : callees(Def)) {
      const Stmt *Site = Edge.Site;
      const auto *Canon = cast<FunctionDecl>(Edge.Callee->getCanonicalDecl());
      const FunctionDecl *CalleeDef = definitionOf(Edge.Callee);
      if (Record) {
        summary::CallEdge E;
        E.Caller = Usr;
        E.Callee = summary::Collector::usr(Canon);
        E.CalleeName = displayFunctionName(Canon, Names);
        E.Site = summary::Collector::site(SM, Site->getBeginLoc(), FD, Name);
        E.InitOnce = isInitOnce(Site, FD);
        C.Facts.Calls.push_back(std::move(E));
      }
      if (CalleeDef && Seen.insert(Canon).second)
        Work.push_back(Canon);
    }
  }
  if (Record) {
    // Every file the TU read: a cached fact file stays valid while none changes.
    for (auto It = SM.fileinfo_begin(), End = SM.fileinfo_end(); It != End; ++It) {
      llvm::StringRef Real = It->first.getFileEntry().tryGetRealPathName();
      summary::Input I;
      I.Path = Real.empty() ? It->first.getName().str() : Real.str();
      C.Facts.Inputs.push_back(std::move(I));
    }
    for (const Handler &H : Handlers)
      C.Facts.Handlers.push_back({summary::Collector::usr(H.Function), H.Name,
                                  summary::Collector::site(SM, H.Location, H.Function, H.Name)});
    if (Main)
      C.Facts.MainUsr = summary::Collector::usr(Main);
  }
  for (const FunctionDecl *FD : Work) {
    if (!definitionOf(FD))
      continue;
    if (!Scope.count(FD)) {
      Scope[FD] = {nullptr, {}};
      ScopeOrder.push_back(FD);
    }
    if (InitSet.insert(FD).second)
      InitOrder.push_back(FD);
  }
}

} // namespace serverless
