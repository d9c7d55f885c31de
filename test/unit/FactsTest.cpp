//===--- FactsTest.cpp - merge and judge over plain facts ------------------===//
#include "Summary/Facts.h"
#include "gtest/gtest.h"
#include <cstdio>

using namespace serverless;
using namespace serverless::summary;

namespace {

core::Site site(const std::string &Path, unsigned Line, const std::string &Fn = "") {
  core::Site S;
  S.Path = Path;
  S.Line = Line;
  S.Column = 1;
  S.FunctionUsr = Fn;
  return S;
}

CallEdge edge(const std::string &From, const std::string &To, const std::string &Path, unsigned Line,
              bool InitOnce = false) {
  CallEdge E;
  E.Caller = From;
  E.Callee = To;
  E.CalleeName = To;
  E.Site = site(Path, Line, From);
  E.InitOnce = InitOnce;
  return E;
}

Diagnostic finding(const std::string &Fn, const std::string &Path, unsigned Line,
                   Diagnostic::Requires R = Diagnostic::Requires::HandlerScope) {
  Diagnostic D;
  D.Check = "serverless-unclosed-resource";
  D.Message = std::string("leak in ") + HandlerPlaceholder;
  D.Loc.Path = Path;
  D.Loc.Line = Line;
  D.Loc.Column = 3;
  D.Condition = R;
  D.FunctionUsr = Fn;
  return D;
}

// main.cpp registers h; h (handler.cpp) calls a (a.cpp) which calls b.
std::vector<TUFacts> program() {
  TUFacts Main, Handler, A;
  Main.File = "/p/main.cpp";
  Main.MainUsr = "c:@F@main#";
  Main.Handlers.push_back({"c:@F@h#", "h", site("/p/app.h", 3)});
  Main.Calls.push_back(edge("c:@F@main#", "c:@F@init#", "/p/main.cpp", 5));
  Handler.File = "/p/handler.cpp";
  Handler.Functions.push_back({"c:@F@h#", "h", site("/p/handler.cpp", 2)});
  Handler.Calls.push_back(edge("c:@F@h#", "c:@F@a#", "/p/handler.cpp", 4));
  Handler.Calls.push_back(edge("c:@F@h#", "c:@F@once#", "/p/handler.cpp", 5, /*InitOnce=*/true));
  A.File = "/p/a.cpp";
  A.Functions.push_back({"c:@F@a#", "a", site("/p/a.cpp", 1)});
  A.Functions.push_back({"c:@F@b#", "b", site("/p/a.cpp", 10)});
  A.Functions.push_back({"c:@F@once#", "once", site("/p/a.cpp", 20)});
  A.Functions.push_back({"c:@F@init#", "init", site("/p/a.cpp", 30)});
  A.Calls.push_back(edge("c:@F@a#", "c:@F@b#", "/p/a.cpp", 2));
  A.Diagnostics.push_back(finding("c:@F@b#", "/p/a.cpp", 11));
  A.Diagnostics.push_back(finding("c:@F@once#", "/p/a.cpp", 21));
  A.Diagnostics.push_back(finding("c:@F@init#", "/p/a.cpp", 31));
  A.Diagnostics.push_back(finding("c:@F@init#", "/p/a.cpp", 32, Diagnostic::Requires::InitScope));
  return {Main, Handler, A};
}

TEST(FactsTest, ReachAcrossTUs) {
  Program P(program());
  EXPECT_TRUE(P.inHandlerScope("c:@F@h#"));
  EXPECT_TRUE(P.inHandlerScope("c:@F@b#"));
  EXPECT_FALSE(P.inHandlerScope("c:@F@once#")) << "init-once edges do not carry handler scope";
  EXPECT_FALSE(P.inHandlerScope("c:@F@init#"));
  EXPECT_TRUE(P.inInitScope("c:@F@init#"));
  EXPECT_FALSE(P.inInitScope("c:@F@h#")) << "registering a handler does not call it";
  Program::Chain C = P.handlerChain("c:@F@b#");
  ASSERT_NE(C.Handler, nullptr);
  EXPECT_EQ(C.Handler->Name, "h");
  ASSERT_EQ(C.Steps.size(), 2u);
  EXPECT_EQ(C.Steps[0]->Callee, "c:@F@a#");
  EXPECT_EQ(C.Steps[1]->Callee, "c:@F@b#");
}

TEST(FactsTest, JudgeKeepsWhatHoldsWithCrossFileNotes) {
  std::vector<Diagnostic> D = judge(program());
  ASSERT_EQ(D.size(), 2u);
  EXPECT_EQ(D[0].Loc.Line, 11u);
  EXPECT_EQ(D[0].Message, "leak in h");
  ASSERT_EQ(D[0].Notes.size(), 3u);
  // The handler's definition, not the declaration main.cpp saw in app.h.
  EXPECT_EQ(D[0].Notes[0].Message, "handler 'h' is defined here");
  EXPECT_EQ(D[0].Notes[0].Loc.Path, "/p/handler.cpp");
  EXPECT_EQ(D[0].Notes[1].Message, "'c:@F@a#' in a.cpp is called from handler 'h' here");
  EXPECT_EQ(D[0].Notes[2].Message, "'c:@F@b#' is called from 'a' here");
  EXPECT_EQ(D[1].Loc.Line, 32u) << "init-scope condition holds for init";
}

TEST(FactsTest, DuplicatesFromHeadersOnce) {
  auto TUs = program();
  TUs.push_back(TUs[2]);
  TUs.back().File = "/p/a2.cpp";
  EXPECT_EQ(judge(TUs).size(), 2u);
}

TEST(FactsTest, LongChainsAreBounded) {
  TUFacts T;
  T.File = "/p/deep.cpp";
  T.Handlers.push_back({"f0", "f0", site("/p/deep.cpp", 1)});
  for (int I = 0; I < 1000; ++I)
    T.Calls.push_back(edge("f" + std::to_string(I), "f" + std::to_string(I + 1), "/p/deep.cpp", I + 2));
  T.Diagnostics.push_back(finding("f1000", "/p/deep.cpp", 5000));
  std::vector<Diagnostic> D = judge({T});
  ASSERT_EQ(D.size(), 1u);
  // Handler note + 6 steps + one "N more calls" note.
  EXPECT_EQ(D[0].Notes.size(), 8u);
  EXPECT_NE(D[0].Notes[4].Message.find("994 more calls"), std::string::npos) << D[0].Notes[4].Message;
}

TEST(FactsTest, HookInAnotherTUMakesShutdownFindingUnknown) {
  TUFacts A, B;
  A.File = "/p/a.cpp";
  A.MainUsr = "main";
  Diagnostic D = finding("", "/p/a.cpp", 3, Diagnostic::Requires::Nothing);
  D.UnknownIfHooksElsewhere = true;
  A.Diagnostics.push_back(D);
  EXPECT_EQ(judge({A}).size(), 1u);
  B.File = "/p/b.cpp";
  B.InstallsSigtermHook = true;
  EXPECT_EQ(judge({A, B}).size(), 0u);
}

TEST(FactsTest, RoundTripThroughAFile) {
  auto TUs = program();
  std::string Path = testing::TempDir() + "/facts-roundtrip.json", Err;
  ASSERT_TRUE(writeFacts(Path, TUs[2], Err)) << Err;
  TUFacts Back;
  ASSERT_TRUE(readFacts(Path, Back, Err)) << Err;
  EXPECT_EQ(nlohmann::json(Back), nlohmann::json(TUs[2]));
  std::FILE *F = std::fopen(Path.c_str(), "w");
  std::fputs("{\"version\": 99}", F);
  std::fclose(F);
  EXPECT_FALSE(readFacts(Path, Back, Err));
  EXPECT_NE(Err.find("not a serverless-tidy fact file"), std::string::npos) << Err;
}

} // namespace
