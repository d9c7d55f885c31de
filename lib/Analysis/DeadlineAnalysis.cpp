//===--- DeadlineAnalysis.cpp - Blocking calls and their bounds -----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Passes, in order (see the header for what each computes):
//   1. taint: which variables carry the deadline; which are ever written;
//   2. summaries: facts established on globals anywhere in the analysed
//      functions and on parameters (one level: `configure(CURL *h)`), field
//      constants, and which functions contain blocking calls at all;
//   3. per function with blocking calls: a forward may-analysis over the CFG
//      of handle facts, then one more walk that evaluates each blocking call
//      against the converged state.
// Every library fact comes from the API model; the only built-in knowledge
// is what the schema's units mean (ms, s, us, timeval, timespec, chrono
// durations) and how a conninfo string is written (`key=value`).
//
//===----------------------------------------------------------------------===//

#include "Analysis/DeadlineAnalysis.h"
#include "AST/BodyVisitor.h"
#include "AST/Names.h"
#include "Model/Formats.h"
#include "AST/StmtWalk.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/SetVector.h"
#include "clang/Analysis/FlowSensitive/DataflowWorklist.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SparseBitVector.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include <climits>
#include <deque>
#include <map>
#include <optional>
#include <set>

using namespace clang;

namespace serverless {

namespace {

//===----------------------------------------------------------------------===//
// Lattice
//===----------------------------------------------------------------------===//

/// A timeout value as far as the analysis can tell.
struct Value {
  enum KindTy { Unknown, Derived, Const, Null } Kind = Unknown;
  long long Raw = 0; // As written (for the model's `infinite` values).
  long long Ms = 0;  // Converted with the model's unit.
};

/// A timeout fact established on a handle: setter option, method, setting
/// or field name, with the value it was given.
struct Fact {
  std::string Name;
  Value V;
  SourceLocation At;
  /// Holds only where it holds on every path (a readiness report: poll at
  /// the top of a loop covers the read after it, not a read before it in
  /// the next iteration); other facts hold where they hold on some path.
  bool Must = false;
  bool operator==(const Fact &O) const {
    return Name == O.Name && V.Kind == O.V.Kind && V.Ms == O.V.Ms;
  }
};

struct HandleState {
  bool Known = false; // False: origin unknown, never reported.
  std::vector<Fact> Facts;
  SourceLocation Created;
  /// Handed to user functions defined in other TUs (function, parameter).
  std::vector<std::pair<const FunctionDecl *, unsigned>> PassedTo;
  bool operator==(const HandleState &O) const {
    return Known == O.Known && Facts == O.Facts && Created == O.Created &&
           PassedTo == O.PassedTo;
  }
  const Fact *find(llvm::StringRef Name) const {
    for (const Fact &F : Facts)
      if (F.Name == Name)
        return &F;
    return nullptr;
  }
  void set(Fact F) {
    for (Fact &E : Facts)
      if (E.Name == F.Name) {
        E = std::move(F);
        return;
      }
    Facts.push_back(std::move(F));
  }
  void erase(llvm::StringRef Name) {
    llvm::erase_if(Facts, [&](const Fact &F) { return F.Name == Name; });
  }
};

using State = std::map<const VarDecl *, HandleState>;

/// May-join: a fact holds if it holds on some path. A constant joined with
/// anything else is no longer a known constant (keeps false positives down).
void joinInto(HandleState &Into, const HandleState &From) {
  if (!Into.Known || !From.Known) {
    Into.Known = false;
    return;
  }
  llvm::erase_if(Into.Facts, [&](const Fact &F) { return F.Must && !From.find(F.Name); });
  for (const Fact &F : From.Facts) {
    if (F.Must)
      continue; // Kept above when Into has it too.
    if (Fact *E = const_cast<Fact *>(Into.find(F.Name))) {
      if (E->V.Kind == Value::Const && F.V.Kind == Value::Const)
        E->V.Ms = std::max(E->V.Ms, F.V.Ms);
      else if (E->V.Kind != F.V.Kind)
        E->V.Kind = (E->V.Kind == Value::Derived || F.V.Kind == Value::Derived)
                        ? Value::Derived
                        : Value::Unknown;
    } else {
      Into.Facts.push_back(F);
    }
  }
  if (Into.Created.isInvalid())
    Into.Created = From.Created;
  for (const auto &P : From.PassedTo)
    if (llvm::find(Into.PassedTo, P) == Into.PassedTo.end())
      Into.PassedTo.push_back(P);
}

void joinInto(State &Into, const State &From) {
  for (const auto &[V, HS] : From) {
    auto It = Into.find(V);
    if (It == Into.end())
      Into.emplace(V, HS);
    else
      joinInto(It->second, HS);
  }
}

//===----------------------------------------------------------------------===//
// Expression helpers
//===----------------------------------------------------------------------===//

using formats::scaleSat;
using formats::toMs;
using formats::parseDuration;
using formats::conninfoValue;
using formats::sqlSetValue;

//===----------------------------------------------------------------------===//
// What the model says about one callee (cached per declaration)
//===----------------------------------------------------------------------===//

struct CalleeInfo {
  std::string Name;
  const model::Blocking *Block = nullptr;
  /// `readiness` entries: the call reports descriptors ready (poll, select).
  std::vector<const model::Readiness *> Ready;
  std::vector<const model::TimeoutSpec *> SetterOf;
  /// `nonblocking` entries naming this function (asked at every call).
  std::vector<const model::NonBlocking *> NonBlocking;
  bool IsMethodFact = false;
  bool IsCreation = false;
  bool IsDeadline = false;
};

/// The models say something about this function (it blocks, sets a
/// timeout, creates a handle, ...): it is not an unknown helper.
static bool isModelled(const CalleeInfo &I) {
  return I.Block || !I.SetterOf.empty() || I.IsMethodFact || I.IsCreation || I.IsDeadline ||
         !I.Ready.empty();
}

class Analyzer {
public:
  Analyzer(TUContext &TU, std::vector<DeadlineSite> &Out,
           std::vector<std::pair<const FunctionDecl *, unsigned>> &Configurers)
      : TU(TU), Ctx(TU.astContext()), M(TU.model()), Names(TU.names()),
        Scope(TU.handlerScope()), Out(Out), Configurers(Configurers) {
    for (const model::Blocking &B : M.blockingCalls()) {
      const model::TimeoutSpec &T = B.Timeout;
      switch (T.Via) {
      case model::TimeoutSpec::Setter:
        Setters.push_back(&T);
        break;
      case model::TimeoutSpec::Method:
        for (const model::NamePattern &P : T.Methods)
          MethodPatterns.push_back(&P);
        break;
      case model::TimeoutSpec::ConnectionSetting:
        Settings.insert(T.Setting);
        break;
      case model::TimeoutSpec::Field:
        FieldSpecs.push_back(&T);
        break;
      default:
        break;
      }
    }
    // The registration rules of the readiness calls, each collected once.
    for (const model::Readiness &R : M.readinessEntries())
      for (const model::Registration &G : R.RegisteredBy) {
        std::string K = G.key();
        auto It = llvm::find_if(Rules, [&](const model::Registration *O) {
          return O->key() == K;
        });
        unsigned Idx = It - Rules.begin();
        if (It == Rules.end())
          Rules.push_back(&G);
        RulesOf[&R].push_back(Idx);
      }
  }

  void run();

private:
  /// The variable an expression designates / writes (AST/Expr.h, with the
  /// model's views).
  const VarDecl *varOf(const Expr *E) { return TU.binding().designated(E); }
  const VarDecl *baseVarOf(const Expr *E) { return TU.binding().base(E); }
  // Pass 1.
  void taint(const Stmt *S, bool &Changed);
  void taintNode(const Stmt *S, bool &Changed);
  bool isDerived(const Stmt *S);
  // Pass 2.
  void summarize(const FunctionDecl *FD, const Stmt *Body);
  // Pass 3.
  void analyzeFunction(const FunctionDecl *FD, const Stmt *Body);
  void transfer(const Stmt *S, State &St, const FunctionDecl *FD, bool Report);
  void evaluate(const Expr *Call, const CalleeInfo &Info, State &St,
                const FunctionDecl *FD);
  void evaluateConstruct(const CXXConstructExpr *CC, State &St,
                         const FunctionDecl *FD);

  // Facts established by one statement: (variable, fact) pairs.
  void factsOf(const Stmt *S,
               llvm::function_ref<void(const VarDecl *, Fact)> Emit);
  std::optional<HandleState> creationOf(const VarDecl *V, const Expr *Init);
  /// The settings a conninfo-taking call (PQconnectdb, a pqxx::connection
  /// constructor) gets from its connection string, one fact each.
  void conninfoSettings(const Expr *Call, const FunctionDecl *Callee,
                        llvm::function_ref<void(Fact)> Emit);
  /// \p HS, an object constructed from \p Init, gets the settings of the
  /// connection it is constructed on (pqxx::work w(c)): what \p St knows of
  /// the connection, else what its connection string sets.
  void inheritConnection(HandleState &HS, const Expr *Init, State &St);
  /// The model's `nonblocking` entries for \p Callee whose handle is of
  /// kind \p Which (the result, or an argument/object) and whose
  /// conditions hold at \p CE: one fact per entry on the handle (\p Result
  /// for the result).
  void markNonBlocking(const CallExpr *CE, const FunctionDecl *Callee,
                       model::HandleRef::KindTy Which,
                       llvm::function_ref<void(const VarDecl *, Fact)> Emit,
                       const VarDecl *Result);
  /// Does a `nonblocking` (or readiness) fact on \p HS cover the blocking
  /// call \p Callee?
  bool nonBlockingFor(const HandleState &HS, llvm::StringRef Callee) const;
  /// Fact name -> the blocking calls it covers (empty: all).
  std::map<std::string, const std::vector<model::NamePattern> *> NonBlockingFacts;

  /// Readiness: which descriptors are registered with which watched set in
  /// one function (`pfd.fd = s`, `FD_SET(s, &set)`, `epoll_ctl(ep,
  /// EPOLL_CTL_ADD, s, &ev)`), collected once per function, flow-insensitively,
  /// the first time a readiness call is met there.
  struct Registrations {
    /// (rule index, set variable) -> descriptors.
    std::map<std::pair<unsigned, const VarDecl *>, llvm::SmallVector<const VarDecl *, 2>> Fds;
    /// A set copied from another (`read_fds = master;`).
    llvm::DenseMap<const VarDecl *, llvm::SmallVector<const VarDecl *, 2>> CopiedFrom;
    /// Macro invocations already read (each expression of an expansion
    /// leads to its invocation).
    llvm::DenseSet<unsigned> MacroSeen;
  };
  const Registrations &registrationsIn(const FunctionDecl *FD);
  void registerInit(Registrations &R, const VarDecl *Set, const Expr *Init);
  void registerMacro(Registrations &R, const Expr *E, unsigned Rule,
                     SourceLocation InMacro);
  /// The readiness facts \p CE (a readiness call of \p R) establishes:
  /// one on each descriptor registered with the set it watches.
  void markReady(const CallExpr *CE, const model::Readiness &R,
                 llvm::function_ref<void(const VarDecl *, Fact)> Emit);
  std::vector<const model::Registration *> Rules;
  llvm::DenseMap<const model::Readiness *, llvm::SmallVector<unsigned, 1>> RulesOf;
  llvm::DenseMap<const FunctionDecl *, std::unique_ptr<Registrations>> RegistrationCache;
  /// The function being summarised or analysed.
  const FunctionDecl *CurrentFn = nullptr;
  HandleState &lookup(State &St, const VarDecl *V);

  const CalleeInfo &info(const FunctionDecl *FD);
  const CalleeInfo *calleeInfo(const Stmt *S);
  const model::TimeoutSpec *fieldSpecFor(QualType T);

  Value classify(const Expr *E, llvm::StringRef Unit);
  std::optional<long long> constInt(const Expr *E, unsigned Depth = 0);
  std::optional<long long> chronoMs(const Expr *E, unsigned Depth = 0);
  std::optional<std::string> stringValue(const Expr *E, unsigned Depth = 0);
  std::vector<std::string> optionNames(const Expr *E);
  const Expr *neverWrittenInit(const Expr *E);

  void add(DeadlineSite S, const FunctionDecl *FD) {
    if (!Reported.insert({S.Site, S.Kind}).second)
      return;
    S.Function = FD;
    S.InHandlerScope = Scope.inHandlerScope(FD);
    if (S.Loc.isInvalid())
      S.Loc = S.Site->getBeginLoc();
    // Point at the user's code, not into a library macro
    // (`#define curl_easy_setopt(h, o, p) curl_easy_setopt(h, o, p)`).
    const SourceManager &SM = Ctx.getSourceManager();
    for (SourceLocation *L : {&S.Loc, &S.HandleCreated, &S.ValueSetAt})
      if (L->isValid() && L->isMacroID())
        *L = SM.getExpansionLoc(*L);
    Out.push_back(std::move(S));
  }

  TUContext &TU;
  ASTContext &Ctx;
  const model::ApiModel &M;
  NameCache &Names;
  HandlerScope &Scope;
  std::vector<DeadlineSite> &Out;
  std::vector<std::pair<const FunctionDecl *, unsigned>> &Configurers;
public:
  /// Functions with blocking calls over the MaxFunctionStatements budget.
  std::vector<const FunctionDecl *> Skipped;
private:

  std::vector<const model::TimeoutSpec *> Setters;
  std::vector<const model::NamePattern *> MethodPatterns;
  std::vector<const model::TimeoutSpec *> FieldSpecs;
  std::set<std::string> Settings;

  llvm::DenseMap<const FunctionDecl *, CalleeInfo> Infos;
  /// Whether the models call this alias a non-client, per alias.
  llvm::DenseMap<const TypedefNameDecl *, bool> NotClientAlias;
  /// The plain assignments (`=`) in each summarised body: where none is
  /// nested in an expression, the CFG's elements are the steps as they are.
  llvm::DenseMap<const FunctionDecl *, llvm::SmallVector<const Stmt *, 4>> AssignsOf;
  /// isUnseenUserFunction per callee as the call names it (a source-manager
  /// lookup each: 78,000 calls in a 20,000-statement handler).
  llvm::DenseMap<const FunctionDecl *, bool> UnseenCallees;
  bool unseen(const FunctionDecl *Callee) {
    auto [It, New] = UnseenCallees.try_emplace(Callee, false);
    if (New)
      It->second = isUnseenUserFunction(Callee);
    return It->second;
  }
  llvm::DenseMap<const RecordDecl *, const model::TimeoutSpec *> FieldSpecCache;
  llvm::DenseSet<const VarDecl *> Derived, Written;
  llvm::DenseSet<const UnaryOperator *> ModelArgs;
  /// Facts established on globals anywhere, and on parameters of helpers.
  llvm::DenseMap<const VarDecl *, HandleState> Summaries;
  /// Variables that received a setter fact somewhere (redisConnect + later
  /// redisSetTimeout), and what each call result is assigned to.
  llvm::DenseSet<const VarDecl *> SetterTargets;
  llvm::DenseMap<const Expr *, const VarDecl *> AssignedTo;
  llvm::DenseSet<const FunctionDecl *> NeedsCfg;
  llvm::DenseSet<const VarDecl *> Tracked;
  std::set<std::pair<const Stmt *, int>> Reported;
};

const CalleeInfo &Analyzer::info(const FunctionDecl *FD) {
  FD = FD->getCanonicalDecl();
  auto It = Infos.find(FD);
  if (It != Infos.end())
    return It->second;
  CalleeInfo I;
  I.Name = Names.qualifiedName(FD);
  I.Block = M.blocking(I.Name);
  for (const model::TimeoutSpec *S : Setters)
    if (S->SetterFunction && S->SetterFunction->matches(I.Name) &&
        llvm::none_of(I.SetterOf, [&](const model::TimeoutSpec *O) {
          return O->Options == S->Options && O->SetterHandle.Kind == S->SetterHandle.Kind &&
                 O->SetterHandle.Index == S->SetterHandle.Index;
        }))
      I.SetterOf.push_back(S);
  I.IsMethodFact = llvm::any_of(MethodPatterns, [&](const model::NamePattern *P) {
    return P->matches(I.Name);
  });
  I.IsDeadline = M.isDeadlineFunction(I.Name);
  I.Ready = M.readiness(I.Name);
  I.NonBlocking = M.nonBlocking(I.Name);
  if (const model::Factory *F = M.factory(I.Name); F && !F->CreatesTemplateArg)
    I.IsCreation = true;
  if (auto A = M.acquisition(I.Name);
      A.second && A.second->Handle.Kind == model::HandleRef::Return)
    I.IsCreation = true;
  if (I.Block && I.Block->Handle.Kind == model::HandleRef::None &&
      (I.Block->Timeout.Via == model::TimeoutSpec::Conninfo ||
       I.Block->Timeout.Via == model::TimeoutSpec::NoTimeout) &&
      FD->getReturnType()->isPointerType())
    I.IsCreation = true;
  return Infos.try_emplace(FD, std::move(I)).first->second;
}

const CalleeInfo *Analyzer::calleeInfo(const Stmt *S) {
  if (const auto *CE = dyn_cast<CallExpr>(S))
    if (const FunctionDecl *FD = CE->getDirectCallee())
      return &info(FD);
  if (const auto *CC = dyn_cast<CXXConstructExpr>(S))
    if (const CXXConstructorDecl *Ctor = CC->getConstructor())
      if (!Ctor->isCopyOrMoveConstructor())
        return &info(Ctor);
  return nullptr;
}

const model::TimeoutSpec *Analyzer::fieldSpecFor(QualType T) {
  if (FieldSpecs.empty())
    return nullptr;
  const CXXRecordDecl *RD = NameCache::recordOf(T);
  if (!RD || !RD->hasDefinition())
    return nullptr;
  RD = RD->getDefinition();
  auto It = FieldSpecCache.find(RD);
  if (It != FieldSpecCache.end())
    return It->second;
  const model::TimeoutSpec *Found = nullptr;
  std::function<void(const CXXRecordDecl *)> Visit = [&](const CXXRecordDecl *R) {
    if (Found || !R)
      return;
    const std::string &N = Names.qualifiedName(R);
    for (const model::TimeoutSpec *S : FieldSpecs)
      if (S->FieldType && S->FieldType->matches(N)) {
        Found = S;
        return;
      }
    if (R->hasDefinition())
      for (const CXXBaseSpecifier &B : R->getDefinition()->bases())
        Visit(NameCache::recordOf(B.getType()));
  };
  Visit(RD);
  FieldSpecCache[RD] = Found;
  return Found;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

const Expr *Analyzer::neverWrittenInit(const Expr *E) {
  const VarDecl *V = varOf(E);
  if (!V || isa<ParmVarDecl>(V) || Written.count(V) || V->getType()->isReferenceType())
    return nullptr;
  if (!V->hasLocalStorage() && !V->getType().isConstQualified() && !V->isConstexpr())
    return nullptr; // A mutable global may be set anywhere.
  return V->getInit();
}

std::optional<long long> Analyzer::constInt(const Expr *E, unsigned Depth) {
  E = peel(E);
  if (!E || Depth > 4 || E->isValueDependent() || E->isTypeDependent())
    return std::nullopt;
  Expr::EvalResult R;
  if (E->getType()->isIntegralOrEnumerationType() && E->EvaluateAsInt(R, Ctx)) {
    // ULONG_MAX, (unsigned long)-1, __int128 constants: saturated.
    const llvm::APSInt &I = R.Val.getInt();
    if (std::optional<int64_t> V = I.tryExtValue())
      return *V;
    return I.isSigned() && I.isNegative() ? LLONG_MIN : LLONG_MAX;
  }
  if (const auto *UO = dyn_cast<UnaryOperator>(E); UO && UO->getOpcode() == UO_Minus)
    if (auto V = constInt(UO->getSubExpr(), Depth + 1))
      return *V == LLONG_MIN ? LLONG_MAX : -*V;
  if (isa<DeclRefExpr>(E))
    if (const Expr *Init = neverWrittenInit(E))
      return constInt(Init, Depth + 1);
  return std::nullopt;
}

/// A constant std::chrono::duration, in ms: duration<Rep, ratio<N, D>>
/// built from a constant count, a literal (`5s`) or another such duration.
std::optional<long long> Analyzer::chronoMs(const Expr *E, unsigned Depth) {
  E = peel(E);
  if (!E || Depth > 6)
    return std::nullopt;
  auto Ratio = [](QualType T) -> std::optional<std::pair<llvm::APSInt, llvm::APSInt>> {
    const auto *D = dyn_cast_or_null<ClassTemplateSpecializationDecl>(NameCache::recordOf(T));
    if (!D || D->getTemplateArgs().size() != 2 ||
        D->getTemplateArgs()[1].getKind() != TemplateArgument::Type)
      return std::nullopt;
    const auto *R = dyn_cast_or_null<ClassTemplateSpecializationDecl>(
        NameCache::recordOf(D->getTemplateArgs()[1].getAsType()));
    if (!R || R->getTemplateArgs().size() != 2 ||
        R->getTemplateArgs()[0].getKind() != TemplateArgument::Integral ||
        R->getTemplateArgs()[1].getKind() != TemplateArgument::Integral)
      return std::nullopt;
    return std::make_pair(R->getTemplateArgs()[0].getAsIntegral(),
                          R->getTemplateArgs()[1].getAsIntegral());
  };
  auto Scale = [&](long long Count, QualType T) -> std::optional<long long> {
    auto R = Ratio(T);
    if (!R || R->second == 0)
      return std::nullopt;
    auto Num = R->first.tryExtValue(), Den = R->second.tryExtValue();
    if (!Num || !Den || *Den <= 0)
      return std::nullopt;
    // Count * Num * 1000 / Den without overflow: ms per tick first when
    // it is whole (ratio<1>, ratio<60>), else saturated products.
    if (*Num % *Den == 0)
      return scaleSat(Count, scaleSat(*Num / *Den, 1000));
    return scaleSat(scaleSat(Count, *Num), 1000, *Den);
  };
  if (const auto *FC = dyn_cast<CXXFunctionalCastExpr>(E))
    return chronoMs(FC->getSubExpr(), Depth + 1);
  if (const auto *UDL = dyn_cast<UserDefinedLiteral>(E)) {
    if (const auto *IL = dyn_cast_or_null<IntegerLiteral>(UDL->getCookedLiteral()))
      return Scale(IL->getValue().getSExtValue(), UDL->getType());
    return std::nullopt;
  }
  if (const auto *CC = dyn_cast<CXXConstructExpr>(E)) {
    if (CC->getNumArgs() != 1)
      return std::nullopt;
    const Expr *A = CC->getArg(0);
    if (Ratio(peel(A)->getType()))
      return chronoMs(A, Depth + 1);
    if (auto C = constInt(A))
      return Scale(*C, CC->getType());
    return std::nullopt;
  }
  if (const auto *CE = dyn_cast<CallExpr>(E)) {
    // duration_cast<D>(d) and the like: a conversion of its one argument.
    if (CE->getNumArgs() == 1 && Ratio(CE->getType()) && Ratio(peel(CE->getArg(0))->getType()))
      return chronoMs(CE->getArg(0), Depth + 1);
    return std::nullopt;
  }
  if (isa<DeclRefExpr>(E))
    if (const Expr *Init = neverWrittenInit(E))
      return chronoMs(Init, Depth + 1);
  return std::nullopt;
}

Value Analyzer::classify(const Expr *E, llvm::StringRef Unit) {
  Value V;
  if (!E)
    return V;
  if (isDerived(E)) {
    V.Kind = Value::Derived;
    return V;
  }
  const Expr *P = peel(E);
  if (Unit == "timeval" || Unit == "timespec") {
    if (P->isNullPointerConstant(Ctx, Expr::NPC_ValueDependentIsNotNull)) {
      V.Kind = Value::Null;
      return V;
    }
    const Expr *Init = P;
    if (const auto *UO = dyn_cast<UnaryOperator>(P); UO && UO->getOpcode() == UO_AddrOf)
      Init = peel(UO->getSubExpr());
    if (isa<DeclRefExpr>(Init))
      Init = neverWrittenInit(Init);
    if (const auto *IL = dyn_cast_or_null<InitListExpr>(Init ? peel(Init) : nullptr)) {
      if (IL->getNumInits() >= 1) {
        auto Sec = constInt(IL->getInit(0));
        auto Sub = IL->getNumInits() >= 2 ? constInt(IL->getInit(1)) : std::optional<long long>(0);
        if (Sec && Sub) {
          V.Kind = Value::Const;
          long long SubMs = Unit == "timeval" ? *Sub / 1000 : *Sub / 1000000;
          V.Ms = scaleSat(*Sec, 1000);
          V.Ms = V.Ms > LLONG_MAX - std::max(SubMs, 0LL) ||
                         V.Ms < LLONG_MIN - std::min(SubMs, 0LL)
                     ? (SubMs > 0 ? LLONG_MAX : LLONG_MIN)
                     : V.Ms + SubMs;
          V.Raw = V.Ms;
        }
      }
    }
    return V;
  }
  if (Unit == "chrono") {
    if (auto Ms = chronoMs(P)) {
      V.Kind = Value::Const;
      V.Ms = V.Raw = *Ms;
    }
    return V;
  }
  if (auto C = constInt(P)) {
    V.Kind = Value::Const;
    V.Raw = *C;
    V.Ms = toMs(*C, Unit);
  }
  return V;
}

std::optional<std::string> Analyzer::stringValue(const Expr *E, unsigned Depth) {
  E = peel(E);
  if (!E || Depth > 8)
    return std::nullopt;
  if (const auto *SL = dyn_cast<StringLiteral>(E))
    return SL->getString().str();
  if (const auto *FC = dyn_cast<CXXFunctionalCastExpr>(E))
    return stringValue(FC->getSubExpr(), Depth + 1);
  if (const auto *CC = dyn_cast<CXXConstructExpr>(E)) {
    // std::string(literal) and friends: the characters come from arg 0.
    if (CC->getNumArgs() >= 1 && !isa<CXXDefaultArgExpr>(CC->getArg(0)))
      return stringValue(CC->getArg(0), Depth + 1);
    return std::nullopt;
  }
  if (const auto *OC = dyn_cast<CXXOperatorCallExpr>(E)) {
    if (OC->getOperator() == OO_Plus && OC->getNumArgs() == 2) {
      auto L = stringValue(OC->getArg(0), Depth + 1);
      auto R = L ? stringValue(OC->getArg(1), Depth + 1) : std::nullopt;
      if (L && R)
        return *L + *R;
    }
    return std::nullopt;
  }
  if (const auto *MC = dyn_cast<CXXMemberCallExpr>(E)) {
    // s.c_str() / s.data(): a const accessor of a known string.
    if (MC->getNumArgs() == 0 && MC->getMethodDecl() && MC->getMethodDecl()->isConst() &&
        MC->getType()->isPointerType())
      return stringValue(MC->getImplicitObjectArgument(), Depth + 1);
    return std::nullopt;
  }
  if (isa<DeclRefExpr>(E))
    if (const Expr *Init = neverWrittenInit(E))
      return stringValue(Init, Depth + 1);
  return std::nullopt;
}

/// Names an option argument may be spelled with: the enumerator, the macros
/// it was expanded from, through a never-written local (curl's
/// `CURLoption _curl_opt = (option);` in its type-checking macro).
std::vector<std::string> Analyzer::optionNames(const Expr *E) {
  std::vector<std::string> Out;
  const SourceManager &SM = Ctx.getSourceManager();
  for (unsigned Depth = 0; E && Depth < 4; ++Depth) {
    const Expr *P = peel(E);
    for (SourceLocation L = E->getBeginLoc(); L.isMacroID();
         L = SM.getImmediateMacroCallerLoc(L)) {
      llvm::StringRef N = Lexer::getImmediateMacroName(L, SM, Ctx.getLangOpts());
      if (!N.empty())
        Out.push_back(N.str());
    }
    const auto *DRE = dyn_cast<DeclRefExpr>(P);
    if (!DRE)
      break;
    if (const auto *EC = dyn_cast<EnumConstantDecl>(DRE->getDecl())) {
      Out.push_back(EC->getName().str());
      break;
    }
    E = neverWrittenInit(P);
  }
  return Out;
}

//===----------------------------------------------------------------------===//
// Pass 1: deadline taint and written variables
//===----------------------------------------------------------------------===//

bool Analyzer::isDerived(const Stmt *Root) {
  return anyStmt(Root, [&](const Stmt *S) {
    if (const auto *CE = dyn_cast<CallExpr>(S))
      if (const FunctionDecl *FD = CE->getDirectCallee(); FD && info(FD).IsDeadline)
        return true;
    if (const auto *ME = dyn_cast<MemberExpr>(S))
      if (const auto *FD = dyn_cast<FieldDecl>(ME->getMemberDecl());
          FD && M.isDeadlineField(Names.qualifiedName(FD)))
        return true;
    if (const auto *DRE = dyn_cast<DeclRefExpr>(S))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && Derived.count(V))
        return true;
    return false;
  });
}

void Analyzer::taint(const Stmt *Root, bool &Changed) {
  walkStmts(Root, [&](const Stmt *S) {
    taintNode(S, Changed);
    return true;
  });
}

void Analyzer::taintNode(const Stmt *S, bool &Changed) {
  auto Mark = [&](const VarDecl *V, const Stmt *Source) {
    if (V && !Derived.count(V) && isDerived(Source))
      Changed |= Derived.insert(V).second;
  };
  if (const auto *DS = dyn_cast<DeclStmt>(S)) {
    for (const Decl *D : DS->decls())
      if (const auto *V = dyn_cast<VarDecl>(D); V && V->getInit())
        Mark(V, V->getInit());
  } else if (const auto *BO = dyn_cast<BinaryOperator>(S)) {
    if (BO->isAssignmentOp()) {
      const VarDecl *V = baseVarOf(BO->getLHS());
      if (V)
        Written.insert(V);
      Mark(V, BO->getRHS());
    }
  } else if (const auto *UO = dyn_cast<UnaryOperator>(S)) {
    if (UO->isIncrementDecrementOp() ||
        (UO->getOpcode() == UO_AddrOf && !ModelArgs.count(UO)))
      if (const VarDecl *V = baseVarOf(UO->getSubExpr()))
        Written.insert(V);
  } else if (const auto *OC = dyn_cast<CXXOperatorCallExpr>(S)) {
    if (OC->isAssignmentOp() && OC->getNumArgs() == 2) {
      const VarDecl *V = baseVarOf(OC->getArg(0));
      if (V)
        Written.insert(V);
      Mark(V, OC->getArg(1));
    }
  }
  if (const auto *MC = dyn_cast<CXXMemberCallExpr>(S))
    if (const CXXMethodDecl *MD = MC->getMethodDecl(); MD && !MD->isConst())
      if (const VarDecl *V = baseVarOf(MC->getImplicitObjectArgument()))
        Written.insert(V);
  if (const auto *CE = dyn_cast<CallExpr>(S)) {
    if (const FunctionDecl *Callee = CE->getDirectCallee()) {
      // `select(..., &tv)`, `setsockopt(..., &tv, ...)`: the model's calls
      // read their timeout through the pointer.
      const CalleeInfo &I = info(Callee);
      if (I.Block || !I.SetterOf.empty())
        for (const Expr *A : CE->arguments())
          if (const auto *UO = dyn_cast<UnaryOperator>(A->IgnoreParenImpCasts());
              UO && UO->getOpcode() == UO_AddrOf)
            ModelArgs.insert(UO);
      const FunctionDecl *Def = nullptr;
      bool HasBody = Callee->hasBody(Def) && !isInSystemHeader(Def);
      unsigned Shift = isa<CXXOperatorCallExpr>(CE) && isa<CXXMethodDecl>(Callee) ? 1 : 0;
      for (unsigned I = Shift; I < CE->getNumArgs(); ++I) {
        unsigned P = I - Shift;
        const ParmVarDecl *Parm =
            (Def ? Def : Callee)->getNumParams() > P ? (Def ? Def : Callee)->getParamDecl(P) : nullptr;
        // Passing to a non-const reference may write the variable.
        if (Parm && Parm->getType()->isReferenceType() &&
            !Parm->getType().getNonReferenceType().isConstQualified())
          if (const VarDecl *V = baseVarOf(CE->getArg(I)))
            Written.insert(V);
        if (HasBody && Parm)
          Mark(Parm, CE->getArg(I));
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Facts and creations
//===----------------------------------------------------------------------===//

void Analyzer::factsOf(const Stmt *S,
                       llvm::function_ref<void(const VarDecl *, Fact)> Emit) {
  // Field assignments: opts.socket_timeout = ...; cfg.requestTimeoutMs = ...
  auto [LHS, RHS] = assignmentSides(S);
  if (LHS) {
    if (const auto *ME = dyn_cast<MemberExpr>(peel(LHS))) {
      const Expr *Base = peel(ME->getBase());
      if (const VarDecl *V = varOf(Base))
        if (const model::TimeoutSpec *FS = fieldSpecFor(Base->getType())) {
          std::string Field = ME->getMemberDecl()->getNameAsString();
          auto It = FS->Fields.find(Field);
          if (It != FS->Fields.end())
            Emit(V, {Field, classify(RHS, It->second), ME->getExprLoc()});
        }
    }
    return;
  }

  const auto *CE = dyn_cast<CallExpr>(S);
  if (!CE)
    return;
  const FunctionDecl *Callee = CE->getDirectCallee();
  if (!Callee)
    return;
  const CalleeInfo &I = info(Callee);
  // Made non-blocking later: fcntl(fd, F_SETFL, flags | O_NONBLOCK).
  markNonBlocking(CE, Callee, model::HandleRef::Arg, Emit, nullptr);
  // Reported ready: poll(&pfd, 1, ms) with pfd.fd = s.
  for (const model::Readiness *R : I.Ready)
    markReady(CE, *R, Emit);
  // Setter calls on a handle.
  for (const model::TimeoutSpec *T : I.SetterOf) {
    const VarDecl *V = varOf(CallBinding::handleExpr(CE, T->SetterHandle));
    if (!V)
      continue;
    std::string Name = I.Name, Unit = T->Unit;
    if (T->OptionArg) {
      const Expr *Opt = callArg(CE, *T->OptionArg);
      if (!Opt)
        continue;
      Name.clear();
      for (const std::string &N : optionNames(Opt))
        if (auto It = T->Options.find(N); It != T->Options.end()) {
          Name = N;
          Unit = It->second;
          break;
        }
      if (Name.empty())
        continue;
    }
    Emit(V, {Name, classify(T->ValueArg ? callArg(CE, *T->ValueArg) : nullptr, Unit),
             CE->getExprLoc()});
  }
  // Bounding methods on an object: ctx.set_deadline(...), f.wait_for(...).
  if (I.IsMethodFact)
    if (const VarDecl *V = varOf(callObject(CE))) {
      Value Val;
      if (llvm::any_of(CE->arguments(), [&](const Expr *A) { return isDerived(A); }))
        Val.Kind = Value::Derived;
      Emit(V, {I.Name, Val, CE->getExprLoc()});
    }
  // A server-side setting run on a connection: PQexec(c, "SET statement_timeout = 5000").
  if (I.Block && I.Block->Timeout.Via == model::TimeoutSpec::ConnectionSetting)
    if (const VarDecl *V = varOf(CallBinding::handleExpr(CE, I.Block->Handle)))
      for (const Expr *A : CE->arguments())
        if (auto Sql = stringValue(A))
          if (auto Val = sqlSetValue(*Sql, I.Block->Timeout.Setting)) {
            Value X;
            if (auto Ms = parseDuration(*Val, "ms")) {
              X.Kind = Value::Const;
              X.Ms = X.Raw = *Ms;
            }
            Emit(V, {I.Block->Timeout.Setting, X, CE->getExprLoc()});
          }
  // A helper that configures its parameter: configure(h).
  const FunctionDecl *Def = nullptr;
  if (Callee->hasBody(Def))
    for (unsigned P = 0; P < CE->getNumArgs() && P < Def->getNumParams(); ++P) {
      auto It = Summaries.find(Def->getParamDecl(P));
      if (It == Summaries.end())
        continue;
      if (const VarDecl *V = varOf(CE->getArg(P)))
        for (const Fact &F : It->second.Facts)
          Emit(V, F);
    }
}

/// The state of \p V after it is initialised or assigned from \p Init.
std::optional<HandleState> Analyzer::creationOf(const VarDecl *V, const Expr *Init) {
  HandleState HS;
  HS.Known = true;
  if (V->getType()->isReferenceType()) {
    HS.Known = false;
    return HS;
  }
  const Expr *P = peel(Init);
  bool IsRecord = V->getType()->isRecordType();
  if (!P) {
    HS.Created = V->getLocation();
    return HS;
  }
  HS.Created = P->getBeginLoc();
  if (IsRecord) {
    // A new object unless copied from another variable.
    if (varOf(P))
      HS.Known = false;
    return HS;
  }
  if (P->isNullPointerConstant(Ctx, Expr::NPC_ValueDependentIsNotNull))
    return HS;
  const auto *CE = dyn_cast<CallExpr>(P);
  const FunctionDecl *Callee = CE ? CE->getDirectCallee() : nullptr;
  if (!Callee || !info(Callee).IsCreation) {
    HS.Known = false;
    return HS;
  }
  // Created non-blocking (socket(..., SOCK_NONBLOCK), a datagram socket).
  markNonBlocking(CE, Callee, model::HandleRef::Return,
                  [&](const VarDecl *, Fact F) { HS.set(std::move(F)); }, V);
  // Settings carried by the connection string (options=-c statement_timeout=...).
  conninfoSettings(CE, Callee, [&](Fact F) { HS.set(std::move(F)); });
  return HS;
}

void Analyzer::conninfoSettings(const Expr *Call, const FunctionDecl *Callee,
                                llvm::function_ref<void(Fact)> Emit) {
  const CalleeInfo &I = info(Callee);
  if (I.Block && I.Block->Timeout.Via == model::TimeoutSpec::Conninfo)
    if (auto Text = stringValue(callArg(Call, I.Block->Timeout.Arg)))
      for (const std::string &Setting : Settings)
        if (auto Val = conninfoValue(*Text, Setting)) {
          Value X;
          if (auto Ms = parseDuration(*Val, "ms")) {
            X.Kind = Value::Const;
            X.Ms = X.Raw = *Ms;
          }
          Emit({Setting, X, Call->getBeginLoc()});
        }
}

void Analyzer::inheritConnection(HandleState &HS, const Expr *Init, State &St) {
  const auto *CC = dyn_cast_or_null<CXXConstructExpr>(peel(Init));
  if (!CC || !HS.Known)
    return;
  // Only connection settings (statement_timeout): an object built from a
  // handle does not take the handle's other facts (its own timeouts).
  auto Add = [&](Fact F) {
    if (Settings.count(F.Name) && !HS.find(F.Name))
      HS.set(std::move(F));
  };
  for (const Expr *A : CC->arguments()) {
    const VarDecl *Conn = varOf(A);
    if (!Conn)
      continue;
    // The connection's state here when it is followed, else the settings
    // of the connection string it was constructed with.
    if (auto It = St.find(Conn); It != St.end()) {
      for (const Fact &F : It->second.Facts)
        Add(F);
      continue;
    }
    if (const auto *Ctor = dyn_cast_or_null<CXXConstructExpr>(peel(Conn->getInit())))
      conninfoSettings(Ctor, Ctor->getConstructor(), Add);
  }
}

void Analyzer::markNonBlocking(const CallExpr *CE, const FunctionDecl *Callee,
                               model::HandleRef::KindTy Which,
                               llvm::function_ref<void(const VarDecl *, Fact)> Emit,
                               const VarDecl *Result) {
  for (const model::NonBlocking *N : info(Callee).NonBlocking) {
    bool IsResult = N->Handle.Kind == model::HandleRef::Return;
    if (IsResult != (Which == model::HandleRef::Return))
      continue;
    if (!llvm::all_of(N->If, [&](const model::ArgCondition &C) {
          return conditionHolds(CE, C, Ctx);
        }))
      continue;
    const VarDecl *V = IsResult ? Result : varOf(CallBinding::handleExpr(CE, N->Handle));
    if (!V)
      continue;
    std::string Name = "#nonblocking:" + N->Function.text();
    for (const model::ArgCondition &C : N->If)
      Name += ", " + C.str();
    NonBlockingFacts.emplace(Name, &N->Calls);
    Value X;
    X.Kind = Value::Const;
    X.Ms = X.Raw = 1; // Not 0: an explicit 0 erases a fact.
    Emit(V, {Name, X, CE->getExprLoc()});
  }
}

bool Analyzer::nonBlockingFor(const HandleState &HS, llvm::StringRef Callee) const {
  for (const Fact &F : HS.Facts) {
    auto It = NonBlockingFacts.find(F.Name);
    if (It == NonBlockingFacts.end())
      continue;
    const std::vector<model::NamePattern> &Calls = *It->second;
    if (Calls.empty() || llvm::any_of(Calls, [&](const model::NamePattern &P) {
          return P.matches(Callee);
        }))
      return true;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Readiness: descriptors a poll/select/epoll_wait call reports ready
//===----------------------------------------------------------------------===//

/// Does the record \p RD match the rule's type?
static bool recordMatches(const model::Registration &G, const RecordDecl *RD,
                          NameCache &Names) {
  return RD && G.Type && G.Type->matches(Names.qualifiedName(RD));
}

void Analyzer::registerInit(Registrations &R, const VarDecl *Set, const Expr *Init) {
  // `struct pollfd p = {s, POLLIN, 0}`, `{.fd = s}`, `pollfd fds[] = {{a,
  // POLLIN}, {b, POLLIN}}`, `fds[n] = (struct pollfd){s, POLLIN, 0}`: the
  // semantic form of an initializer list has one init per field, in order.
  llvm::SmallVector<const Expr *, 4> Work{Init};
  while (!Work.empty()) {
    const Expr *E = peel(Work.pop_back_val());
    if (const auto *CL = dyn_cast_or_null<CompoundLiteralExpr>(E))
      E = peel(CL->getInitializer());
    const auto *ILE = dyn_cast_or_null<InitListExpr>(E);
    if (!ILE)
      continue;
    if (const RecordDecl *RD = ILE->getType()->getAsRecordDecl()) {
      for (unsigned Idx = 0; Idx < Rules.size(); ++Idx) {
        const model::Registration &G = *Rules[Idx];
        if (G.Kind != model::Registration::Field || !recordMatches(G, RD, Names))
          continue;
        unsigned FieldIdx = 0;
        for (const FieldDecl *F : RD->fields()) {
          if (F->getName() == G.FieldName) {
            if (FieldIdx < ILE->getNumInits())
              if (const VarDecl *Fd = varOf(ILE->getInit(FieldIdx)))
                R.Fds[{Idx, Set}].push_back(Fd);
            break;
          }
          ++FieldIdx;
        }
      }
      continue;
    }
    for (const Expr *Sub : ILE->inits())
      Work.push_back(Sub);
  }
}

void Analyzer::registerMacro(Registrations &R, const Expr *E, unsigned Rule,
                             SourceLocation InMacro) {
  // `FD_SET(s, &set)` expands to bit operations on the set (glibc:
  // `__FDS_BITS(set)[__FD_ELT(s)] |= __FD_MASK(s)`): no call to bind. The
  // macro's arguments are read from the invocation's text; the expressions
  // of the expansion spelled inside argument N are that argument.
  const SourceManager &SM = Ctx.getSourceManager();
  const model::Registration &G = *Rules[Rule];
  SourceLocation X = InMacro;
  while (SM.isMacroArgExpansion(X))
    X = SM.getImmediateExpansionRange(X).getBegin();
  SourceLocation Begin = SM.getSpellingLoc(SM.getImmediateExpansionRange(X).getBegin());
  if (!R.MacroSeen.insert(Begin.getRawEncoding()).second)
    return;
  const auto Decomposed = SM.getDecomposedLoc(Begin);
  const FileID FID = Decomposed.first;
  const unsigned Offset = Decomposed.second;
  bool Invalid = false;
  llvm::StringRef Buf = SM.getBufferData(FID, &Invalid);
  if (Invalid || Offset >= Buf.size())
    return;
  Lexer Lex(SM.getLocForStartOfFile(FID), Ctx.getLangOpts(), Buf.begin(),
            Buf.begin() + Offset, Buf.end());
  Token Tok;
  Lex.LexFromRawLexer(Tok); // The macro's name.
  if (!Tok.is(tok::raw_identifier) || Tok.getRawIdentifier() != G.MacroName)
    return;
  Lex.LexFromRawLexer(Tok);
  if (!Tok.is(tok::l_paren))
    return;
  // Each argument as [first offset, last token's offset].
  llvm::SmallVector<std::pair<unsigned, unsigned>, 4> Args;
  unsigned Depth = 0;
  bool Open = false;
  while (!Lex.LexFromRawLexer(Tok) || Tok.isNot(tok::eof)) {
    if (Tok.is(tok::eof))
      return;
    unsigned At = SM.getFileOffset(Tok.getLocation());
    if (Depth == 0 && (Tok.is(tok::comma) || Tok.is(tok::r_paren))) {
      if (!Open)
        Args.push_back({At, At}); // An empty argument.
      Open = false;
      if (Tok.is(tok::r_paren))
        break;
      continue;
    }
    if (Tok.isOneOf(tok::l_paren, tok::l_square, tok::l_brace))
      ++Depth;
    else if (Tok.isOneOf(tok::r_paren, tok::r_square, tok::r_brace) && Depth)
      --Depth;
    if (!Open)
      Args.push_back({At, At});
    Args.back().second = At;
    Open = true;
  }
  if (G.FdArg >= Args.size() || G.SetArg >= Args.size())
    return;
  // The outermost expression of the expansion spelled within an argument.
  auto ArgExpr = [&](unsigned I) -> const Expr * {
    const Expr *Found = nullptr;
    walkStmts(E, [&](const Stmt *S) {
      if (Found)
        return false;
      const auto *Sub = dyn_cast<Expr>(S);
      if (!Sub)
        return true;
      auto [BF, BO] = SM.getDecomposedLoc(SM.getSpellingLoc(Sub->getBeginLoc()));
      auto [EF, EO] = SM.getDecomposedLoc(SM.getSpellingLoc(Sub->getEndLoc()));
      if (BF == FID && EF == FID && BO >= Args[I].first && EO <= Args[I].second &&
          BO <= EO) {
        Found = Sub;
        return false;
      }
      return true;
    });
    return Found;
  };
  const VarDecl *Fd = varOf(ArgExpr(G.FdArg));
  const VarDecl *Set = varOf(ArgExpr(G.SetArg));
  if (Fd && Set)
    R.Fds[{Rule, Set}].push_back(Fd);
}

const Analyzer::Registrations &Analyzer::registrationsIn(const FunctionDecl *FD) {
  std::unique_ptr<Registrations> &Slot = RegistrationCache[FD];
  if (Slot)
    return *Slot;
  Slot = std::make_unique<Registrations>();
  Registrations &R = *Slot;
  const FunctionDecl *Def = nullptr;
  if (!FD || !FD->hasBody(Def))
    return R;
  const SourceManager &SM = Ctx.getSourceManager();
  bool HasMacroRules = llvm::any_of(Rules, [](const model::Registration *G) {
    return G->Kind == model::Registration::Macro;
  });
  auto Copy = [&](const VarDecl *To, const Expr *From) {
    if (const VarDecl *Src = varOf(From); To && Src && Src != To)
      R.CopiedFrom[To].push_back(Src);
  };
  walkStmts(Def->getBody(), [&](const Stmt *S) {
    if (isa<LambdaExpr>(S))
      return false; // A function of its own.
    if (const auto *DS = dyn_cast<DeclStmt>(S)) {
      for (const Decl *D : DS->decls())
        if (const auto *V = dyn_cast<VarDecl>(D); V && V->getInit()) {
          registerInit(R, V, V->getInit());
          Copy(V, V->getInit());
        }
      return true;
    }
    auto [LHS, RHS] = assignmentSides(S);
    if (LHS) {
      // pfd.fd = s; fds[i].fd = s;
      if (const auto *ME = dyn_cast<MemberExpr>(peel(LHS))) {
        if (const auto *F = dyn_cast<FieldDecl>(ME->getMemberDecl()))
          for (unsigned Idx = 0; Idx < Rules.size(); ++Idx)
            if (Rules[Idx]->Kind == model::Registration::Field &&
                F->getName() == Rules[Idx]->FieldName &&
                recordMatches(*Rules[Idx], F->getParent(), Names))
              if (const VarDecl *Set = varOf(ME->getBase()))
                if (const VarDecl *Fd = varOf(RHS))
                  R.Fds[{Idx, Set}].push_back(Fd);
      } else if (const VarDecl *Set = varOf(LHS)) {
        registerInit(R, Set, RHS);
        Copy(Set, RHS);
      }
    }
    if (const auto *CE = dyn_cast<CallExpr>(S))
      if (const FunctionDecl *Callee = CE->getDirectCallee())
        for (unsigned Idx = 0; Idx < Rules.size(); ++Idx) {
          const model::Registration &G = *Rules[Idx];
          if (G.Kind != model::Registration::Call ||
              !G.Function->matches(Names.qualifiedName(Callee)) ||
              !llvm::all_of(G.If, [&](const model::ArgCondition &C) {
                return conditionHolds(CE, C, Ctx);
              }))
            continue;
          const VarDecl *Set = varOf(callArg(CE, G.SetArg));
          const VarDecl *Fd = varOf(callArg(CE, G.FdArg));
          if (Set && Fd)
            R.Fds[{Idx, Set}].push_back(Fd);
        }
    if (HasMacroRules)
      if (const auto *E = dyn_cast<Expr>(S); E && E->getBeginLoc().isMacroID())
        for (SourceLocation L = E->getBeginLoc(); L.isMacroID();
             L = SM.getImmediateMacroCallerLoc(L)) {
          llvm::StringRef Name = Lexer::getImmediateMacroName(L, SM, Ctx.getLangOpts());
          for (unsigned Idx = 0; Idx < Rules.size(); ++Idx)
            if (Rules[Idx]->Kind == model::Registration::Macro &&
                Rules[Idx]->MacroName == Name)
              registerMacro(R, E, Idx, L);
        }
    return true;
  });
  return R;
}

void Analyzer::markReady(const CallExpr *CE, const model::Readiness &R,
                         llvm::function_ref<void(const VarDecl *, Fact)> Emit) {
  const VarDecl *Set = varOf(callArg(CE, R.SetArg));
  auto RulesIt = RulesOf.find(&R);
  if (!Set || RulesIt == RulesOf.end() || !CurrentFn)
    return;
  const Registrations &Regs = registrationsIn(CurrentFn);
  // The set and the sets it was copied from (`read_fds = master`).
  llvm::SmallVector<const VarDecl *, 4> Sets{Set};
  for (size_t I = 0; I < Sets.size() && Sets.size() < 16; ++I)
    if (auto It = Regs.CopiedFrom.find(Sets[I]); It != Regs.CopiedFrom.end())
      for (const VarDecl *From : It->second)
        if (!llvm::is_contained(Sets, From))
          Sets.push_back(From);
  std::string Name = "#ready:" + R.Function.text() + " arg " + std::to_string(R.SetArg);
  NonBlockingFacts.emplace(Name, &R.Calls);
  for (unsigned Rule : RulesIt->second)
    for (const VarDecl *S : Sets)
      if (auto It = Regs.Fds.find({Rule, S}); It != Regs.Fds.end())
        for (const VarDecl *Fd : It->second) {
          Fact F{Name, {}, CE->getExprLoc(), /*Must=*/true};
          F.V.Kind = Value::Const;
          F.V.Ms = F.V.Raw = 1; // Not 0: an explicit 0 erases a fact.
          Emit(Fd, std::move(F));
        }
}

HandleState &Analyzer::lookup(State &St, const VarDecl *V) {
  auto It = St.find(V);
  if (It != St.end())
    return It->second;
  HandleState HS;
  if (!V->hasLocalStorage() && !isa<ParmVarDecl>(V)) {
    // A global enters with what init and handler code establish on it.
    HS.Known = true;
    HS.Created = V->getLocation();
    if (auto S = Summaries.find(V); S != Summaries.end()) {
      HS.Facts = S->second.Facts;
      if (S->second.Created.isValid())
        HS.Created = S->second.Created;
    }
  }
  return St.emplace(V, std::move(HS)).first->second;
}

//===----------------------------------------------------------------------===//
// Pass 2: summaries
//===----------------------------------------------------------------------===//

void Analyzer::summarize(const FunctionDecl *FD, const Stmt *Body) {
  CurrentFn = FD;
  bool InScope = Scope.inHandlerScope(FD) || Scope.inInitScope(FD);
  // Not recursive (StmtWalk.h); the children of S are walked after it.
  std::function<bool(const Stmt *)> Walk = [&](const Stmt *S) -> bool {
    // Facts, creations, field constants and blocking calls come from these
    // alone; any other node only leads to its children.
    if (!isa<DeclStmt, BinaryOperator, CallExpr, CXXConstructExpr, LambdaExpr>(S))
      return true;
    if (const auto *BO = dyn_cast<BinaryOperator>(S); BO && BO->getOpcode() == BO_Assign)
      AssignsOf[FD].push_back(S);
    if (isa<LambdaExpr>(S)) {
      // The body is a function of its own; captures are evaluated here.
      for (const Expr *Init : cast<LambdaExpr>(S)->capture_inits())
        walkStmts(Init, Walk);
      return false;
    }
    factsOf(S, [&](const VarDecl *V, Fact F) {
      // A readiness report holds where it is made, not in every function
      // that uses a global descriptor; a helper's parameter carries it to
      // the call (wait_readable(fd) then read(fd)).
      if (F.Must && !V->hasLocalStorage() && !isa<ParmVarDecl>(V))
        return;
      if (!V->hasLocalStorage() || isa<ParmVarDecl>(V)) {
        HandleState &HS = Summaries[V];
        HS.Known = true;
        if (!(F.V.Kind == Value::Const && F.V.Ms == 0))
          HS.set(F);
      }
      if (F.Name != "" && llvm::any_of(Setters, [&](const model::TimeoutSpec *T) {
            return T->Options.count(F.Name) ||
                   (T->SetterFunction && T->SetterFunction->matches(F.Name));
          }))
        SetterTargets.insert(V);
    });
    // Creation of a global: its conninfo settings and where it was made.
    auto Created = [&](const VarDecl *V, const Expr *Init) {
      if (const auto *CE = dyn_cast_or_null<CallExpr>(peel(Init)); CE && V)
        AssignedTo[CE] = V;
      if (!V || V->hasLocalStorage())
        return;
      if (auto HS = creationOf(V, Init); HS && HS->Known) {
        HandleState &G = Summaries[V];
        G.Known = true;
        G.Created = HS->Created;
        for (const Fact &F : HS->Facts)
          G.set(F);
      }
    };
    if (const auto *DS = dyn_cast<DeclStmt>(S)) {
      for (const Decl *D : DS->decls())
        if (const auto *V = dyn_cast<VarDecl>(D); V && V->getInit())
          Created(V, V->getInit());
    } else if (const auto *BO = dyn_cast<BinaryOperator>(S);
               BO && BO->getOpcode() == BO_Assign) {
      if (const auto *DRE = dyn_cast<DeclRefExpr>(peel(BO->getLHS())))
        if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()))
          Created(V, BO->getRHS());
    }
    // Field constants (ClientConfiguration::requestTimeoutMs = 60000).
    if (const auto *BO = dyn_cast<BinaryOperator>(S); InScope && BO && BO->getOpcode() == BO_Assign)
      if (const auto *ME = dyn_cast<MemberExpr>(peel(BO->getLHS())))
        if (const model::TimeoutSpec *FS = fieldSpecFor(peel(ME->getBase())->getType())) {
          std::string Field = ME->getMemberDecl()->getNameAsString();
          if (auto It = FS->Fields.find(Field); It != FS->Fields.end()) {
            Value V = classify(BO->getRHS(), It->second);
            if (V.Kind == Value::Const && V.Ms > 0) {
              DeadlineSite Site;
              Site.Kind = DeadlineSite::FieldConstant;
              Site.Site = BO;
              Site.Loc = ME->getExprLoc();
              Site.Callee = Field;
              Site.Alternative = displayTypeName(peel(ME->getBase())->getType());
              Site.Value = V.Ms;
              add(std::move(Site), FD);
            }
          }
        }
    // Does this function contain anything to evaluate?
    if (const CalleeInfo *I = calleeInfo(S)) {
      if (I->Block && I->Block->Timeout.Via != model::TimeoutSpec::Field) {
        NeedsCfg.insert(FD);
        if (const Expr *H = CallBinding::handleExpr(cast<Expr>(S), I->Block->Handle))
          if (const VarDecl *V = varOf(H))
            Tracked.insert(V);
        if (I->Block->Timeout.Via == model::TimeoutSpec::Method &&
            I->Block->Timeout.Object.Kind == model::HandleRef::Arg)
          if (const VarDecl *V = varOf(callArg(cast<Expr>(S), I->Block->Timeout.Object.Index)))
            Tracked.insert(V);
      }
    }
    if (const auto *CC = dyn_cast<CXXConstructExpr>(S))
      for (const Expr *A : CC->arguments())
        if (const VarDecl *V = varOf(A); V && fieldSpecFor(V->getType()) &&
                                         !fieldSpecFor(CC->getType())) {
          NeedsCfg.insert(FD);
          Tracked.insert(V);
        }
    return true;
  };
  walkStmts(Body, Walk);
}

//===----------------------------------------------------------------------===//
// Pass 3: per-function flow
//===----------------------------------------------------------------------===//

void Analyzer::transfer(const Stmt *S, State &St, const FunctionDecl *FD,
                        bool Report) {
  // Only declarations, assignments and calls change a state, and only calls
  // and constructions are judged: every other element (a condition, a
  // return) is skipped before any lookup.
  if (!isa<DeclStmt, BinaryOperator, CallExpr>(S) && !(Report && isa<CXXConstructExpr>(S)))
    return;
  if (const auto *DS = dyn_cast<DeclStmt>(S)) {
    for (const Decl *D : DS->decls())
      if (const auto *V = dyn_cast<VarDecl>(D); V && Tracked.count(V))
        if (auto HS = creationOf(V, V->getInit())) {
          // A transaction built on a connection (pqxx::work w(c)) runs with
          // the connection's settings (statement_timeout in its conninfo).
          inheritConnection(*HS, V->getInit(), St);
          St[V] = std::move(*HS);
        }
    return;
  }
  if (const auto *BO = dyn_cast<BinaryOperator>(S); BO && BO->getOpcode() == BO_Assign)
    if (const auto *DRE = dyn_cast<DeclRefExpr>(peel(BO->getLHS())))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && Tracked.count(V))
        if (auto HS = creationOf(V, BO->getRHS())) {
          St[V] = std::move(*HS);
          return;
        }
  if (const auto *OC = dyn_cast<CXXOperatorCallExpr>(S);
      OC && OC->getOperator() == OO_Equal && OC->getNumArgs() == 2)
    if (const auto *DRE = dyn_cast<DeclRefExpr>(peel(OC->getArg(0))))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl());
          V && Tracked.count(V) && !isa<MemberExpr>(peel(OC->getArg(0))))
        if (auto HS = creationOf(V, OC->getArg(1))) {
          St[V] = std::move(*HS);
          return;
        }
  factsOf(S, [&](const VarDecl *V, Fact F) {
    if (!Tracked.count(V))
      return;
    HandleState &HS = lookup(St, V);
    if (!HS.Known)
      return;
    if (F.V.Kind == Value::Const && F.V.Ms == 0)
      HS.erase(F.Name); // An explicit 0 means "no timeout".
    else
      HS.set(std::move(F));
  });
  // A handle handed to a function defined in another TU: that function may
  // set its timeout (decided where its body is seen).
  if (const auto *CE = dyn_cast<CallExpr>(S))
    if (const FunctionDecl *Callee = CE->getDirectCallee();
        Callee && unseen(Callee) && !isModelled(info(Callee)))
      for (unsigned I = 0; I < CE->getNumArgs(); ++I)
        if (const VarDecl *V = varOf(CE->getArg(I)); V && Tracked.count(V)) {
          HandleState &HS = lookup(St, V);
          std::pair<const FunctionDecl *, unsigned> P{Callee->getCanonicalDecl(), I};
          if (HS.Known && llvm::find(HS.PassedTo, P) == HS.PassedTo.end())
            HS.PassedTo.push_back(P);
        }
  // After the call's own facts: `PQexec(c, "SET statement_timeout = ...")`
  // bounds itself.
  if (Report) {
    // A construction through an alias the models call a non-client
    // (`pqxx::nullconnection`) does not connect.
    if (const auto *CC = dyn_cast<CXXConstructExpr>(S))
      if (const auto *TT = CC->getType()->getAs<TypedefType>()) {
        auto [It, New] = NotClientAlias.try_emplace(TT->getDecl(), false);
        if (New)
          It->second = M.isNotClient(Names.qualifiedName(TT->getDecl()));
        if (It->second)
          return;
      }
    if (const CalleeInfo *I = calleeInfo(S); I && I->Block)
      evaluate(cast<Expr>(S), *I, St, FD);
    if (const auto *CC = dyn_cast<CXXConstructExpr>(S))
      evaluateConstruct(CC, St, FD);
  }
}

static std::string joinOr(const std::vector<std::string> &Items) {
  std::string Out;
  for (size_t I = 0; I < Items.size(); ++I) {
    if (I)
      Out += I + 1 == Items.size() ? " or " : ", ";
    Out += Items[I];
  }
  return Out;
}

void Analyzer::evaluate(const Expr *Call, const CalleeInfo &I, State &St,
                        const FunctionDecl *FD) {
  const model::Blocking &B = *I.Block;
  const model::TimeoutSpec &T = B.Timeout;
  // The arguments make this call non-blocking (MSG_DONTWAIT, LOCK_NB, WNOHANG).
  for (const model::ArgCondition &C : B.NonBlockingIf)
    if (conditionHolds(Call, C, Ctx))
      return;
  bool InHandler = Scope.inHandlerScope(FD);
  DeadlineSite Site;
  Site.Site = Call;
  Site.Loc = Call->getExprLoc();
  if (isa<CXXMemberCallExpr>(Call) || isa<CXXConstructExpr>(Call))
    Site.Loc = Call->getBeginLoc();
  if (const auto *MC = dyn_cast<CXXMemberCallExpr>(Call))
    if (const auto *ME = dyn_cast<MemberExpr>(MC->getCallee()->IgnoreParens()))
      Site.Loc = ME->getMemberLoc();
  Site.Callee = I.Name;

  auto Handle = [&](const Expr *E) -> const HandleState * {
    const VarDecl *V = varOf(E);
    if (!V || !Tracked.count(V))
      return nullptr;
    const HandleState &HS = lookup(St, V);
    if (!HS.Known || nonBlockingFor(HS, I.Name))
      return nullptr;
    Site.HandleName = V->getName().str();
    Site.HandleCreated = HS.Created;
    Site.PassedToUnseen = HS.PassedTo;
    return &HS;
  };
  auto Constant = [&](const Value &V, SourceLocation At) {
    if (V.Kind != Value::Const || V.Ms <= 0)
      return;
    Site.Kind = V.Ms >= DeadlineSite::EffectivelyInfiniteMs
                    ? DeadlineSite::EffectivelyInfinite
                    : DeadlineSite::Constant;
    Site.Value = V.Ms;
    Site.ValueSetAt = At;
    add(Site, FD);
  };

  switch (T.Via) {
  case model::TimeoutSpec::Argument: {
    if (!InHandler)
      return;
    const Expr *A = callArg(Call, T.Arg);
    if (!A || isa<CXXDefaultArgExpr>(A))
      return;
    Value V = classify(A, T.Unit);
    if (V.Kind == Value::Null && T.NullIsInfinite) {
      Site.Kind = DeadlineSite::NullArgument;
      add(Site, FD);
    } else if (V.Kind == Value::Const && llvm::is_contained(T.Infinite, V.Raw)) {
      Site.Kind = DeadlineSite::InfiniteArgument;
      Site.Value = V.Raw;
      add(Site, FD);
    } else {
      Constant(V, SourceLocation());
    }
    return;
  }
  case model::TimeoutSpec::Setter: {
    if (!InHandler)
      return;
    const HandleState *HS = Handle(CallBinding::handleExpr(Call, B.Handle));
    if (!HS)
      return;
    std::vector<std::string> Keys;
    if (T.OptionArg)
      for (const auto &[K, U] : T.Options)
        Keys.push_back(K);
    else if (T.SetterFunction)
      Keys.push_back(T.SetterFunction->text());
    const Fact *Found = nullptr;
    for (const std::string &K : Keys)
      if (const Fact *F = HS->find(K)) {
        if (!Found || (F->V.Kind == Value::Const && Found->V.Kind == Value::Const &&
                       F->V.Ms < Found->V.Ms) || F->V.Kind != Value::Const)
          Found = F;
      }
    if (!Found) {
      Site.Kind = DeadlineSite::MissingSetter;
      Site.Missing = joinOr(Keys);
      add(Site, FD);
    } else {
      Constant(Found->V, Found->At);
    }
    return;
  }
  case model::TimeoutSpec::Conninfo: {
    const Expr *A = callArg(Call, T.Arg);
    if (!A)
      return;
    if (auto Text = stringValue(A)) {
      // An empty connection string takes everything from the environment
      // (PGHOST, PGCONNECT_TIMEOUT, ...): unknown, not missing.
      if (llvm::StringRef(*Text).trim().empty())
        return;
      // A string libpq cannot parse fails before any I/O: nothing waits.
      if (!formats::conninfoWellFormed(*Text))
        return;
      if (auto Val = conninfoValue(*Text, T.Key)) {
        Value V;
        if (auto Ms = parseDuration(*Val, T.Unit)) {
          V.Kind = Value::Const;
          V.Ms = *Ms;
        }
        Constant(V, SourceLocation());
        return;
      }
      Site.Kind = DeadlineSite::MissingConninfoKey;
      Site.Missing = T.Key;
      add(Site, FD);
      return;
    }
    // A keywords array ({"host", "connect_timeout", nullptr}).
    const Expr *Init = peel(A);
    if (isa<DeclRefExpr>(Init))
      Init = neverWrittenInit(Init);
    const auto *IL = dyn_cast_or_null<InitListExpr>(Init ? peel(Init) : nullptr);
    if (!IL)
      return;
    for (const Expr *E : IL->inits()) {
      if (peel(E)->isNullPointerConstant(Ctx, Expr::NPC_ValueDependentIsNotNull))
        continue;
      auto K = stringValue(E);
      if (!K || *K == T.Key)
        return; // Unknown, or the key is there.
    }
    Site.Kind = DeadlineSite::MissingConninfoKey;
    Site.Missing = T.Key;
    add(Site, FD);
    return;
  }
  case model::TimeoutSpec::ConnectionSetting: {
    if (!InHandler)
      return;
    const HandleState *HS = Handle(CallBinding::handleExpr(Call, B.Handle));
    if (!HS)
      return;
    if (const Fact *F = HS->find(T.Setting)) {
      Constant(F->V, F->At);
      return;
    }
    Site.Kind = DeadlineSite::MissingSetting;
    Site.Missing = T.Setting;
    add(Site, FD);
    return;
  }
  case model::TimeoutSpec::Method: {
    if (!InHandler)
      return;
    const Expr *Obj = T.Object.Kind == model::HandleRef::This
                          ? callObject(Call)
                          : callArg(Call, T.Object.Index);
    const HandleState *HS = Handle(Obj);
    if (!HS)
      return;
    for (const Fact &F : HS->Facts)
      if (llvm::any_of(T.Methods, [&](const model::NamePattern &P) {
            return P.matches(F.Name);
          }))
        return;
    std::vector<std::string> Short;
    for (const model::NamePattern &P : T.Methods) {
      llvm::StringRef N = P.text();
      N = N.substr(N.rfind(':') == llvm::StringRef::npos ? 0 : N.rfind(':') + 1);
      if (!llvm::is_contained(Short, N.str()))
        Short.push_back(N.str());
    }
    Site.Kind = DeadlineSite::MissingMethod;
    Site.Missing = joinOr(Short);
    add(Site, FD);
    return;
  }
  case model::TimeoutSpec::NoTimeout: {
    if (!InHandler && !I.IsCreation)
      return;
    // A creation followed by a setter on its result (redisConnect, then
    // redisSetTimeout) is bounded after all.
    if (auto It = AssignedTo.find(Call); It != AssignedTo.end() &&
                                         SetterTargets.count(It->second))
      return;
    Site.Kind = DeadlineSite::NoTimeout;
    Site.Alternative = T.Alternative;
    add(Site, FD);
    return;
  }
  case model::TimeoutSpec::Field:
    return;
  }
}

void Analyzer::evaluateConstruct(const CXXConstructExpr *CC, State &St,
                                 const FunctionDecl *FD) {
  if (fieldSpecFor(CC->getType()))
    return; // Copying the configuration itself.
  for (const Expr *A : CC->arguments()) {
    const VarDecl *V = varOf(A);
    if (!V || !Tracked.count(V))
      continue;
    const model::TimeoutSpec *FS = fieldSpecFor(V->getType());
    if (!FS)
      continue;
    const HandleState &HS = lookup(St, V);
    if (!HS.Known)
      continue;
    // Fields the library leaves unbounded by default must be set.
    std::vector<std::string> Missing;
    for (const auto &[Field, Unit] : FS->Fields)
      if (!HS.find(Field) && !FS->Defaults.count(Field))
        Missing.push_back(Field);
    if (Missing.empty())
      continue;
    DeadlineSite Site;
    Site.Kind = DeadlineSite::MissingFields;
    Site.Site = CC;
    Site.Loc = CC->getBeginLoc();
    Site.Callee = displayTypeName(CC->getType());
    Site.Alternative = displayTypeName(V->getType());
    Site.Missing = joinOr(Missing);
    Site.HandleName = V->getName().str();
    Site.HandleCreated = HS.Created;
    add(std::move(Site), FD);
  }
}

/// The tracked local (or parameter) \p S creates afresh (its state is
/// overwritten, nothing read): a declaration, `h = make()`, `cfg = other`.
static void createdBy(const Stmt *S, const llvm::DenseSet<const VarDecl *> &Tracked,
                      llvm::SmallVectorImpl<const VarDecl *> &Out) {
  if (const auto *DS = dyn_cast<DeclStmt>(S)) {
    for (const Decl *D : DS->decls())
      if (const auto *V = dyn_cast<VarDecl>(D); V && Tracked.count(V))
        Out.push_back(V);
    return;
  }
  // `h = ...` (a member on the left is not the local: peel keeps it).
  if (const Expr *LHS = assignmentSides(S).first)
    if (const auto *DRE = dyn_cast<DeclRefExpr>(peel(LHS)))
      if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && Tracked.count(V))
        Out.push_back(V);
}

/// The steps of each block in evaluation order, from a statements-shape CFG
/// (CFGCache.h): every statement, call, construction and declaration is an
/// element there, in the order it runs; an assignment inside an element's
/// expression is not (`if ((fd = socket(...)) < 0)`: the elements are the
/// call and the comparison). Such an assignment runs after the last element
/// inside it (the call on its right), or, with none inside it, after the
/// element evaluated just before it in the same block, else first in its
/// own element's steps. Unevaluated operands (`sizeof`, `noexcept`,
/// `typeid`), the associations `_Generic` does not select and lambda bodies
/// are not walked; an element nested in another is its own
/// step and is not walked again.
///
/// \p Assigns are the body's plain assignments (each one a step or inside
/// one); only the elements that hold one not an element itself are walked.
static std::vector<llvm::SmallVector<const Stmt *, 8>>
evaluationSteps(const CFG &G, llvm::ArrayRef<const Stmt *> Assigns,
                llvm::function_ref<const ParentIndex &()> Parents) {
  llvm::DenseMap<const Stmt *, unsigned> BlockOf;
  llvm::DenseMap<const Stmt *, llvm::SmallVector<const Stmt *, 1>> Before, After;
  if (!Assigns.empty())
    for (const CFGBlock *B : G)
      for (const CFGElement &E : *B)
        if (auto CS = E.getAs<CFGStmt>())
          BlockOf.try_emplace(CS->getStmt(), B->getBlockID());
  // The element each nested assignment is evaluated in: its nearest
  // ancestor that is an element.
  llvm::SetVector<const Stmt *> Holders;
  for (const Stmt *A : Assigns) {
    if (BlockOf.count(A))
      continue;
    const ParentIndex &PM = Parents();
    for (const Stmt *P = PM.getParent(A); P; P = PM.getParent(P))
      if (BlockOf.count(P)) {
        Holders.insert(P);
        break;
      }
  }
  for (const Stmt *Element : Holders) {
    const unsigned Block = BlockOf.lookup(Element);
    // Post-order over the element's own nodes: (node, children pushed?).
    llvm::SmallVector<std::pair<const Stmt *, bool>, 16> Stack;
    llvm::SmallVector<const Stmt *, 4> Markers; // Elements met, in order.
    // Per open assignment: how many markers were met before it began.
    llvm::DenseMap<const Stmt *, size_t> MarkersAtStart;
    Stack.push_back({Element, false});
    while (!Stack.empty()) {
      auto [S, Expanded] = Stack.pop_back_val();
      if (S != Element && BlockOf.count(S)) {
        Markers.push_back(S);
        continue;
      }
      const auto *BO = dyn_cast<BinaryOperator>(S);
      const bool Assign = BO && BO->getOpcode() == BO_Assign && S != Element;
      if (Expanded) {
        if (!Assign)
          continue;
        size_t Start = MarkersAtStart.lookup(S);
        if (!Markers.empty() &&
            (Markers.size() > Start || BlockOf.lookup(Markers.back()) == Block))
          After[Markers.back()].push_back(S);
        else
          Before[Element].push_back(S);
        continue;
      }
      if (Assign)
        MarkersAtStart[S] = Markers.size();
      Stack.push_back({S, true});
      if (isa<UnaryExprOrTypeTraitExpr, CXXTypeidExpr, CXXNoexceptExpr>(S))
        continue; // Unevaluated (a VLA sizeof is not a place handles change).
      const size_t Mark = Stack.size();
      if (const auto *GS = dyn_cast<GenericSelectionExpr>(S)) {
        // Only the selected association runs.
        if (!GS->isResultDependent() && GS->getResultExpr())
          Stack.push_back({GS->getResultExpr(), false});
      } else if (const auto *LE = dyn_cast<LambdaExpr>(S)) {
        for (const Expr *Init : LE->capture_inits())
          if (Init)
            Stack.push_back({Init, false});
      } else {
        for (const Stmt *C : S->children())
          if (C)
            Stack.push_back({C, false});
      }
      std::reverse(Stack.begin() + Mark, Stack.end());
    }
  }
  std::vector<llvm::SmallVector<const Stmt *, 8>> Steps(G.getNumBlockIDs());
  for (const CFGBlock *B : G) {
    auto &Out = Steps[B->getBlockID()];
    for (const CFGElement &E : *B) {
      auto CS = E.getAs<CFGStmt>();
      if (!CS)
        continue;
      const Stmt *S = CS->getStmt();
      if (Holders.empty()) {
        Out.push_back(S);
        continue;
      }
      if (auto It = Before.find(S); It != Before.end())
        Out.append(It->second.begin(), It->second.end());
      Out.push_back(S);
      if (auto It = After.find(S); It != After.end())
        Out.append(It->second.begin(), It->second.end());
    }
  }
  return Steps;
}

void Analyzer::analyzeFunction(const FunctionDecl *FD, const Stmt *Body) {
  // The statements-shape CFG the resource analysis reads (one CFG per
  // function for both): the steps above give the evaluation order.
  (void)Body;
  CurrentFn = FD;
  const CFGShape Shape = TU.cfgs().has(FD, CFGShape::Statements) ? CFGShape::Statements
                                                                  : CFGShape::StatementsNoScopes;
  CFG *G = TU.cfgs().get(FD, Shape);
  PostOrderCFGView *POV = TU.cfgs().postOrder(FD, Shape);
  if (!G || !POV)
    return;
  const unsigned N = G->getNumBlockIDs();
  const std::vector<llvm::SmallVector<const Stmt *, 8>> Steps = evaluationSteps(
      *G, AssignsOf.lookup(FD), [&]() -> const ParentIndex & { return Scope.parents(FD); });

  // Sparse states: a block's state holds only the handles still read on
  // some path from it (liveness of the tracked locals), so a long function
  // with a handle every few lines does not carry every earlier handle
  // through every later block. A handle's state is read only by statements
  // that name it (calls, constructions, field assignments), and a
  // declaration or `h = make()` overwrites it, so dropping it where it is
  // dead changes no result. Globals enter with their summary and are kept.
  llvm::DenseMap<const VarDecl *, unsigned> VarIndex;
  auto IndexOf = [&](const VarDecl *V) -> int {
    if (!V->hasLocalStorage())
      return -1;
    return VarIndex.try_emplace(V, VarIndex.size()).first->second;
  };
  std::vector<llvm::SparseBitVector<>> Gen(N), Kill(N), LiveIn(N);
  llvm::SmallVector<const VarDecl *, 4> Defs;
  for (const CFGBlock *B : *G) {
    llvm::SparseBitVector<> &Gn = Gen[B->getBlockID()], &Kl = Kill[B->getBlockID()];
    const auto &BlockSteps = Steps[B->getBlockID()];
    for (auto I = BlockSteps.rbegin(); I != BlockSteps.rend(); ++I) {
      const Stmt *S = *I;
      Defs.clear();
      createdBy(S, Tracked, Defs);
      if (!Defs.empty()) {
        for (const VarDecl *V : Defs)
          if (int X = IndexOf(V); X >= 0) {
            Gn.reset(X);
            Kl.set(X);
          }
        continue;
      }
      if (!isa<CallExpr>(S) && !isa<CXXConstructExpr>(S) && !isa<BinaryOperator>(S))
        continue;
      if (const auto *BO = dyn_cast<BinaryOperator>(S); BO && BO->getOpcode() != BO_Assign)
        continue;
      walkStmts(S, [&](const Stmt *C) {
        if (const auto *DRE = dyn_cast<DeclRefExpr>(C))
          if (const auto *V = dyn_cast<VarDecl>(DRE->getDecl()); V && Tracked.count(V))
            if (int X = IndexOf(V); X >= 0)
              Gn.set(X);
        return true;
      });
    }
  }
  {
    // Liveness, backwards in post-order (clang's dataflow worklist).
    DataflowWorklistBase<PostOrderCFGView::BlockOrderCompare, 20> Work(
        *G, POV->getComparator());
    for (const CFGBlock *B : *G)
      Work.enqueueBlock(B);
    while (const CFGBlock *B = Work.dequeue()) {
      llvm::SparseBitVector<> Out;
      for (const CFGBlock *Succ : B->succs())
        if (Succ)
          Out |= LiveIn[Succ->getBlockID()];
      Out.intersectWithComplement(Kill[B->getBlockID()]);
      Out |= Gen[B->getBlockID()];
      if (Out == LiveIn[B->getBlockID()])
        continue;
      LiveIn[B->getBlockID()] = std::move(Out);
      for (const CFGBlock *Pred : B->preds())
        Work.enqueueBlock(Pred);
    }
  }
  auto LiveAt = [&](const CFGBlock *B, const VarDecl *V) {
    auto It = VarIndex.find(V);
    return !V->hasLocalStorage() ||
           (It != VarIndex.end() && LiveIn[B->getBlockID()].test(It->second));
  };

  // The states, forwards in reverse post-order (clang's dataflow worklist:
  // a block runs once its predecessors in the order have).
  std::vector<std::optional<State>> In(N);
  ForwardDataflowWorklist Work(*G, POV);
  In[G->getEntry().getBlockID()] = State();
  Work.enqueueBlock(&G->getEntry());
  unsigned Budget = 50 * N + 100;
  auto Run = [&](const CFGBlock *B, State St, bool Report) {
    for (const Stmt *S : Steps[B->getBlockID()])
      transfer(S, St, FD, Report);
    return St;
  };
  while (Budget--) {
    const CFGBlock *B = Work.dequeue();
    if (!B)
      break;
    State OutSt = Run(B, *In[B->getBlockID()], false);
    for (const CFGBlock *Succ : B->succs()) {
      if (!Succ)
        continue;
      auto &SIn = In[Succ->getBlockID()];
      State Live;
      for (const auto &[V, HS] : OutSt)
        if (LiveAt(Succ, V))
          Live.emplace_hint(Live.end(), V, HS);
      State Joined = SIn ? *SIn : State();
      if (SIn)
        joinInto(Joined, Live);
      else
        Joined = std::move(Live);
      if (!SIn || !(Joined == *SIn)) {
        SIn = std::move(Joined);
        Work.enqueueBlock(Succ);
      }
    }
  }
  for (const CFGBlock *B : *G)
    if (In[B->getBlockID()])
      Run(B, *In[B->getBlockID()], true);
  // The CFG stays: the resource analysis reads the same shape.
}

void Analyzer::run() {
  std::vector<std::pair<const FunctionDecl *, const Stmt *>> Functions;
  llvm::DenseSet<const FunctionDecl *> Seen;
  auto AddFn = [&](const FunctionDecl *FD) {
    const FunctionDecl *Def = nullptr;
    if (!FD->hasBody(Def) || isInSystemHeader(Def) || !Seen.insert(Def).second)
      return;
    Functions.push_back({Def, Def->getBody()});
  };
  for (const FunctionDecl *FD : Scope.functions())
    AddFn(FD);
  for (const FunctionDecl *FD : Scope.initFunctions())
    AddFn(FD);
  if (Functions.empty())
    return;

  // Pass 1: callers come first, so derived parameters flow down; twice is
  // enough for the usual handler -> helper -> helper chains.
  for (int Round = 0; Round < 3; ++Round) {
    bool Changed = false;
    for (auto &[FD, Body] : Functions)
      taint(Body, Changed);
    if (!Changed)
      break;
  }
  // Pass 2: callees first, so a helper's parameter summary is ready when
  // its caller is summarised.
  for (auto It = Functions.rbegin(); It != Functions.rend(); ++It)
    summarize(It->first, It->second);
  // Pass 3, within the MaxFunctionStatements budget.
  for (auto &[FD, Body] : Functions)
    if (NeedsCfg.count(FD)) {
      if (TU.overBudget(FD))
        Skipped.push_back(FD);
      else
        analyzeFunction(FD, Body);
    }
  // Whole-program summaries: which parameters a function configures, for
  // the TUs that hand it a handle without seeing its body.
  if (Scope.wholeProgram())
    for (auto &[FD, Body] : Functions) {
      struct All : FunctionBodyVisitor<All> {
        std::vector<const Stmt *> Stmts;
        bool VisitStmt(Stmt *S) {
          Stmts.push_back(S);
          return true;
        }
      } V;
      V.TraverseStmt(const_cast<Stmt *>(Body));
      CurrentFn = FD;
      for (const Stmt *S : V.Stmts)
        factsOf(S, [&, FD = FD](const VarDecl *Var, Fact) {
          const auto *P = dyn_cast<ParmVarDecl>(Var);
          if (!P || P->getDeclContext() != FD)
            return;
          std::pair<const FunctionDecl *, unsigned> C{FD, P->getFunctionScopeIndex()};
          if (llvm::find(Configurers, C) == Configurers.end())
            Configurers.push_back(C);
        });
    }
}

} // namespace

DeadlineAnalysis::DeadlineAnalysis(TUContext &TU) {
  for (const model::DeadlineSource &D : TU.model().deadlineSources()) {
    std::string N = D.Function ? D.Function->text() : D.Field ? D.Field->text() : "";
    // Keep the class and member: invocation_request::get_time_remaining().
    llvm::StringRef S(N);
    size_t Last = S.rfind("::");
    if (Last != llvm::StringRef::npos) {
      size_t Prev = S.substr(0, Last).rfind("::");
      if (Prev != llvm::StringRef::npos)
        S = S.substr(Prev + 2);
    }
    Hint = S.str() + (D.Function ? "()" : "");
    break;
  }
  if (Hint.empty())
    Hint = "the invocation's remaining time";
  Analyzer A(TU, Sites, Configurers);
  A.run();
  Skipped = std::move(A.Skipped);
  // Analysis order is scope order; report in source order.
  llvm::sort(Sites, [](const DeadlineSite &A, const DeadlineSite &B) {
    return std::make_pair(A.Loc.getRawEncoding(), static_cast<int>(A.Kind)) <
           std::make_pair(B.Loc.getRawEncoding(), static_cast<int>(B.Kind));
  });
}

DeadlineAnalysis::~DeadlineAnalysis() = default;

} // namespace serverless
