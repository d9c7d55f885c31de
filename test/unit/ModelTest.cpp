//===--- ModelTest.cpp - API model loader tests ---------------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Model/ApiModel.h"
#include "Model/EmbeddedModels.h"
#include "Model/JsonLocator.h"
#include "Model/NamePattern.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include <nlohmann/json.hpp>
#include <chrono>
#include <set>

using namespace serverless::model;
using ::testing::HasSubstr;

namespace {

std::string errorOf(llvm::StringRef Text) {
  ApiModel M;
  llvm::Error E = M.addBuffer("user.json", Text);
  if (!E)
    return "";
  return llvm::toString(std::move(E));
}

const char *Header = R"({"schema": "serverless-tidy-model/1", "library": "t")";

std::string model(llvm::StringRef Sections) {
  return std::string(Header) + (Sections.empty() ? "" : ",\n") + Sections.str() + "}";
}

TEST(NamePattern, LiteralAndGlobs) {
  auto Lit = NamePattern::create("fopen");
  ASSERT_TRUE(bool(Lit));
  EXPECT_TRUE(Lit->isLiteral());
  EXPECT_TRUE(Lit->matches("fopen"));
  EXPECT_FALSE(Lit->matches("fopen64"));

  auto Aws = NamePattern::create("Aws::*::*Client");
  ASSERT_TRUE(bool(Aws));
  EXPECT_TRUE(Aws->matches("Aws::DynamoDB::DynamoDBClient"));
  EXPECT_TRUE(Aws->matches("Aws::S3::S3Client"));
  EXPECT_FALSE(Aws->matches("Aws::Client::ClientConfiguration"));
  EXPECT_FALSE(Aws->matches("Aws::DynamoDB::Model::QueryClient"));
  EXPECT_EQ(Aws->literalPrefix(), "Aws::");

  auto Deep = NamePattern::create("**::Stub::*");
  ASSERT_TRUE(bool(Deep));
  EXPECT_TRUE(Deep->matches("helloworld::Greeter::Stub::SayHello"));
  EXPECT_FALSE(Deep->matches("Stub::SayHello"));

  auto Star = NamePattern::create("redisConnect*");
  ASSERT_TRUE(bool(Star));
  EXPECT_TRUE(Star->matches("redisConnect"));
  EXPECT_TRUE(Star->matches("redisConnectWithTimeout"));
  EXPECT_FALSE(Star->matches("redisFree"));
}

TEST(NamePattern, Invalid) {
  for (const char *Bad : {"", "::fopen", "a b", "a***b", "std::vector<int>", "f()"}) {
    auto P = NamePattern::create(Bad);
    EXPECT_FALSE(bool(P)) << Bad;
    if (!P)
      llvm::consumeError(P.takeError());
  }
}

TEST(JsonLocator, Positions) {
  const char *Text = "{\n  \"a\": [1,\n    {\"b\": true}]\n}";
  JsonLocator L(Text);
  auto [Line, Col] = L.lineColumn(L.valueOffset("/a/1/b"));
  EXPECT_EQ(Line, 3u);
  EXPECT_EQ(Col, 11u);
  auto [KLine, KCol] = L.lineColumn(L.keyOffset("/a/1/b"));
  EXPECT_EQ(KLine, 3u);
  EXPECT_EQ(KCol, 6u);
  // Unknown pointers fall back to the nearest ancestor.
  auto [ALine, ACol] = L.lineColumn(L.valueOffset("/a/7"));
  EXPECT_EQ(ALine, 2u);
  EXPECT_EQ(ACol, 8u);
}

// Issue 15: the locator kept a full JSON-pointer string per value, so a long
// key above many values cost its length once per value (a 160 KB valid model
// needed ~3 GB). Its index must be proportional to the text.
TEST(JsonLocator, MemoryIsProportionalToTheText) {
  std::string Text = std::string(Header) + ",\n\"description\": {\"" +
                     std::string(80000, 'k') + "\": [0";
  for (int I = 1; I < 40000; ++I)
    Text += ",0";
  Text += "]}}";
  ASSERT_GT(Text.size(), 160000u);
  JsonLocator L(Text);
  EXPECT_LE(L.memoryBytes(), 64 * Text.size()) << "for " << Text.size() << " bytes of text";
  const std::string Ptr = "/description/" + std::string(80000, 'k');
  EXPECT_EQ(L.valueOffset(Ptr + "/39999"), Text.size() - 4);
  EXPECT_EQ(L.keyOffset(Ptr), Text.find("\"kkk"));
  EXPECT_EQ(L.valueOffset(Ptr + "/40000"), L.valueOffset(Ptr));
  EXPECT_EQ(errorOf(Text), "");
}

// Nesting depth is bounded by nothing but the text: no recursion.
TEST(JsonLocator, DeepNesting) {
  const size_t Depth = 200000;
  std::string Text = std::string(Header) + ", \"description\": " +
                     std::string(Depth, '[') + std::string(Depth, ']') + "}";
  JsonLocator L(Text);
  std::string Ptr = "/description";
  for (int I = 0; I < 1000; ++I)
    Ptr += "/0";
  EXPECT_EQ(L.valueOffset(Ptr), Text.find('[') + 1000);
  EXPECT_LE(L.memoryBytes(), 64 * Text.size());
  EXPECT_EQ(errorOf(Text), "");
}

TEST(JsonLocator, EscapedKeys) {
  const char *Text = R"({"a/b": 1, "t~": 2, "\u0063": 3, "\ud83d\ude00": 4})";
  JsonLocator L(Text);
  EXPECT_EQ(L.valueOffset("/a~1b"), 8u);
  EXPECT_EQ(L.valueOffset("/t~0"), 17u);
  EXPECT_EQ(L.valueOffset("/c"), 30u);
  EXPECT_EQ(L.keyOffset("/\xF0\x9F\x98\x80"), 33u);
  EXPECT_TRUE(L.duplicates().empty());
}

// Duplicate keys are errors, like unknown keys: the parser would keep one
// value and silently drop the other.
TEST(ApiModel, DuplicateKeysAreErrors) {
  EXPECT_THAT(errorOf(model(R"("clients": [{"type": "A", "kind": "x", "kind": "y"}])")),
              HasSubstr("user.json:2:40: error: duplicate key 'kind' (first at line 2, column 27)"));
  // The same key spelled with an escape.
  EXPECT_THAT(errorOf(model(R"("clients": [{"type": "A", "kind": "x", "\u006bind": "y"}])")),
              HasSubstr("user.json:2:40: error: duplicate key 'kind'"));
  // A whole section given twice.
  std::string Two = errorOf(model("\"throwing\": [{\"function\": \"f\"}],\n"
                                  "\"throwing\": [{\"function\": \"g\"}]"));
  EXPECT_THAT(Two, HasSubstr("user.json:3:1: error: duplicate key 'throwing' (first at line 2, column 1)"));
  // Anywhere, also where any JSON is allowed.
  EXPECT_THAT(errorOf(model(R"("description": {"a": 1, "a": 2})")),
              HasSubstr("error: duplicate key 'a'"));
  // Each duplicate once; other errors still reported.
  std::string Both = errorOf(model(R"("clients": [{"type": "A", "kind": "x", "kind": "y", "knid": 1}])"));
  EXPECT_THAT(Both, HasSubstr("duplicate key 'kind'"));
  EXPECT_THAT(Both, HasSubstr("unknown key 'knid'"));
  EXPECT_EQ(llvm::StringRef(Both).count("duplicate key"), 1u);
  // One line per error whatever a key holds.
  std::string Newline = errorOf(model(R"("clients": [{"type": "A", "kind": "x", "a\nb": 1, "a\nb": 2}])"));
  EXPECT_THAT(Newline, HasSubstr("unknown key 'a\\x0ab'"));
  EXPECT_THAT(Newline, HasSubstr("duplicate key 'a\\x0ab'"));
  EXPECT_EQ(llvm::StringRef(Newline).count('\n'), 1u) << Newline;
  // Same names in different objects are not duplicates.
  EXPECT_EQ(errorOf(model(R"("clients": [{"type": "A", "kind": "x"}, {"type": "B", "kind": "x"}])")), "");
}

TEST(ApiModel, EmbeddedDefaultsLoadCleanly) {
  ASSERT_FALSE(embeddedModels().empty());
  for (const EmbeddedModel &E : embeddedModels()) {
    ApiModel M;
    llvm::Error Err = M.addBuffer(E.Name, E.Text);
    EXPECT_FALSE(bool(Err)) << (Err ? llvm::toString(std::move(Err)) : "");
  }
  ApiModel D = ApiModel::withDefaults();
  EXPECT_EQ(D.files().size(), embeddedModels().size());
  // The questions the checks ask of the defaults.
  EXPECT_NE(D.clientType("Aws::DynamoDB::DynamoDBClient"), nullptr);
  EXPECT_EQ(D.clientType("Aws::Client::ClientConfiguration"), nullptr);
  EXPECT_EQ(D.clientType("Aws::DynamoDB::Model::QueryRequest"), nullptr);
  EXPECT_NE(D.clientType("sw::redis::Redis"), nullptr);
  EXPECT_NE(D.factory("redisConnect"), nullptr);
  EXPECT_NE(D.factory("PQconnectdb"), nullptr);
  EXPECT_NE(D.factory("curl_easy_init"), nullptr);
  EXPECT_NE(D.factory("grpc::CreateChannel"), nullptr);
  ASSERT_NE(D.factory("std::make_shared"), nullptr);
  EXPECT_EQ(D.factory("std::make_shared")->CreatesTemplateArg, 0u);
  EXPECT_NE(D.factory("Aws::MakeShared"), nullptr);
  EXPECT_NE(D.acquisition("fopen").first, nullptr);
  EXPECT_NE(D.release("fclose").first, nullptr);
  EXPECT_EQ(D.acquisition("fopen").first, D.release("fclose").first);
  EXPECT_NE(D.blocking("curl_easy_perform"), nullptr);
  EXPECT_NE(D.blocking("rd_kafka_flush"), nullptr);
  EXPECT_NE(D.handlerRegistrar("aws::lambda_runtime::run_handler"), nullptr);
  EXPECT_TRUE(D.isDeadlineFunction(
      "aws::lambda_runtime::invocation_request::get_time_remaining"));
  EXPECT_NE(D.signalInstaller("sigaction"), nullptr);
  EXPECT_NE(D.exitHook("atexit"), nullptr);
  EXPECT_TRUE(D.isAsyncSignalSafe("write"));
  EXPECT_FALSE(D.isAsyncSignalSafe("printf"));
  EXPECT_NE(D.onceCall("std::call_once"), nullptr);
}

// Two default files with the same merge key would silently replace each
// other's entries.
TEST(ApiModel, DefaultFilesDoNotShadowEachOther) {
  std::map<std::string, std::string> Seen; // section/key -> file
  static const std::pair<const char *, const char *> Keys[] = {
      {"clients", "type"},         {"not_clients", "type"},
      {"factories", "function"},   {"resources", "kind"},
      {"blocking", "function"},    {"throwing", "function"},
      {"ownership_transfer", "function"}, {"handler_registrars", "function"},
      {"signal_installers", "function"},  {"exit_hooks", "function"},
      {"async_signal_safe", "function"},  {"once_calls", "function"}};
  for (const EmbeddedModel &E : embeddedModels()) {
    auto J = nlohmann::json::parse(E.Text);
    for (auto [Section, Key] : Keys) {
      if (!J.contains(Section))
        continue;
      std::set<std::string> InFile;
      for (const auto &Entry : J[Section]) {
        std::string K = std::string(Section) + "/" + Entry[Key].get<std::string>();
        auto [It, New] = Seen.emplace(K, E.Name);
        EXPECT_TRUE(New || It->second == E.Name)
            << K << " in " << E.Name << " and " << It->second;
        EXPECT_TRUE(InFile.insert(K).second) << K << " twice in " << E.Name;
      }
    }
  }
}

TEST(ApiModel, SyntaxErrorHasPosition) {
  std::string E = errorOf("{\n  \"schema\": \"serverless-tidy-model/1\",\n  \"library\": \n}");
  EXPECT_THAT(E, HasSubstr("user.json:4:1: error: invalid JSON"));
  EXPECT_THAT(errorOf(""), HasSubstr("user.json:1:1: error: invalid JSON"));
  EXPECT_THAT(errorOf("{\"a\": 1,}"), HasSubstr("user.json:1:9: error: invalid JSON"));
}

TEST(ApiModel, StructuralErrors) {
  EXPECT_THAT(errorOf("[]"), HasSubstr("user.json:1:1: error: a model file must be a JSON object"));
  EXPECT_THAT(errorOf("{\"library\": \"x\"}"), HasSubstr("missing required key 'schema'"));
  EXPECT_THAT(errorOf("{\"schema\": \"other/2\", \"library\": \"x\"}"),
              HasSubstr("user.json:1:12: error: unsupported schema \"other/2\""));
  EXPECT_THAT(errorOf(model("\"clientz\": []")),
              HasSubstr("user.json:2:1: error: unknown key 'clientz'"));
  EXPECT_THAT(errorOf(model("\"clients\": {}")), HasSubstr("'clients' must be an array"));
  EXPECT_THAT(errorOf(model("\"clients\": [1]")),
              HasSubstr("an entry of 'clients' must be a JSON object"));
}

TEST(ApiModel, EntryErrorsPointAtTheEntry) {
  std::string E = errorOf(model("\"clients\": [\n  {\"type\": \"A::B\", \"kind\": \"x\"},\n"
                                "  {\"type\": \"A::C\", \"knid\": \"x\"}]"));
  EXPECT_THAT(E, HasSubstr("user.json:4:20: error: unknown key 'knid'"));
  EXPECT_THAT(E, HasSubstr("user.json:4:3: error: missing required key 'kind'"));
  EXPECT_THAT(errorOf(model("\"clients\": [{\"type\": 3, \"kind\": \"x\"}]")),
              HasSubstr("'type' must be a string"));
  EXPECT_THAT(errorOf(model("\"clients\": [{\"type\": \"::A\", \"kind\": \"x\"}]")),
              HasSubstr("invalid name pattern '::A'"));
  EXPECT_THAT(errorOf(model("\"clients\": [{\"type\": \"A\", \"kind\": \"x\", \"shutdown\": \"kill\"}]")),
              HasSubstr("'shutdown' must be \"close\", \"flush\", \"exit\" or null"));
}

TEST(ApiModel, ResourceErrors) {
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "fd", "acquire": [{"function": "open", "handle": "ret"}], "release": [{"function": "close", "handle": 0}]}])")),
              HasSubstr("'handle' must be \"return\", an argument index"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "fd", "acquire": [{"function": "open", "handle": "return"}], "release": [{"function": "close", "handle": "return"}]}])")),
              HasSubstr("'handle' must be an argument index"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "fd", "acquire": [], "release": [{"function": "close", "handle": 0}]}])")),
              HasSubstr("'acquire' must be a non-empty array"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "fd", "acquire": [{"function": "open", "handle": "return"}]}])")),
              HasSubstr("missing required key 'release'"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "fd", "invalid": "zero", "acquire": [{"function": "open", "handle": "return"}], "release": [{"function": "close", "handle": 0}]}])")),
              HasSubstr("'invalid' must be one of"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "fd", "acquire": [{"function": "open", "handle": 99}], "release": [{"function": "close", "handle": 0}]}])")),
              HasSubstr("'handle' must be \"return\""));
}

// The shutdown fields serverless-missing-shutdown-hook reads: `flush` on
// resources and clients, client `release`, a kind_if_arg `shutdown`
// override, and the "exit" action.
TEST(ApiModel, ShutdownFields) {
  ApiModel M;
  llvm::Error Err = M.addBuffer("m.json", model(R"(
    "clients": [{"type": "P", "kind": "producer", "shutdown": "flush",
                 "flush": [{"function": "P::flush", "handle": "this"}],
                 "release": [{"function": "P::close", "handle": "this"}]}],
    "resources": [{"kind": "k", "shutdown": "flush",
                   "acquire": [{"function": "k_new", "handle": "return",
                                "kind_if_arg": {"arg": 0, "equals": "C", "kind": "kc", "shutdown": "close"}}],
                   "release": [{"function": "k_destroy", "handle": 0}],
                   "flush": [{"function": "k_flush", "handle": 0}]},
                  {"kind": "sdk", "shutdown": "exit",
                   "acquire": [{"function": "init", "handle": 0}],
                   "release": [{"function": "fini", "handle": 0}]}])"));
  ASSERT_FALSE(bool(Err)) << llvm::toString(std::move(Err));
  const ClientType *P = M.clientType("P");
  ASSERT_NE(P, nullptr);
  ASSERT_EQ(P->Flush.size(), 1u);
  EXPECT_EQ(P->Flush[0].Handle.Kind, HandleRef::This);
  ASSERT_EQ(P->Release.size(), 1u);
  const Resource *K = M.resourceByKind("k");
  ASSERT_NE(K, nullptr);
  ASSERT_EQ(K->Flush.size(), 1u);
  EXPECT_TRUE(K->Flush[0].Function.matches("k_flush"));
  ASSERT_EQ(K->Acquire[0].KindIf.size(), 1u);
  EXPECT_EQ(K->Acquire[0].KindIf[0].Shutdown, std::optional<std::string>("close"));
  EXPECT_EQ(M.resourceByKind("sdk")->Shutdown, "exit");
  // Defaults: the producer's flush calls, the SDK's "exit".
  ApiModel D = ApiModel::withDefaults();
  ASSERT_NE(D.clientType("RdKafka::Producer"), nullptr);
  EXPECT_FALSE(D.clientType("RdKafka::Producer")->Flush.empty());
  ASSERT_NE(D.resourceByKind("kafka-client"), nullptr);
  EXPECT_FALSE(D.resourceByKind("kafka-client")->Flush.empty());
  EXPECT_EQ(D.acquisition("Aws::InitAPI").first->Shutdown, "exit");
  // Errors stay strict.
  EXPECT_THAT(errorOf(model(R"("clients": [{"type": "P", "kind": "p", "flush": []}])")),
              HasSubstr("'flush' must be a non-empty array"));
  EXPECT_THAT(errorOf(model(R"("clients": [{"type": "P", "kind": "p", "release": [{"function": "f"}]}])")),
              HasSubstr("missing required key 'handle'"));
  EXPECT_THAT(errorOf(model(R"("clients": [{"type": "P", "kind": "p", "shutdown": "drain"}])")),
              HasSubstr("'shutdown' must be \"close\", \"flush\", \"exit\" or null"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "k", "acquire": [{"function": "f", "handle": "return", "kind_if_arg": {"arg": 0, "equals": "X", "kind": "y", "shutdown": 1}}], "release": [{"function": "g", "handle": 0}]}])")),
              HasSubstr("'shutdown' must be"));
}

TEST(ApiModel, TimeoutErrors) {
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f"}])")),
              HasSubstr("missing required key 'timeout'"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "timeout": {"via": "magic"}}])")),
              HasSubstr("unknown 'via' \"magic\""));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "timeout": {"via": "argument", "arg": 1, "unit": "minutes"}}])")),
              HasSubstr("unknown unit 'minutes'"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "timeout": {"via": "argument", "arg": 1, "unit": "ms", "infinite": ["x"]}}])")),
              HasSubstr("'infinite' must be an array of integers"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "timeout": {"via": "setter", "setter": "s", "setter_handle": 0, "value_arg": 2, "option_arg": 1, "options": {"X": "fortnights"}}}])")),
              HasSubstr("unit must be one of"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "timeout": {"via": "method", "object_arg": 0, "methods": []}}])")),
              HasSubstr("'methods' must be a non-empty array"));
  EXPECT_EQ(errorOf(model(R"("blocking": [{"function": "f", "handle": 0, "timeout": {"via": "setter", "setter": "s", "setter_handle": 0, "value_arg": 1, "unit": "timeval"}}])")), "");
}

TEST(ApiModel, BlockingExcept) {
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "except": "g", "timeout": {"via": "none"}}])")),
              HasSubstr("'except' must be an array of names"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "except": [1], "timeout": {"via": "none"}}])")),
              HasSubstr("an entry of 'except' must be a name string"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "except": ["::g"], "timeout": {"via": "none"}}])")),
              HasSubstr("invalid name pattern '::g'"));
  ApiModel D = ApiModel::withDefaults();
  EXPECT_NE(D.blocking("helloworld::Greeter::Stub::SayHello"), nullptr);
  EXPECT_EQ(D.blocking("helloworld::Greeter::Stub::AsyncSayHello"), nullptr);
  EXPECT_EQ(D.blocking("helloworld::Greeter::Stub::PrepareAsyncSayHello"), nullptr);
  EXPECT_EQ(D.blocking("Aws::S3::S3Client::GetObjectCallable"), nullptr);
}

TEST(ApiModel, NonBlocking) {
  // Conditions: exactly one of flag/equals, an argument index, objects.
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "nonblocking_if": {"arg": 1}, "timeout": {"via": "none"}}])")),
              HasSubstr("exactly one of 'flag' or 'equals'"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "nonblocking_if": {"arg": 1, "flag": "A", "equals": "B"}, "timeout": {"via": "none"}}])")),
              HasSubstr("exactly one of 'flag' or 'equals'"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "nonblocking_if": [], "timeout": {"via": "none"}}])")),
              HasSubstr("'nonblocking_if' must not be empty"));
  EXPECT_THAT(errorOf(model(R"("blocking": [{"function": "f", "nonblocking_if": {"arg": -1, "flag": "A"}, "timeout": {"via": "none"}}])")),
              HasSubstr("'arg' must be an argument index"));
  EXPECT_THAT(errorOf(model(R"("nonblocking": [{"function": "f", "handle": 0, "if": {"arg": 1, "flag": "X", "bits": 3}}])")),
              HasSubstr("unknown key 'bits'"));
  EXPECT_THAT(errorOf(model(R"("nonblocking": [{"function": "f", "if": {"arg": 1, "flag": "X"}}])")),
              HasSubstr("missing required key 'handle'"));
  EXPECT_THAT(errorOf(model(R"("nonblocking": [{"function": "f", "handle": 0, "if": "X"}])")),
              HasSubstr("must be a JSON object"));

  // The defaults: several entries per function survive the merge.
  ApiModel D = ApiModel::withDefaults();
  ASSERT_NE(D.blocking("recv"), nullptr);
  ASSERT_EQ(D.blocking("recv")->NonBlockingIf.size(), 1u);
  EXPECT_EQ(D.blocking("recv")->NonBlockingIf[0].str(), "arg 3 has MSG_DONTWAIT");
  std::vector<const NonBlocking *> Socket = D.nonBlocking("socket");
  ASSERT_EQ(Socket.size(), 2u);
  EXPECT_TRUE(Socket[0]->Calls.empty());
  EXPECT_FALSE(Socket[1]->Calls.empty());
  EXPECT_EQ(D.nonBlocking("fcntl").at(0)->If.size(), 2u);

  // A user file replaces one entry (same function and conditions) and
  // disables another, leaving the rest.
  ApiModel M = ApiModel::withDefaults();
  llvm::Error E = M.addBuffer("user.json", model(R"(
    "nonblocking": [
      {"function": "socket", "handle": "return", "if": {"arg": 1, "flag": "SOCK_DGRAM"}, "calls": ["sendto"]},
      {"function": "socket", "handle": "return", "if": {"arg": 1, "flag": "SOCK_NONBLOCK"}, "disabled": true},
      {"function": "mylib_set_nonblocking", "handle": 0}])"));
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  Socket = M.nonBlocking("socket");
  ASSERT_EQ(Socket.size(), 1u);
  ASSERT_EQ(Socket[0]->Calls.size(), 1u);
  EXPECT_EQ(Socket[0]->Calls[0].text(), "sendto");
  EXPECT_EQ(Socket[0]->From.File, "user.json");
  ASSERT_EQ(M.nonBlocking("mylib_set_nonblocking").size(), 1u);
  EXPECT_TRUE(M.nonBlocking("mylib_set_nonblocking")[0]->If.empty());
}

TEST(ApiModel, Readiness) {
  // The defaults: poll watches arg 0, registered through struct pollfd's fd;
  // select's read set through FD_SET; epoll_wait through epoll_ctl ADD.
  ApiModel D = ApiModel::withDefaults();
  std::vector<const Readiness *> Poll = D.readiness("poll");
  ASSERT_EQ(Poll.size(), 1u);
  EXPECT_EQ(Poll[0]->SetArg, 0u);
  ASSERT_EQ(Poll[0]->RegisteredBy.size(), 1u);
  EXPECT_EQ(Poll[0]->RegisteredBy[0].Kind, Registration::Field);
  EXPECT_EQ(Poll[0]->RegisteredBy[0].key(), "field pollfd.fd");
  EXPECT_TRUE(llvm::any_of(Poll[0]->Calls, [](const NamePattern &P) { return P.matches("recv"); }));
  EXPECT_FALSE(llvm::any_of(Poll[0]->Calls, [](const NamePattern &P) { return P.matches("send"); }));
  std::vector<const Readiness *> Select = D.readiness("select");
  ASSERT_EQ(Select.size(), 1u);
  EXPECT_EQ(Select[0]->SetArg, 1u);
  EXPECT_EQ(Select[0]->RegisteredBy.at(0).key(), "macro FD_SET fd 0 set 1");
  std::vector<const Readiness *> Epoll = D.readiness("epoll_wait");
  ASSERT_EQ(Epoll.size(), 1u);
  EXPECT_EQ(Epoll[0]->RegisteredBy.at(0).key(),
            "call epoll_ctl fd 2 set 0, arg 1 is EPOLL_CTL_ADD");
  EXPECT_TRUE(D.readiness("recv").empty());

  // Errors, at the entry or the registration.
  auto Entry = [](llvm::StringRef Reg, llvm::StringRef Extra = "") {
    return model((R"("readiness": [{"function": "w", "set_arg": 0, "calls": ["r"], "registered_by": [)" +
                  Reg + "]" + Extra + "}]").str());
  };
  EXPECT_EQ(errorOf(Entry(R"({"macro": "WATCH", "fd_arg": 0, "set_arg": 1})")), "");
  EXPECT_THAT(errorOf(Entry(R"({"field": "fd"})")), HasSubstr("missing required key 'type'"));
  EXPECT_THAT(errorOf(Entry(R"({"field": "fd", "type": "pollfd", "macro": "M"})")),
              HasSubstr("exactly one of 'field' (with 'type'), 'macro' or 'function'"));
  EXPECT_THAT(errorOf(Entry(R"({"fd_arg": 0, "set_arg": 1})")),
              HasSubstr("exactly one of 'field' (with 'type'), 'macro' or 'function'"));
  EXPECT_THAT(errorOf(Entry(R"({"macro": "FD SET", "fd_arg": 0, "set_arg": 1})")),
              HasSubstr("'macro' must be a macro name"));
  EXPECT_THAT(errorOf(Entry(R"({"macro": "M", "fd_arg": 0})")),
              HasSubstr("missing required key 'set_arg'"));
  EXPECT_THAT(errorOf(Entry(R"({"macro": "M", "fd_arg": 0, "set_arg": 0})")),
              HasSubstr("'set_arg' and 'fd_arg' must differ"));
  EXPECT_THAT(errorOf(Entry(R"({"macro": "M", "fd_arg": 0, "set_arg": 1, "if": {"arg": 1, "equals": "A"}})")),
              HasSubstr("unknown key 'if'"));
  EXPECT_THAT(errorOf(Entry(R"({"function": "reg", "fd_arg": 2, "set_arg": 0, "if": {"arg": 1}})")),
              HasSubstr("exactly one of 'flag' or 'equals'"));
  EXPECT_THAT(errorOf(Entry(R"("FD_SET")")), HasSubstr("an entry of 'registered_by' must be a JSON object"));
  EXPECT_THAT(errorOf(model(R"("readiness": [{"function": "w", "set_arg": 0, "calls": ["r"]}])")),
              HasSubstr("'registered_by' must be a non-empty array of registrations"));
  EXPECT_THAT(errorOf(model(R"("readiness": [{"function": "w", "set_arg": 0, "calls": [], "registered_by": [{"macro": "M", "fd_arg": 0, "set_arg": 1}]}])")),
              HasSubstr("'calls' must be a non-empty array of names"));
  EXPECT_THAT(errorOf(Entry(R"({"macro": "M", "fd_arg": 0, "set_arg": 1})", R"(, "timeout": 3)")),
              HasSubstr("unknown key 'timeout'"));
  // The error points at the registration.
  EXPECT_THAT(errorOf(Entry(R"({"field": "fd"})")), HasSubstr("user.json:2:"));

  // A user file replaces an entry (same function and set argument) and
  // disables another.
  ApiModel M = ApiModel::withDefaults();
  llvm::Error E = M.addBuffer("user.json", model(R"(
    "readiness": [
      {"function": "select", "set_arg": 1, "calls": ["read"], "registered_by": [{"macro": "MY_FD_SET", "fd_arg": 1, "set_arg": 0}]},
      {"function": "poll", "set_arg": 0, "disabled": true},
      {"function": "mylib_wait", "set_arg": 0, "calls": ["mylib_read"], "registered_by": [{"function": "mylib_watch", "fd_arg": 1, "set_arg": 0}]}])"));
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  EXPECT_TRUE(M.readiness("poll").empty());
  EXPECT_EQ(M.readiness("ppoll").size(), 1u);
  Select = M.readiness("select");
  ASSERT_EQ(Select.size(), 1u);
  EXPECT_EQ(Select[0]->From.File, "user.json");
  EXPECT_EQ(Select[0]->RegisteredBy.at(0).MacroName, "MY_FD_SET");
  ASSERT_EQ(M.readiness("mylib_wait").size(), 1u);
  EXPECT_THAT(M.dump(), HasSubstr("call mylib_watch fd 1 set 0"));
}

TEST(ApiModel, OwnershipTransferConditions) {
  // The conditions of `nonblocking`: exactly one of flag/equals, objects.
  EXPECT_THAT(errorOf(model(R"("ownership_transfer": [{"function": "f", "arg": 2, "if": {"arg": 1}}])")),
              HasSubstr("exactly one of 'flag' or 'equals'"));
  EXPECT_THAT(errorOf(model(R"("ownership_transfer": [{"function": "f", "arg": 2, "if": "X"}])")),
              HasSubstr("must be a JSON object"));
  EXPECT_THAT(errorOf(model(R"("ownership_transfer": [{"function": "f", "arg": 2, "when": {}}])")),
              HasSubstr("unknown key 'when'"));
  EXPECT_THAT(errorOf(model(R"("ownership_transfer": [{"function": "f", "if": {"arg": 1, "equals": "A"}}])")),
              HasSubstr("missing required key 'arg'"));

  // The default: curl_easy_setopt hands its value over for CURLOPT_PRIVATE only.
  ApiModel D = ApiModel::withDefaults();
  std::vector<const OwnershipTransfer *> Setopt = D.ownershipTransfersOf("curl_easy_setopt");
  ASSERT_EQ(Setopt.size(), 1u);
  EXPECT_EQ(Setopt[0]->Arg, 2u);
  ASSERT_EQ(Setopt[0]->If.size(), 1u);
  EXPECT_EQ(Setopt[0]->If[0].str(), "arg 1 is CURLOPT_PRIVATE");
  ASSERT_EQ(D.ownershipTransfersOf("curl_multi_add_handle").size(), 1u);
  EXPECT_TRUE(D.ownershipTransfersOf("curl_multi_add_handle")[0]->If.empty());

  // Keyed by function and conditions: a user entry with another condition
  // adds to the default, one with the same condition replaces it, and a
  // disabled one removes only its own.
  ApiModel M = ApiModel::withDefaults();
  llvm::Error E = M.addBuffer("user.json", model(R"(
    "ownership_transfer": [
      {"function": "curl_easy_setopt", "arg": 2, "if": {"arg": 1, "equals": "CURLOPT_CHUNK_DATA"}},
      {"function": "curl_easy_setopt", "arg": 2, "if": {"arg": 1, "equals": "CURLOPT_PRIVATE"}},
      {"function": "curl_mime_subparts", "arg": 1, "disabled": true}])"));
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  Setopt = M.ownershipTransfersOf("curl_easy_setopt");
  ASSERT_EQ(Setopt.size(), 2u);
  EXPECT_EQ(Setopt[0]->If[0].Equals, "CURLOPT_CHUNK_DATA");
  EXPECT_EQ(Setopt[1]->If[0].Equals, "CURLOPT_PRIVATE");
  EXPECT_EQ(Setopt[1]->From.File, "user.json");
  EXPECT_TRUE(M.ownershipTransfersOf("curl_mime_subparts").empty());
  EXPECT_EQ(M.ownershipTransfersOf("curl_multi_add_handle").size(), 1u);
}

TEST(ApiModel, SessionThreeKeys) {
  // continues_arg (acquire entries only), unbuffered_by, returns_on_sigterm,
  // static_unsafe: wrong types are one error each, naming the key.
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "k", "acquire": [{"function": "a", "handle": "return", "continues_arg": "x"}], "release": [{"function": "r", "handle": 0}]}])")),
              HasSubstr("'continues_arg' must be an argument index"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "k", "acquire": [{"function": "a", "handle": "return"}], "release": [{"function": "r", "handle": 0, "continues_arg": 0}]}])")),
              HasSubstr("unknown key 'continues_arg'"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "k", "acquire": [{"function": "a", "handle": "return"}], "release": [{"function": "r", "handle": 0}], "unbuffered_by": []}])")),
              HasSubstr("'unbuffered_by' must be a non-empty array"));
  EXPECT_THAT(errorOf(model(R"("resources": [{"kind": "k", "acquire": [{"function": "a", "handle": "return"}], "release": [{"function": "r", "handle": 0}], "unbuffered_by": [{"function": "s", "handle": "return"}]}])")),
              HasSubstr("handle"));
  EXPECT_THAT(errorOf(model(R"("handler_registrars": [{"function": "run", "handler_arg": 0, "returns_on_sigterm": "no"}])")),
              HasSubstr("'returns_on_sigterm' must be true or false"));
  EXPECT_THAT(errorOf(model(R"("clients": [{"type": "C", "kind": "k", "static_unsafe": 3}])")),
              HasSubstr("'static_unsafe' must be a string"));

  ApiModel D = ApiModel::withDefaults();
  ASSERT_NE(D.handlerRegistrar("aws::lambda_runtime::run_handler"), nullptr);
  EXPECT_FALSE(D.handlerRegistrar("aws::lambda_runtime::run_handler")->ReturnsOnSigterm);
  ASSERT_NE(D.resourceByKind("FILE"), nullptr);
  EXPECT_EQ(D.resourceByKind("FILE")->UnbufferedBy.size(), 3u);
  ASSERT_NE(D.clientType("Aws::S3::S3Client"), nullptr);
  EXPECT_FALSE(D.clientType("Aws::S3::S3Client")->StaticUnsafe.empty());
  EXPECT_TRUE(D.acquisition("curl_slist_append").second->ContinuesArg.has_value());
}

TEST(ApiModel, AllErrorsAreReported) {
  std::string E = errorOf(model(R"("clients": [{"type": "A"}, {"kind": "x"}])"));
  EXPECT_THAT(E, HasSubstr("missing required key 'kind'"));
  EXPECT_THAT(E, HasSubstr("missing required key 'type'"));
}

TEST(ApiModel, UserFilesOverrideAndDisable) {
  ApiModel M = ApiModel::withDefaults();
  ASSERT_NE(M.clientType("sw::redis::Redis"), nullptr);
  llvm::Error E = M.addBuffer("user.json", model(R"(
    "clients": [{"type": "sw::redis::Redis", "kind": "custom-redis"},
                {"type": "Aws::*::*Client", "disabled": true},
                {"type": "mycorp::HttpClient", "kind": "http-client", "provenance": "test"}])"));
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  ASSERT_NE(M.clientType("sw::redis::Redis"), nullptr);
  EXPECT_EQ(M.clientType("sw::redis::Redis")->Kind, "custom-redis");
  EXPECT_EQ(M.clientType("sw::redis::Redis")->From.File, "user.json");
  EXPECT_EQ(M.clientType("Aws::S3::S3Client"), nullptr);
  ASSERT_NE(M.clientType("mycorp::HttpClient"), nullptr);
  EXPECT_EQ(M.clientType("mycorp::HttpClient")->From.Provenance, "test");
  EXPECT_EQ(M.clientType("mycorp::HttpClient")->From.Line, 5u);
}

TEST(ApiModel, BrokenFileMergesNothing) {
  ApiModel M;
  llvm::Error E = M.addBuffer("user.json", model(R"(
    "clients": [{"type": "good::Client", "kind": "x"}, {"type": "bad"}])"));
  ASSERT_TRUE(bool(E));
  llvm::consumeError(std::move(E));
  EXPECT_EQ(M.clientType("good::Client"), nullptr);
  EXPECT_TRUE(M.files().empty());
}

// Merging was quadratic (each entry erased its key from the whole section:
// 40,000 entries took 62 s). 100,000 entries in a file, then a second file
// replacing all of them, on top of the defaults: about a second when linear,
// hours when quadratic. The bound is far from both.
TEST(ApiModel, LoadingAndMergingAreLinear) {
  const int N = 100000;
  auto Big = [&](const char *Prefix) {
    std::string Text = std::string(Header) + ",\n\"throwing\": [\n";
    for (int I = 0; I < N; ++I)
      Text += std::string(I ? ",\n" : "") + "{\"function\": \"" + Prefix + "::f" +
              std::to_string(I) + "\"}";
    return Text + "]}";
  };
  const std::string A = Big("a"), B = Big("a");
  const auto Start = std::chrono::steady_clock::now();
  ApiModel M = ApiModel::withDefaults();
  const size_t Defaults = M.throwing().size();
  llvm::Error E = M.addBuffer("a.json", A);
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  E = M.addBuffer("b.json", B);
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  const double Seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
  EXPECT_LT(Seconds, 120.0);
  ASSERT_EQ(M.throwing().size(), Defaults + N);
  EXPECT_EQ(M.throwing()[Defaults].From.File, "b.json");
  EXPECT_EQ(M.throwing()[Defaults + N - 1].Function.text(), "a::f" + std::to_string(N - 1));
  EXPECT_TRUE(M.isThrowing("a::f77777"));
}

// What merging means, kept while making it linear: a later entry with the
// same key replaces an earlier one, also within one file, and takes its
// place at the end; "disabled" removes what came before.
TEST(ApiModel, MergeOrderAndReplacement) {
  ApiModel M;
  llvm::Error E = M.addBuffer("a.json", model(R"("throwing": [
      {"function": "f"}, {"function": "g"}, {"function": "h"}, {"function": "f"}])"));
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  auto Names = [&] {
    std::string Out;
    for (const FunctionEntry &F : M.throwing())
      Out += F.Function.text() + ":" + std::to_string(F.From.Line) + " ";
    return Out;
  };
  EXPECT_EQ(Names(), "g:3 h:3 f:3 ");
  E = M.addBuffer("b.json", model(R"("throwing": [{"function": "g", "disabled": true},
      {"function": "h"}, {"function": "k"}])"));
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  EXPECT_EQ(Names(), "f:3 h:3 k:3 ");
  EXPECT_EQ(M.throwing()[1].From.File, "b.json");
}

TEST(ApiModel, MissingFile) {
  ApiModel M;
  llvm::Error E = M.addFile("/nonexistent/models.json");
  ASSERT_TRUE(bool(E));
  EXPECT_THAT(llvm::toString(std::move(E)),
              HasSubstr("/nonexistent/models.json: error: cannot read model file"));
}

} // namespace
