//===--- ParentIndexTest.cpp - the compact parent index agrees with ParentMap ===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "AST/ParentIndex.h"
#include "clang/AST/ParentMap.h"
#include "llvm/ADT/DenseSet.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"
#include "gtest/gtest.h"

using namespace clang;
using namespace serverless;

namespace {

/// Every function definition of \p Code: for each statement clang's
/// ParentMap knows, the index gives the same parent, and it knows exactly
/// as many statements.
void expectSameAsParentMap(const std::string &Code, unsigned MinFunctions) {
  std::unique_ptr<ASTUnit> AST = tooling::buildASTFromCodeWithArgs(
      Code, {"-std=c++20", "-Wno-unused", "-Wno-gnu-conditional-omitted-operand"}, "input.cpp");
  ASSERT_FALSE(AST->getDiagnostics().hasErrorOccurred());
  struct Finder : RecursiveASTVisitor<Finder> {
    std::vector<const FunctionDecl *> Defs;
    bool shouldVisitImplicitCode() const { return true; }
    bool shouldVisitLambdaBody() const { return true; }
    bool VisitFunctionDecl(FunctionDecl *FD) {
      if (FD->doesThisDeclarationHaveABody())
        Defs.push_back(FD);
      return true;
    }
  } F;
  F.TraverseDecl(AST->getASTContext().getTranslationUnitDecl());
  EXPECT_GE(F.Defs.size(), MinFunctions);
  unsigned ArrayLoops = 0;
  for (const FunctionDecl *FD : F.Defs) {
    std::vector<const Stmt *> Inits;
    ParentMap PM(FD->getBody());
    if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(FD))
      for (const CXXCtorInitializer *I : Ctor->inits())
        if (I->getInit()) {
          Inits.push_back(I->getInit());
          PM.addStmt(I->getInit());
        }
    ParentIndex PI(FD->getBody(), Inits);
    // Every statement reachable from the roots through the index.
    struct All : RecursiveASTVisitor<All> {
      std::vector<Stmt *> Stmts;
      bool shouldVisitImplicitCode() const { return true; }
      bool VisitStmt(Stmt *S) {
        Stmts.push_back(S);
        return true;
      }
    } A;
    A.TraverseStmt(FD->getBody());
    for (const Stmt *I : Inits)
      A.TraverseStmt(const_cast<Stmt *>(I));
    llvm::DenseSet<const Stmt *> Known;
    for (Stmt *S : A.Stmts) {
      Stmt *Expected = PM.getParent(S);
      Stmt *Got = PI.getParent(S);
      if (Expected)
        Known.insert(S);
      if (Expected && !isa<OpaqueValueExpr>(S)) {
        EXPECT_EQ(Got, Expected) << FD->getNameAsString() << ": " << S->getStmtClassName()
                                 << " under " << (Got ? Got->getStmtClassName() : "-");
        EXPECT_EQ(PI.getParentIgnoreParens(S), PM.getParentIgnoreParens(S));
        EXPECT_EQ(PI.getParentIgnoreParenImpCasts(S), PM.getParentIgnoreParenImpCasts(S));
        continue;
      }
      // Where the two differ by design (header), the index's parent is one
      // that links to S: an OVE's first use, or a rewritten default
      // initialiser ParentMap 19 does not link.
      if (!Got)
        continue;
      bool Links = llvm::is_contained(Got->children(), S);
      if (const auto *Init = dyn_cast<CXXDefaultInitExpr>(Got))
        Links |= Init->hasRewrittenInit() && Init->getExpr() == S;
      if (const auto *Arg = dyn_cast<CXXDefaultArgExpr>(Got))
        Links |= Arg->hasRewrittenInit() && Arg->getExpr() == S;
      EXPECT_TRUE(Links) << S->getStmtClassName() << " under " << Got->getStmtClassName();
    }
    // An OVE's first use in source order is its parent.
    for (Stmt *S : A.Stmts)
      if (const auto *ALE = dyn_cast<ArrayInitLoopExpr>(S)) {
        ++ArrayLoops;
        EXPECT_EQ(PI.getParent(ALE->getCommonExpr()), S);
      }
    EXPECT_GE(PI.size(), Known.size()) << FD->getNameAsString();
    EXPECT_EQ(PI.getParent(FD->getBody()), nullptr);
  }
  EXPECT_GT(ArrayLoops, 0u) << "the sample should copy an array into a lambda";
}

TEST(ParentIndexTest, AgreesWithParentMapOnStatementsAndExpressions) {
  expectSameAsParentMap(R"(
    #include <cstdio>
    int g(int, int = 3 + 4);
    struct S { int x = 1 + 2; int y; S(int v) : y((v)) {} ~S(); };
    int f(int a, int *p) {
      if (a > 0 && (p != nullptr)) return ((*p));
      for (int i = 0; i < a; ++i) { a += i ? i : -i; if (i == 3) break; }
      while (a--) continue;
      do { a ^= 1; } while (a > 10);
      switch (a) { case 0: return g(a); case 1: { S s(a); return s.x; } default: break; }
      int arr[3] = {1, 2, 3};
      auto l = [arr, &a](int k) { return arr[k] + a; };
      int b = a ?: 7;
      for (int v : arr) b += v;
      auto [q, r, t] = arr;
      FILE *fp = fopen("x", "r");
      if (!fp) return -1;
      fclose(fp);
      return l(0) + b + (int)sizeof(S) + S(1).y + q + r + t;
    }
  )", 3);
}

TEST(ParentIndexTest, NullAndForeignStatements) {
  ParentIndex Empty(nullptr);
  EXPECT_EQ(Empty.size(), 0u);
  EXPECT_EQ(Empty.getParent(nullptr), nullptr);
}

} // namespace
