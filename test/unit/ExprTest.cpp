//===--- ExprTest.cpp - peel, designated variables, call binding ----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "AST/Expr.h"
#include "Binding/CallBinding.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"
#include "gtest/gtest.h"

using namespace clang;
using namespace serverless;

namespace {

const char *Prelude = R"(
#include <memory>
#include <utility>
#include <string>
#include <cstdio>
struct Guard { explicit Guard(FILE *); };
struct Client {};
)";

/// Parses \p Code; marked(N) is the initializer of the variable `N`.
class Fixture {
public:
  explicit Fixture(const std::string &Code) : Model(model::ApiModel::withDefaults()) {
    AST = tooling::buildASTFromCodeWithArgs(std::string(Prelude) + Code,
                                            {"-std=c++17", "-Wno-unused"}, "input.cpp");
    EXPECT_FALSE(AST->getDiagnostics().hasErrorOccurred());
    Binding = std::make_unique<CallBinding>(Model, Names);
  }
  const VarDecl *var(llvm::StringRef Name) {
    struct Finder : RecursiveASTVisitor<Finder> {
      llvm::StringRef Name;
      const VarDecl *Found = nullptr;
      bool VisitVarDecl(VarDecl *VD) {
        const SourceManager &SM = VD->getASTContext().getSourceManager();
        if (VD->getName() == Name && !Found && SM.isInMainFile(VD->getLocation()))
          Found = VD;
        return true;
      }
    } F;
    F.Name = Name;
    F.TraverseDecl(AST->getASTContext().getTranslationUnitDecl());
    EXPECT_NE(F.Found, nullptr) << Name.str();
    return F.Found;
  }
  const Expr *init(llvm::StringRef Name) { return var(Name)->getInit(); }

  model::ApiModel Model;
  NameCache Names;
  std::unique_ptr<ASTUnit> AST;
  std::unique_ptr<CallBinding> Binding;
};

TEST(Expr, PeelKeepsTheValueThroughWrappersOnly) {
  Fixture F(R"(
    void f() {
      FILE *a = (FILE *)(fopen("x", "r"));
      auto b = std::unique_ptr<Client>(new Client);
      Guard c(fopen("y", "r"));
      std::string d = std::string("lit");
    }
  )");
  // An explicit value cast and parentheses: the call itself.
  EXPECT_TRUE(isa<CallExpr>(peel(F.init("a"))));
  // An owner adopting a pointer to a class holds it: the new-expression.
  EXPECT_TRUE(isa<CXXNewExpr>(peel(F.init("b"))));
  // A converting constructor (an RAII guard built from a FILE *) is not
  // its argument; peelCallable (std::function(f)) does go through it.
  EXPECT_TRUE(isa<CXXConstructExpr>(peel(F.init("c"))));
  EXPECT_TRUE(isa<CallExpr>(peelCallable(F.init("c"))));
  EXPECT_EQ(peel(nullptr), nullptr);
}

TEST(Expr, DesignatedVariables) {
  Fixture F(R"(
    struct S { FILE *f; };
    void f() {
      FILE *h = nullptr;
      FILE *arr[2] = {};
      S s;
      std::unique_ptr<Client> p;
      FILE **a1 = &h;
      FILE *a2 = arr[1];
      FILE *a3 = s.f;
      Client *a4 = p.get();
      std::unique_ptr<Client> a5 = std::move(p);
      Client &a6 = *p;
    }
  )");
  const VarDecl *H = F.var("h"), *Arr = F.var("arr"), *S = F.var("s"), *P = F.var("p");
  EXPECT_EQ(designatedVar(F.init("a1")), H);
  EXPECT_EQ(designatedVar(F.init("a2")), Arr);
  // A member is not the variable itself, but it is what a write to it writes.
  EXPECT_EQ(designatedVar(F.init("a3")), nullptr);
  EXPECT_EQ(baseVar(F.init("a3")), S);
  // Views come from the model (libstdcxx.json `views`), not from names in
  // the code: without the binding, `p.get()` designates nothing.
  EXPECT_EQ(designatedVar(F.init("a4")), nullptr);
  EXPECT_EQ(F.Binding->designated(F.init("a4")), P);
  EXPECT_EQ(F.Binding->designated(F.init("a5")), P);
  EXPECT_EQ(F.Binding->designated(F.init("a6")), P);
}

TEST(Expr, ViewsAreModelData) {
  // A user's own class with a method named get() is not a view.
  Fixture F(R"(
    struct Box { FILE *get(); };
    void f() {
      Box b;
      FILE *x = b.get();
    }
  )");
  EXPECT_EQ(F.Binding->designated(F.init("x")), nullptr);
  // A user model can say it is one.
  ASSERT_FALSE(static_cast<bool>(F.Model.addBuffer("user.json", R"({
    "schema": "serverless-tidy-model/1", "library": "box",
    "views": [{"function": "Box::get", "of": "this"}]})")));
  CallBinding B(F.Model, F.Names);
  EXPECT_EQ(B.designated(F.init("x")), F.var("b"));
  // `of` is an argument index or "this".
  model::ApiModel M = model::ApiModel::withDefaults();
  llvm::Error E = M.addBuffer("bad.json", R"({"schema": "serverless-tidy-model/1",
    "library": "x", "views": [{"function": "f", "of": {"out_arg": 1}}]})");
  ASSERT_TRUE(static_cast<bool>(E));
  EXPECT_NE(llvm::toString(std::move(E)).find("'of' must be"), std::string::npos);
}

TEST(CallBinding, KindIfArgIsReadOnce) {
  Fixture F(R"(
    extern "C" {
    typedef struct rd_kafka_s rd_kafka_t;
    typedef struct rd_kafka_conf_s rd_kafka_conf_t;
    typedef enum { RD_KAFKA_PRODUCER, RD_KAFKA_CONSUMER } rd_kafka_type_t;
    rd_kafka_t *rd_kafka_new(rd_kafka_type_t, rd_kafka_conf_t *, char *, unsigned long);
    }
    void f() {
      rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, nullptr, nullptr, 0);
      rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, nullptr, nullptr, 0);
    }
  )");
  BoundAcquisition P = F.Binding->acquisition(cast<CallExpr>(peel(F.init("p"))));
  BoundAcquisition C = F.Binding->acquisition(cast<CallExpr>(peel(F.init("c"))));
  ASSERT_NE(P.Resource, nullptr);
  ASSERT_NE(C.Resource, nullptr);
  EXPECT_EQ(P.Resource, C.Resource);
  EXPECT_NE(P.Kind, C.Kind) << P.Kind;
  EXPECT_EQ(P.Kind, "kafka-producer");
  EXPECT_EQ(C.Kind, "kafka-consumer");
  EXPECT_EQ(C.Shutdown, "close");
  EXPECT_EQ(P.Shutdown, "flush");
}

} // namespace
