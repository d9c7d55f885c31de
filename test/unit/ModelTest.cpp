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

TEST(ApiModel, MissingFile) {
  ApiModel M;
  llvm::Error E = M.addFile("/nonexistent/models.json");
  ASSERT_TRUE(bool(E));
  EXPECT_THAT(llvm::toString(std::move(E)),
              HasSubstr("/nonexistent/models.json: error: cannot read model file"));
}

} // namespace
