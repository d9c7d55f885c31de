//===--- HandlerScopeTest.cpp - handler discovery tests -------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Handlers/HandlerScope.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"
#include "gtest/gtest.h"

using namespace clang;
using namespace serverless;

namespace {

const char *Prelude = R"(
#include <aws/lambda-runtime/runtime.h>
#include <functional>
#include <memory>
#include <mutex>
using namespace aws::lambda_runtime;
static invocation_response ok() { return invocation_response::success("", ""); }
)";

class Fixture {
public:
  explicit Fixture(const std::string &Code,
                   std::vector<std::string> HandlerFunctions = {})
      : Model(model::ApiModel::withDefaults()) {
    AST = tooling::buildASTFromCodeWithArgs(
        std::string(Prelude) + Code,
        {"-std=c++17", "-isystem", SERVERLESS_SDK_INPUTS}, "input.cpp");
    EXPECT_FALSE(AST->getDiagnostics().hasErrorOccurred());
    for (const std::string &F : HandlerFunctions)
      Patterns.push_back(cantFail(model::NamePattern::create(F)));
    Scope = std::make_unique<HandlerScope>(AST->getASTContext(), Model, Names,
                                           Patterns);
  }

  /// The function named \p Name defined in the input (not in headers).
  const FunctionDecl *fn(llvm::StringRef Name) {
    struct Finder : RecursiveASTVisitor<Finder> {
      llvm::StringRef Name;
      const FunctionDecl *Found = nullptr;
      bool VisitFunctionDecl(FunctionDecl *FD) {
        if (FD->getName() == Name && FD->hasBody() && !Found)
          Found = FD;
        return true;
      }
    } F;
    F.Name = Name;
    F.TraverseDecl(AST->getASTContext().getTranslationUnitDecl());
    EXPECT_NE(F.Found, nullptr) << Name.str();
    return F.Found;
  }

  std::vector<std::string> handlerNames() {
    std::vector<std::string> Out;
    for (const Handler &H : Scope->handlers())
      Out.push_back(H.Name);
    return Out;
  }

  model::ApiModel Model;
  NameCache Names;
  std::vector<model::NamePattern> Patterns;
  std::unique_ptr<ASTUnit> AST;
  std::unique_ptr<HandlerScope> Scope;
};

using Names = std::vector<std::string>;

TEST(HandlerScope, FunctionPassedToRunHandler) {
  Fixture F(R"(
    void leaf() {}
    void mid() { leaf(); }
    invocation_response my_handler(invocation_request const &) { mid(); return ok(); }
    void unrelated() {}
    int main() { run_handler(my_handler); })");
  EXPECT_EQ(F.handlerNames(), Names{"my_handler"});
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("my_handler")));
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("mid")));
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("leaf")));
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("unrelated")));
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("main")));
  EXPECT_TRUE(F.Scope->inInitScope(F.fn("main")));
  // main passes the handler to run_handler but does not call it.
  EXPECT_FALSE(F.Scope->inInitScope(F.fn("my_handler")));
  auto Chain = F.Scope->callChain(F.fn("leaf"));
  ASSERT_EQ(Chain.size(), 2u);
  EXPECT_EQ(Chain[0].Caller->getName(), "my_handler");
  EXPECT_EQ(Chain[1].Callee->getName(), "leaf");
  EXPECT_EQ(F.Scope->handlerFor(F.fn("leaf"))->Name, "my_handler");
}

TEST(HandlerScope, LambdaHandler) {
  Fixture F(R"(
    void work() {}
    int main() {
      run_handler([](invocation_request const &) { work(); return ok(); });
    })");
  ASSERT_EQ(F.Scope->handlers().size(), 1u);
  EXPECT_EQ(F.Scope->handlers()[0].Name.rfind("lambda at input.cpp:", 0), 0u);
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("work")));
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("main")));
}

TEST(HandlerScope, StdFunctionVariable) {
  Fixture F(R"(
    void work() {}
    int main() {
      std::function<invocation_response(invocation_request const &)> h =
          [](invocation_request const &) { work(); return ok(); };
      run_handler(h);
    })");
  EXPECT_EQ(F.handlerNames(), Names{"h"});
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("work")));
}

TEST(HandlerScope, AutoVariableAndForwardingLambda) {
  Fixture F(R"(
    void work() {}
    invocation_response real_handler(invocation_request const &r) { work(); return ok(); }
    int main() {
      run_handler([](invocation_request const &r) { return real_handler(r); });
    })");
  EXPECT_EQ(F.handlerNames(), Names{"real_handler"});
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("real_handler")));
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("work")));
}

TEST(HandlerScope, Annotation) {
  Fixture F(R"(
    void work() {}
    [[clang::annotate("serverless.handler")]] int handle(int) { work(); return 0; }
    int other(int) { return 0; })");
  EXPECT_EQ(F.handlerNames(), Names{"handle"});
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("work")));
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("other")));
}

TEST(HandlerScope, OptionNamedFunctions) {
  Fixture F(R"(
    namespace app { int on_request(int) { return 0; } int helper(int) { return 0; } }
    int process_event(int) { return 0; })",
            {"app::on_*", "process_event"});
  EXPECT_EQ(F.handlerNames(), (Names{"on_request", "process_event"}));
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("helper")));
}

TEST(HandlerScope, MembersConstructorsAndLambdasAreInScope) {
  Fixture F(R"(
    struct Conn { Conn() { open(); } void open() {} void send() {} };
    struct Svc { Conn c; void run() { c.send(); } };
    void via_lambda() {}
    invocation_response h(invocation_request const &) {
      Svc s; s.run();
      auto l = [] { via_lambda(); }; l();
      return ok();
    }
    int main() { run_handler(h); })");
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("run")));
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("send")));
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("open")));
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("via_lambda")));
}

TEST(HandlerScope, InitOnceCodeDoesNotExtendTheScope) {
  Fixture F(R"(
    struct Client { Client(); };
    Client *make_static();
    Client *make_once();
    Client *make_lazy();
    Client *make_every_time();
    static Client *g_once, *g_lazy, *g_plain;
    static std::once_flag flag;
    Client *make_static() { return nullptr; }
    Client *make_once() { return nullptr; }
    Client *make_lazy() { return nullptr; }
    Client *make_every_time() { return nullptr; }
    Client *make_reset() { return nullptr; }
    static std::unique_ptr<Client> g_owner;
    invocation_response h(invocation_request const &) {
      static Client *s = make_static();
      std::call_once(flag, [] { g_once = make_once(); });
      if (!g_lazy) g_lazy = make_lazy();
      if (!g_owner) g_owner.reset(make_reset());
      g_plain = make_every_time();
      return ok();
    }
    int main() { run_handler(h); })");
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("make_static")));
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("make_once")));
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("make_lazy")));
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("make_reset")));
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("make_every_time")));
}

TEST(HandlerScope, InitCapturesBelongToMain) {
  Fixture F(R"(
    struct Client {};
    Client make_client() { return {}; }
    void per_call(const Client &) {}
    int main() {
      run_handler([c = make_client()](invocation_request const &) { per_call(c); return ok(); });
    })");
  EXPECT_FALSE(F.Scope->inHandlerScope(F.fn("make_client")));
  EXPECT_TRUE(F.Scope->inInitScope(F.fn("make_client")));
  EXPECT_TRUE(F.Scope->inHandlerScope(F.fn("per_call")));
}

TEST(HandlerScope, NoHandlers) {
  Fixture F(R"(
    int helper() { return 1; }
    int main() { return helper(); })");
  EXPECT_TRUE(F.Scope->handlers().empty());
  EXPECT_TRUE(F.Scope->functions().empty());
  EXPECT_TRUE(F.Scope->inInitScope(F.fn("helper")));
}

} // namespace
