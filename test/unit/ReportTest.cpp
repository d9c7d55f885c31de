//===--- ReportTest.cpp - Fingerprints, baselines, SARIF/JSON shapes -------===//
#include "Report/Report.h"
#include "Report/Sha256.h"
#include "gtest/gtest.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace serverless;
using namespace serverless::report;
using nlohmann::json;

namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Lengths around the padding boundary (55, 56, 63, 64 bytes) differ from
  // each other and are stable.
  EXPECT_NE(sha256Hex(std::string(55, 'x')), sha256Hex(std::string(56, 'x')));
  EXPECT_EQ(sha256Hex(std::string(64, 'x')), sha256Hex(std::string(64, 'x')));
}

TEST(Fingerprint, WhitespaceIsNormalised) {
  EXPECT_EQ(normaliseWhitespace("  FILE *f\t=  fopen(p,\r\n \"r\");  "), "FILE *f = fopen(p, \"r\");");
  EXPECT_EQ(normaliseWhitespace(""), "");
  EXPECT_EQ(normaliseWhitespace(" \t "), "");
  EXPECT_EQ(normaliseSourceLine("\tFILE *f = fopen(p, \"r\");"), normaliseSourceLine("    FILE *f = fopen(p, \"r\");"));
}

TEST(Fingerprint, LineNumbersLeaveMessages) {
  // clang's names of lambdas carry their location.
  EXPECT_EQ(normaliseMessage("'CURL' is created in '(lambda at /src/app/handler.cpp:12:5)'"),
            "'CURL' is created in '(lambda at handler.cpp)'");
  EXPECT_EQ(normaliseMessage("main::(lambda at ./a.cpp:3:1)::operator()"), "main::(lambda at a.cpp)::operator()");
  EXPECT_EQ(normaliseMessage("acquired at line 12 and released on lines 30-34"),
            "acquired at line and released on lines");
  EXPECT_EQ(normaliseMessage("see lines 3 to 5, Line 9"), "see lines, Line");
  // Not line numbers: durations, sizes, identifiers with digits.
  EXPECT_EQ(normaliseMessage("'redisCommand' can block for 3000 ms (MaxBlockingMs is 2000)"),
            "'redisCommand' can block for 3000 ms (MaxBlockingMs is 2000)");
  EXPECT_EQ(normaliseMessage("'sha256:12' and v1.2 and std::chrono::seconds(30)"),
            "'sha256:12' and v1.2 and std::chrono::seconds(30)");
  EXPECT_EQ(normaliseMessage("pipeline 5 stays"), "pipeline 5 stays");
}

TEST(Fingerprint, HashParts) {
  std::string A = fingerprintHash("serverless-unclosed-resource", "src/a.cpp", "app::f", "leak", "FILE *f = fopen();");
  EXPECT_EQ(A.size(), 32u);
  EXPECT_EQ(A, fingerprintHash("serverless-unclosed-resource", "src/a.cpp", "app::f", "leak  ", "  FILE *f =\tfopen();"));
  EXPECT_NE(A, fingerprintHash("serverless-missing-deadline", "src/a.cpp", "app::f", "leak", "FILE *f = fopen();"));
  EXPECT_NE(A, fingerprintHash("serverless-unclosed-resource", "src/b.cpp", "app::f", "leak", "FILE *f = fopen();"));
  EXPECT_NE(A, fingerprintHash("serverless-unclosed-resource", "src/a.cpp", "app::g", "leak", "FILE *f = fopen();"));
  EXPECT_NE(A, fingerprintHash("serverless-unclosed-resource", "src/a.cpp", "app::f", "leaks", "FILE *f = fopen();"));
  EXPECT_NE(A, fingerprintHash("serverless-unclosed-resource", "src/a.cpp", "app::f", "leak", "FILE *g = fopen();"));
  // A lambda's location in the function name does not matter.
  EXPECT_EQ(fingerprintHash("c", "p", "main::(lambda at /x/m.cpp:3:1)", "m", "l"),
            fingerprintHash("c", "p", "main::(lambda at /y/m.cpp:9:7)", "m", "l"));
}

TEST(Fingerprint, Ordinals) {
  EXPECT_EQ(withOrdinals({"a", "b", "a", "a"}), (std::vector<std::string>{"a:1", "b:1", "a:2", "a:3"}));
}

TEST(Fingerprint, PathsAndUris) {
  EXPECT_EQ(relativeTo("/repo/src/a.cpp", "/repo"), std::optional<std::string>("src/a.cpp"));
  EXPECT_EQ(relativeTo("/repo/src/a.cpp", "/repo/"), std::optional<std::string>("src/a.cpp"));
  EXPECT_EQ(relativeTo("/repository/a.cpp", "/repo"), std::nullopt);
  EXPECT_EQ(relativeTo("/repo", "/repo"), std::nullopt);
  EXPECT_EQ(relativeTo("/usr/include/x.h", "/"), std::optional<std::string>("usr/include/x.h"));
  EXPECT_EQ(fileUri("/a b/c#d.cpp"), "file:///a%20b/c%23d.cpp");
  EXPECT_EQ(relativeUri("src/café.cpp"), "src/caf%C3%A9.cpp");
}

TEST(Fingerprint, CodePoints) {
  SourceFiles S;
  S.set("/x.cpp", "// caf\xc3\xa9\n/* \xc3\xa9\xc3\xa9 */ int x;\n");
  EXPECT_EQ(S.line("/x.cpp", 2), std::optional<std::string>("/* \xc3\xa9\xc3\xa9 */ int x;"));
  EXPECT_EQ(S.line("/x.cpp", 3), std::nullopt);
  // `int` is at byte column 13, code point column 11.
  EXPECT_EQ(S.codePointColumn("/x.cpp", 2, 13), 11u);
  EXPECT_EQ(S.codePointColumn("/x.cpp", 1, 4), 4u);
  // Byte offset of `int` is 9 + 12 = 21; code points before it: 8 + 10.
  EXPECT_EQ(S.codePointOffset("/x.cpp", 21), 18u);
  // Unreadable files keep byte values.
  EXPECT_EQ(S.codePointColumn("/nonexistent/file.cpp", 2, 13), 13u);
}

summary::Diagnostic diag(const std::string &Path, unsigned Line, const std::string &Fn = "c:@F@f") {
  summary::Diagnostic D;
  D.Check = "serverless-unclosed-resource";
  D.Message = "'FILE' resource acquired by 'fopen' is not released on every path";
  D.Loc.Path = Path;
  D.Loc.Line = Line;
  D.Loc.Column = 13;
  D.FunctionUsr = Fn;
  return D;
}

TEST(Fingerprint, SurviveLineShiftsAndEditsElsewhere) {
  std::map<std::string, std::string> Names{{"c:@F@f", "app::write_audit"}};
  SourceFiles Before, After;
  Before.set("/r/a.cpp", "void f() {\n  FILE *f = fopen(\"x\", \"a\");\n}\n");
  // Three lines inserted above, the function body re-indented, a statement
  // added after the finding.
  After.set("/r/a.cpp", "// a\n// b\n\nvoid f() {\n\tFILE  *f = fopen(\"x\", \"a\");\n  puts(\"more\");\n}\n");
  auto F1 = prepare({diag("/r/a.cpp", 2)}, Names, "/r", Before);
  auto F2 = prepare({diag("/r/a.cpp", 5)}, Names, "/r", After);
  ASSERT_EQ(F1.size(), 1u);
  EXPECT_EQ(F1[0].Path, "a.cpp");
  EXPECT_EQ(F1[0].Function, "app::write_audit");
  EXPECT_EQ(F1[0].Fingerprint, F2[0].Fingerprint);
  EXPECT_EQ(F1[0].Fingerprint.substr(32), ":1");
  // Another checkout directory: same fingerprint.
  SourceFiles Elsewhere;
  Elsewhere.set("/ci/work/a.cpp", "void f() {\n  FILE *f = fopen(\"x\", \"a\");\n}\n");
  EXPECT_EQ(prepare({diag("/ci/work/a.cpp", 2)}, Names, "/ci/work", Elsewhere)[0].Fingerprint, F1[0].Fingerprint);
  // The finding's own line changed: a new finding.
  SourceFiles Changed;
  Changed.set("/r/a.cpp", "void f() {\n  FILE *f = fopen(\"y\", \"a\");\n}\n");
  EXPECT_NE(prepare({diag("/r/a.cpp", 2)}, Names, "/r", Changed)[0].Fingerprint, F1[0].Fingerprint);
  // Two equal lines in one function: told apart by order.
  SourceFiles Twice;
  Twice.set("/r/a.cpp", "void f() {\n  FILE *f = fopen(\"x\", \"a\");\n  FILE *f = fopen(\"x\", \"a\");\n}\n");
  auto F3 = prepare({diag("/r/a.cpp", 2), diag("/r/a.cpp", 3)}, Names, "/r", Twice);
  EXPECT_EQ(F3[0].Fingerprint, F1[0].Fingerprint);
  EXPECT_EQ(F3[1].Fingerprint, F1[0].Fingerprint.substr(0, 32) + ":2");
}

TEST(Report, NotesAndChains) {
  EXPECT_EQ(classifyNote("handler 'handler' is defined here"), NoteKind::Handler);
  EXPECT_EQ(classifyNote("'app::f' in a.cpp is called from handler 'handler' here"), NoteKind::Call);
  EXPECT_EQ(classifyNote("'app::g' is called from 'app::f' here"), NoteKind::Call);
  EXPECT_EQ(classifyNote("(3 more calls on the way from handler 'handler')"), NoteKind::Elided);
  EXPECT_EQ(classifyNote("resource acquired by 'fopen' is not released when returning here"), NoteKind::Plain);
  std::vector<summary::Note> Notes{{"leaks here", {}}, {"handler 'h' is defined here", {}}, {"'f' is called from handler 'h' here", {}}};
  EXPECT_EQ(chainStart(Notes), 1u);
  // A chain with a call: its head is printed.
  EXPECT_FALSE(handlerNoteOnly(Notes, 0));
  EXPECT_FALSE(handlerNoteOnly(Notes, 1));
  EXPECT_FALSE(handlerNoteOnly(Notes, 2));
  // In the handler itself: the head alone is left out of the text output.
  std::vector<summary::Note> InHandler{{"leaks here", {}}, {"handler 'h' is defined here", {}}};
  EXPECT_FALSE(handlerNoteOnly(InHandler, 0));
  EXPECT_TRUE(handlerNoteOnly(InHandler, 1));
  Notes.erase(Notes.begin() + 1);
  EXPECT_EQ(chainStart(Notes), Notes.size());
  EXPECT_FALSE(handlerNoteOnly(Notes, 1));
}

std::string tempPath(const std::string &Name) {
  return ::testing::TempDir() + "/report-test-" + std::to_string(getpid()) + "-" + Name;
}

TEST(Baseline, RoundTripAndMatching) {
  Baseline B;
  B.Entries.push_back({"aaaa:1", "serverless-unclosed-resource", "b.cpp", "g", "m", 9});
  B.Entries.push_back({"bbbb:1", "serverless-missing-deadline", "a.cpp", "", "m2", 3});
  B.Entries.push_back({"bbbb:1", "serverless-missing-deadline", "a.cpp", "", "m2", 3});
  std::string P = tempPath("baseline.json");
  std::string Err;
  ASSERT_TRUE(writeBaseline(P, B, Err)) << Err;
  Baseline R;
  ASSERT_TRUE(readBaseline(P, R, Err)) << Err;
  ASSERT_EQ(R.Entries.size(), 3u);
  EXPECT_EQ(R.Entries[0].Path, "a.cpp"); // Sorted by path.
  EXPECT_EQ(R.Entries[2].Fingerprint, "aaaa:1");
  EXPECT_EQ(R.Entries[2].Function, "g");
  EXPECT_EQ(R.Entries[2].Line, 9u);
  // Each entry suppresses one finding; entries left over are stale.
  BaselineMatch M = matchBaseline(R, {"bbbb:1", "cccc:1", "", "aaaa:1"});
  EXPECT_EQ(M.Suppressed, (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(M.NumSuppressed, 2u);
  ASSERT_EQ(M.Stale.size(), 1u);
  EXPECT_EQ(M.Stale[0].Fingerprint, "bbbb:1");
  std::remove(P.c_str());
}

TEST(Baseline, BrokenFilesNameTheFile) {
  std::string Err;
  Baseline B;
  EXPECT_FALSE(readBaseline("/nonexistent/base.json", B, Err));
  EXPECT_EQ(Err, "baseline '/nonexistent/base.json': cannot read: No such file or directory");
  auto Try = [&](const std::string &Text) {
    std::string P = tempPath("broken.json");
    std::ofstream(P) << Text;
    std::string E;
    Baseline Out;
    EXPECT_FALSE(readBaseline(P, Out, E));
    EXPECT_EQ(E.rfind("baseline '" + P + "': not a serverless-tidy baseline (", 0), 0u) << E;
    EXPECT_EQ(E.find('\n'), std::string::npos);
    std::remove(P.c_str());
    return E;
  };
  EXPECT_NE(Try("{ not json").find("invalid JSON"), std::string::npos);
  EXPECT_NE(Try("[]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(Try("{\"schema\": \"serverless-tidy-findings/1\", \"findings\": []}").find("expected 'serverless-tidy-baseline/1'"),
            std::string::npos);
  EXPECT_NE(Try("{\"schema\": \"serverless-tidy-baseline/1\"}").find("no \"findings\" array"), std::string::npos);
  EXPECT_NE(Try("{\"schema\": \"serverless-tidy-baseline/1\", \"findings\": [{\"check\": \"x\"}]}").find("findings[0]"),
            std::string::npos);
}

TEST(Report, SarifShape) {
  SourceFiles Src;
  Src.set("/r/h.cpp", "// \xc3\xa9\nint handler() {\n  Client c(cfg);\n}\n");
  summary::Diagnostic D;
  D.Check = "serverless-handler-scope-client";
  D.Message = "'Client' is constructed on every invocation of handler 'handler'";
  D.Loc = {"/r/h.cpp", 3, 10, 30};
  D.Notes.push_back({"handler 'handler' is defined here", {"/r/h.cpp", 2, 5, 0}});
  D.Notes.push_back({"'a' is called from handler 'handler' here", {"/r/h.cpp", 3, 3, 0}});
  D.Notes.push_back({"(2 more calls on the way from handler 'handler')", {"/r/h.cpp", 3, 3, 0}});
  D.Notes.push_back({"'b' is called from 'z' here", {"/other/x.cpp", 7, 1, 0}});
  D.Fixes.push_back({"/r/h.cpp", 23, 0, "static "});
  D.FunctionUsr = "u";
  RunInfo Run;
  Run.SourceRoot = "/r";
  Run.DocsDir = "/usr/share/doc/serverless-tidy";
  auto F = prepare({D}, {{"u", "handler"}}, "/r", Src);
  json S = json::parse(renderSarif(F, Run, Src));
  EXPECT_EQ(S["version"], "2.1.0");
  ASSERT_EQ(S["runs"].size(), 1u);
  const json &Run0 = S["runs"][0];
  EXPECT_EQ(Run0["originalUriBaseIds"]["SRCROOT"]["uri"], "file:///r/");
  EXPECT_EQ(Run0["tool"]["driver"]["rules"].size(), 4u);
  EXPECT_EQ(Run0["tool"]["driver"]["rules"][0]["helpUri"],
            "file:///usr/share/doc/serverless-tidy/checks/serverless-handler-scope-client.rst");
  const json &R = Run0["results"][0];
  EXPECT_EQ(R["ruleIndex"], 0);
  EXPECT_EQ(R["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "h.cpp");
  EXPECT_EQ(R["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "SRCROOT");
  EXPECT_EQ(R["locations"][0]["physicalLocation"]["region"]["snippet"]["text"], "  Client c(cfg);");
  EXPECT_EQ(R["relatedLocations"].size(), 4u);
  EXPECT_EQ(R["relatedLocations"][3]["physicalLocation"]["artifactLocation"]["uri"], "file:///other/x.cpp");
  const json &Flow = R["codeFlows"][0]["threadFlows"][0]["locations"];
  ASSERT_EQ(Flow.size(), 5u);
  EXPECT_EQ(Flow[0]["nestingLevel"], 0);
  EXPECT_EQ(Flow[1]["nestingLevel"], 0);
  EXPECT_EQ(Flow[2]["nestingLevel"], 1);
  EXPECT_EQ(Flow[3]["nestingLevel"], 3);
  EXPECT_EQ(Flow[4]["nestingLevel"], 4);
  // Byte offset 23 is code point 22 (the é on line 1 is two bytes).
  const json &Rep = R["fixes"][0]["artifactChanges"][0]["replacements"][0];
  EXPECT_EQ(Rep["deletedRegion"]["charOffset"], 22);
  EXPECT_EQ(Rep["deletedRegion"]["charLength"], 0);
  EXPECT_EQ(Rep["insertedContent"]["text"], "static ");
  EXPECT_EQ(R["partialFingerprints"]["serverlessTidy/v1"], F[0].Fingerprint);
}

TEST(Report, JsonShape) {
  SourceFiles Src;
  summary::Diagnostic D;
  D.Check = "serverless-unclosed-resource";
  D.Message = "m";
  D.Loc = {"/r/a.cpp", 3, 4, 40};
  D.WarningAsError = true;
  D.Notes.push_back({"leaks here", {"/r/a.cpp", 5, 1, 60}});
  auto F = prepare({D}, {}, "/r", Src);
  RunInfo Run;
  Run.SourceRoot = "/r";
  Run.DocsDir = "/d";
  Run.TranslationUnits = 2;
  Run.BaselinePath = "b.json";
  Run.Suppressed = 3;
  json J = json::parse(renderJson(F, Run));
  EXPECT_EQ(J["schema"], "serverless-tidy-findings/1");
  EXPECT_EQ(J["translation_units"], 2);
  EXPECT_EQ(J["summary"]["errors"], 1);
  EXPECT_EQ(J["baseline"]["suppressed"], 3);
  const json &O = J["findings"][0];
  EXPECT_EQ(O["level"], "error");
  EXPECT_EQ(O["warning_as_error"], true);
  EXPECT_EQ(O["location"]["path"], "a.cpp");
  EXPECT_EQ(O["location"]["file"], "/r/a.cpp");
  EXPECT_EQ(O["notes"][0]["kind"], "note");
  EXPECT_EQ(O["help"], "file:///d/checks/serverless-unclosed-resource.rst");
  EXPECT_FALSE(O.contains("function"));
}

} // namespace
