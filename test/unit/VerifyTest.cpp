//===--- VerifyTest.cpp - the join of findings and runtime evidence -------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Core/ResourceKind.h"
#include "Verify/Verify.h"

#include <gtest/gtest.h>

using namespace serverless;
using namespace serverless::verify;

namespace {

core::Site site(const std::string &Path, unsigned Line, const std::string &Fn = "", unsigned Col = 3) {
  core::Site S;
  S.Path = Path;
  S.Line = Line;
  S.Column = Col;
  S.Function = Fn;
  return S;
}

StaticFinding finding(const std::string &Check, core::Site Where, const std::string &Kind) {
  StaticFinding F;
  F.Check = Check;
  F.Where = std::move(Where);
  F.Kind = Kind;
  F.Message = "m";
  return F;
}

/// A run of N invocations (the first cold), SIGTERM at shutdown.
RuntimeFacts run(unsigned N) {
  RuntimeFacts R;
  R.Scenario = "warm";
  R.SigtermSent = true;
  R.ShutdownRule = "external extension: SIGTERM, 300 ms, SIGKILL";
  R.GraceMs = 300;
  for (unsigned I = 1; I <= N; ++I) {
    InvocationInfo Inv;
    Inv.Index = I;
    Inv.RequestId = "req-" + std::to_string(I);
    Inv.Status = "success";
    Inv.Cold = I == 1;
    Inv.FdsOpenAfter = 4 + int(I);
    R.Invocations.push_back(Inv);
  }
  return R;
}

RuntimeEvent event(RuntimeEvent::Type T, std::vector<core::Site> Frames, uint64_t Inv, const std::string &Kind,
                   const std::string &Peer = "") {
  RuntimeEvent E;
  E.T = T;
  E.Frames = std::move(Frames);
  E.Invocation = Inv;
  E.Phase = Inv ? core::Phase::Invoke : core::Phase::Init;
  E.Kind = Kind;
  E.Peer = Peer;
  E.Call = T == RuntimeEvent::Connect ? "connect" : "socket";
  return E;
}

/// A redis connection per invocation from /src/cache.cpp:12 in app::get,
/// never closed.
void perInvocationRedis(RuntimeFacts &R, const core::Site &Where) {
  for (const InvocationInfo &I : R.Invocations) {
    RuntimeEvent A = event(RuntimeEvent::Acquire, {Where}, I.Index, "tcp", "127.0.0.1:6379");
    A.OpenAfterInvocation = A.OpenAtSigterm = A.OpenAtEnd = true;
    R.Events.push_back(A);
    R.Events.push_back(event(RuntimeEvent::Connect, {Where}, I.Index, "tcp", "127.0.0.1:6379"));
  }
}

} // namespace

TEST(ResourceKind, MapsModelWordsToShimKinds) {
  EXPECT_TRUE(core::kindsCompatible("postgres-connection", "tcp"));
  EXPECT_TRUE(core::kindsCompatible("postgres-connection", "unix"));
  EXPECT_FALSE(core::kindsCompatible("postgres-connection", "stream"));
  EXPECT_TRUE(core::kindsCompatible("FILE", "stream"));
  EXPECT_FALSE(core::kindsCompatible("FILE", "tcp"));
  EXPECT_TRUE(core::kindsCompatible("no-such-kind", "tcp")); // unknown: anything
  ASSERT_NE(core::resourceKind("redis-connection"), nullptr);
  EXPECT_TRUE(core::resourceKind("redis-connection")->Eager);
  EXPECT_FALSE(core::resourceKind("kafka-producer")->Eager);
  EXPECT_TRUE(core::resourceKind("redis-reply")->Runtime.empty());
}

TEST(VerifySameSite, PathLineAndFunction) {
  EXPECT_TRUE(sameSite(site("/a/x.cpp", 5, "app::get"), site("/a/x.cpp", 5, "app::get(int) const")));
  EXPECT_TRUE(sameSite(site("/a/x.cpp", 5, "get"), site("/a/x.cpp", 5, "app::get(int)")));
  EXPECT_TRUE(sameSite(site("/a/x.cpp", 5, "(anonymous namespace)::f"),
                       site("/a/x.cpp", 5, "(anonymous namespace)::f(char const*)")));
  EXPECT_TRUE(sameSite(site("/a/x.cpp", 5, "handler"), site("/a/x.cpp", 5, "handler(int)::$_0::operator()() const")));
  EXPECT_FALSE(sameSite(site("/a/x.cpp", 5, "app::get"), site("/a/y.cpp", 5, "app::get")));
  EXPECT_FALSE(sameSite(site("/a/x.cpp", 5, "app::get"), site("/a/x.cpp", 6, "app::get")));
  EXPECT_FALSE(sameSite(site("/a/x.cpp", 5, "app::get"), site("/a/x.cpp", 5, "app::put(int)")));
  EXPECT_FALSE(sameSite(site("/a/x.cpp", 5, "f"), site("/b/x.cpp", 5, "f"))) << "basename is not enough";
}

TEST(VerifySameSite, AbiTagsAreTheDemanglers) {
  // A function returning std::string symbolizes as `read_config[abi:cxx11]()`;
  // the AST names it `read_config`.
  EXPECT_TRUE(sameSite(site("/src/a.cpp", 24, "read_config"), site("/src/a.cpp", 24, "read_config[abi:cxx11]()")));
  EXPECT_TRUE(sameSite(site("/src/a.cpp", 24, "app::Cfg::name"),
                       site("/src/a.cpp", 24, "app::Cfg::name[abi:cxx11]() const")));
  EXPECT_FALSE(sameSite(site("/src/a.cpp", 24, "read_config"), site("/src/a.cpp", 24, "write_config[abi:cxx11]()")));
}

TEST(VerifyJoin, HandlerScopeClientConfirmedByAConnectionPerWarmInvocation) {
  core::Site Where = site("/src/cache.cpp", 12, "app::get");
  RuntimeFacts R = run(5);
  perInvocationRedis(R, Where);
  VerifyResult V = join({finding(HandlerScopeClient, Where, "redis-connection")}, {R});
  ASSERT_EQ(V.Findings.size(), 1u);
  EXPECT_EQ(V.Findings[0].V, Verdict::Confirmed);
  const auto &E = V.Findings[0].Evidence;
  EXPECT_EQ(E["peer"], "127.0.0.1:6379");
  EXPECT_EQ(E["connections"], 5);
  EXPECT_EQ(E["warm_invocations"], 4);
  EXPECT_EQ(E["invocations"].size(), 5u);
  EXPECT_EQ(E["invocations"][1]["request_id"], "req-2");
  EXPECT_TRUE(V.RuntimeOnlyEntries.empty());
}

TEST(VerifyJoin, HandlerScopeClientNotReproducedWhenOnlyTheColdInvocationConnects) {
  core::Site Where = site("/src/cache.cpp", 12, "app::get");
  RuntimeFacts R = run(5);
  R.Events.push_back(event(RuntimeEvent::Connect, {Where}, 1, "tcp", "127.0.0.1:6379"));
  VerifyResult V = join({finding(HandlerScopeClient, Where, "redis-connection")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced);
  EXPECT_NE(V.Findings[0].Evidence["reason"].get<std::string>().find("1 invocation"), std::string::npos);
}

TEST(VerifyJoin, UnclosedResourceConfirmedByGrowthWithProjection) {
  core::Site Where = site("/src/audit.cpp", 7, "app::audit");
  RuntimeFacts R = run(10);
  for (unsigned I = 1; I <= 10; ++I) {
    RuntimeEvent A = event(RuntimeEvent::Acquire, {Where}, I, "stream", "/tmp/audit.log");
    A.Call = "fopen";
    A.OpenAfterInvocation = A.OpenAtEnd = A.OpenAtSigterm = true;
    R.Events.push_back(A);
  }
  VerifyResult V = join({finding(UnclosedResource, Where, "FILE")}, {R});
  ASSERT_EQ(V.Findings[0].V, Verdict::Confirmed);
  const auto &E = V.Findings[0].Evidence;
  EXPECT_EQ(E["left_open"], 10);
  EXPECT_DOUBLE_EQ(E["fds_per_invocation"].get<double>(), 1.0);
  // 14 open after invocation 10, limit 1024: 1010 more invocations.
  EXPECT_EQ(E["emfile_projected_at"], 1020);
  EXPECT_EQ(E["stack"][0], "/src/audit.cpp:7 (app::audit)");
}

TEST(VerifyJoin, UnclosedResourceReleasedEveryTimeIsNotReproduced) {
  core::Site Where = site("/src/audit.cpp", 7, "app::audit");
  RuntimeFacts R = run(4);
  for (unsigned I = 1; I <= 4; ++I)
    R.Events.push_back(event(RuntimeEvent::Acquire, {Where}, I, "stream"));
  VerifyResult V = join({finding(UnclosedResource, Where, "FILE")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced);
  EXPECT_EQ(V.Findings[0].Evidence["acquired"], 4);
}

TEST(VerifyJoin, NoRecordAtAnEagerSiteIsNotExercised) {
  RuntimeFacts R = run(3);
  perInvocationRedis(R, site("/src/cache.cpp", 12, "app::get"));
  VerifyResult V = join({finding(UnclosedResource, site("/src/rare.cpp", 9, "app::rare"), "FILE")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotExercised);
  // ... and the redis connections nobody flagged are reported.
  ASSERT_EQ(V.RuntimeOnlyEntries.size(), 2u);
  EXPECT_EQ(V.RuntimeOnlyEntries[0].Kind, "connection-per-invocation");
  EXPECT_EQ(V.RuntimeOnlyEntries[1].Kind, "fd-growth");
  EXPECT_EQ(V.RuntimeOnlyEntries[0].Where.Path, "/src/cache.cpp");
}

TEST(VerifyJoin, NoLedgerOrNoLineInfoIsNeverNotExercised) {
  RuntimeFacts R = run(3);
  R.LedgerRead = false;
  VerifyResult V = join({finding(UnclosedResource, site("/src/rare.cpp", 9, "app::rare"), "FILE")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced);
  R.LedgerRead = true;
  R.LineInfo = false;
  V = join({finding(UnclosedResource, site("/src/rare.cpp", 9, "app::rare"), "FILE")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced);
  EXPECT_NE(V.Findings[0].Evidence["reason"].get<std::string>().find("-g"), std::string::npos);
}

TEST(VerifyJoin, NoRecordAtALazySiteIsNotReproducedNotNotExercised) {
  RuntimeFacts R = run(3);
  VerifyResult V = join({finding(MissingShutdownHook, site("/src/main.cpp", 20, "main"), "kafka-producer")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced);
}

TEST(VerifyJoin, LazyClientJoinedThroughItsFunction) {
  // curl_easy_init on line 10 makes no descriptor; curl_easy_perform on
  // line 14 of the same function connects. Eager kinds get no such
  // fallback, and another function's connects are not evidence.
  core::Site Init = site("/src/http.cpp", 10, "app::fetch");
  RuntimeFacts R = run(3);
  for (unsigned I = 1; I <= 3; ++I)
    R.Events.push_back(event(RuntimeEvent::Connect, {site("/src/http.cpp", 14, "app::fetch(std::string const&)")}, I,
                             "tcp", "127.0.0.1:8080"));
  // A missing-deadline finding on the perform line does not hide them.
  VerifyResult V = join({finding(HandlerScopeClient, Init, "http-client"),
                         finding(MissingDeadline, site("/src/http.cpp", 14, "app::fetch"), "")},
                        {R});
  ASSERT_EQ(V.Findings[0].F.Check, HandlerScopeClient);
  ASSERT_EQ(V.Findings[0].V, Verdict::Confirmed);
  EXPECT_EQ(V.Findings[0].Evidence["match"], "function");
  V = join({finding(HandlerScopeClient, Init, "http-client")}, {R});
  EXPECT_TRUE(V.RuntimeOnlyEntries.empty()) << "the fallback claims the connects";
  V = join({finding(HandlerScopeClient, Init, "redis-connection")}, {R});
  EXPECT_NE(V.Findings[0].V, Verdict::Confirmed);
  V = join({finding(HandlerScopeClient, site("/src/http.cpp", 10, "app::other"), "http-client")}, {R});
  EXPECT_NE(V.Findings[0].V, Verdict::Confirmed);
  EXPECT_EQ(V.RuntimeOnlyEntries.size(), 1u);
}

TEST(VerifyJoin, LazyClientConnectingInAHelperOfItsFunction) {
  // curl_easy_init in app::fetch (line 10), curl_easy_perform in a helper
  // it calls (net.cpp:5, called from http.cpp:12): the helper's connects
  // count for the client, but not a redis connect that a finding of its
  // own explains (same helper, another line).
  core::Site Init = site("/src/http.cpp", 10, "app::fetch");
  core::Site Call = site("/src/http.cpp", 12, "app::fetch(std::string const&)");
  core::Site Redis = site("/src/net.cpp", 9, "app::send(void*)");
  RuntimeFacts R = run(3);
  for (unsigned I = 1; I <= 3; ++I) {
    R.Events.push_back(event(RuntimeEvent::Connect, {site("/src/net.cpp", 5, "app::send(void*)"), Call}, I, "tcp",
                             "127.0.0.1:8080"));
    R.Events.push_back(event(RuntimeEvent::Connect, {Redis, Call}, I, "tcp", "127.0.0.1:6379"));
  }
  VerifyResult V = join({finding(HandlerScopeClient, Init, "http-client"),
                         finding(HandlerScopeClient, site("/src/net.cpp", 9, "app::send"), "redis-connection")},
                        {R});
  ASSERT_EQ(V.Findings.size(), 2u);
  EXPECT_EQ(V.Findings[0].F.Where.Path, "/src/http.cpp");
  EXPECT_EQ(V.Findings[0].V, Verdict::Confirmed);
  EXPECT_EQ(V.Findings[0].Evidence["peer"], "127.0.0.1:8080") << "not the redis peer the other finding explains";
  EXPECT_EQ(V.Findings[1].V, Verdict::Confirmed);
  EXPECT_TRUE(V.RuntimeOnlyEntries.empty());
}

TEST(VerifyJoin, LazyHandleJoinedThroughTheHandleMadeAtTheSite) {
  // curl_easy_init in app::make_client (client.cpp:7, called from the
  // handler), stored in a struct; curl_easy_perform in app::send
  // (net.cpp:20), a function that never has make_client on its stack. The
  // ledger's Create record maps each handle to where it was made; the
  // connects made through it are the client's, whatever the line.
  core::Site Made = site("/src/client.cpp", 7, "app::make_client");
  core::Site Handler = site("/src/main.cpp", 30, "handler(aws::lambda_runtime::invocation_request const&)");
  core::Site Send = site("/src/net.cpp", 20, "app::send(app::Client&)");
  RuntimeFacts R = run(3);
  for (unsigned I = 1; I <= 3; ++I) {
    RuntimeEvent C = event(RuntimeEvent::Create, {site("/src/client.cpp", 7, "app::make_client()"), Handler}, I, "");
    C.Handle = 100 + I;
    C.Call = "curl_easy_init";
    R.Events.push_back(C);
    RuntimeEvent A = event(RuntimeEvent::Acquire, {Send, Handler}, I, "tcp", "127.0.0.1:8080");
    A.Handle = 100 + I;
    A.OpenAfterInvocation = A.OpenAtEnd = true; // never curl_easy_cleanup'd
    R.Events.push_back(A);
    RuntimeEvent X = event(RuntimeEvent::Connect, {Send, Handler}, I, "tcp", "127.0.0.1:8080");
    X.Handle = 100 + I;
    R.Events.push_back(X);
  }
  VerifyResult V = join({finding(HandlerScopeClient, Made, "http-client"), finding(UnclosedResource, Made, "http-client")},
                        {R});
  ASSERT_EQ(V.Findings.size(), 2u);
  for (const VerifiedFinding &F : V.Findings) {
    EXPECT_EQ(F.V, Verdict::Confirmed) << F.F.Check << ": " << F.Evidence.dump();
    EXPECT_EQ(F.Evidence["match"], "handle") << F.F.Check;
  }
  EXPECT_NE(V.Findings[0].Summary.find("through the handle made here"), std::string::npos) << V.Findings[0].Summary;
  EXPECT_TRUE(V.RuntimeOnlyEntries.empty()) << "the handle's descriptors are claimed";

  // Without a finding, the handles' leaked descriptors are runtime-only
  // evidence where the handles were made, not in send().
  V = join({}, {R});
  ASSERT_EQ(V.RuntimeOnlyEntries.size(), 2u);
  for (const RuntimeOnly &O : V.RuntimeOnlyEntries)
    EXPECT_EQ(O.Where.Path + ":" + std::to_string(O.Where.Line), "/src/client.cpp:7") << O.Kind;

  // One handle made at init and reused: its single connect is no client
  // per invocation. Handles made elsewhere are not this site's.
  RuntimeFacts Once = run(3);
  RuntimeEvent C = event(RuntimeEvent::Create, {Made}, 0, "");
  C.Handle = 7;
  Once.Events.push_back(C);
  RuntimeEvent X = event(RuntimeEvent::Connect, {Send}, 1, "tcp", "127.0.0.1:8080");
  X.Handle = 7;
  Once.Events.push_back(X);
  V = join({finding(HandlerScopeClient, Made, "http-client")}, {Once});
  EXPECT_NE(V.Findings[0].V, Verdict::Confirmed);
  V = join({finding(HandlerScopeClient, site("/src/client.cpp", 9, "app::make_client"), "http-client")}, {R});
  EXPECT_NE(V.Findings[0].V, Verdict::Confirmed) << "a handle made on another line";
  // Eager kinds connect at their own line: no handle fallback.
  V = join({finding(HandlerScopeClient, Made, "redis-connection")}, {R});
  EXPECT_NE(V.Findings[0].V, Verdict::Confirmed);
}

TEST(VerifyJoin, OneHandlePerEnvironmentIsNotGrowth) {
  // Two environments side by side, each caching one connection made in its
  // first (cold) invocation: not a leak, not runtime-only evidence. Two
  // leaking invocations of one environment are.
  core::Site Where = site("/src/cache.cpp", 24, "cache_client");
  RuntimeFacts R = run(6);
  R.Concurrency = 2;
  for (InvocationInfo &I : R.Invocations) {
    I.Environment = int((I.Index - 1) % 2) + 1;
    I.Cold = I.Index <= 2;
  }
  for (int Env = 1; Env <= 2; ++Env) {
    RuntimeEvent A = event(RuntimeEvent::Acquire, {Where}, uint64_t(Env), "tcp", "127.0.0.1:6379");
    A.Environment = Env;
    A.OpenAfterInvocation = A.OpenAtSigterm = A.OpenAtEnd = true;
    R.Events.push_back(A);
    RuntimeEvent X = event(RuntimeEvent::Connect, {Where}, uint64_t(Env), "tcp", "127.0.0.1:6379");
    X.Environment = Env;
    R.Events.push_back(X);
  }
  VerifyResult V = join({finding(UnclosedResource, Where, "redis-connection")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced) << V.Findings[0].Evidence.dump();
  EXPECT_EQ(V.Findings[0].Summary, "left open once per environment, no growth");
  V = join({}, {R});
  EXPECT_TRUE(V.RuntimeOnlyEntries.empty()) << "one connection per environment is not per invocation";
  // Environment 1 leaks again in its next invocation (3): growth.
  RuntimeEvent A = event(RuntimeEvent::Acquire, {Where}, 3, "tcp", "127.0.0.1:6379");
  A.Environment = 1;
  A.OpenAfterInvocation = A.OpenAtSigterm = A.OpenAtEnd = true;
  R.Events.push_back(A);
  V = join({finding(UnclosedResource, Where, "redis-connection")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::Confirmed);
  V = join({}, {R});
  ASSERT_EQ(V.RuntimeOnlyEntries.size(), 1u);
  EXPECT_EQ(V.RuntimeOnlyEntries[0].Kind, "fd-growth");
}

TEST(VerifyJoin, DeadlineBlockedOutsideAnInterposedCallNamesTheFindingsCall) {
  // rd_kafka_flush waits on a condition variable: the captured stack has no
  // interposed call in flight; the summary names the finding's call.
  core::Site Where = site("/src/handler.cpp", 22, "handler");
  RuntimeFacts R = run(1);
  R.Invocations[0].Status = "timeout";
  RuntimeEvent B = event(RuntimeEvent::Blocked, {Where}, 1, "");
  B.Call = "";
  B.TimedOut = true;
  R.Events.push_back(B);
  StaticFinding F = finding(MissingDeadline, Where, "");
  F.Call = "rd_kafka_flush";
  VerifyResult V = join({F}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::Confirmed);
  EXPECT_EQ(V.Findings[0].Summary,
            "invocation 1 timed out blocked in 'rd_kafka_flush' (no interposed call in flight)");
}

TEST(VerifyJoin, ConnectionsOnlyInTheTarpitRunDoNotConfirmAClient) {
  // Scenario runs after the first serve missing-deadline only.
  core::Site Where = site("/src/cache.cpp", 12, "app::get");
  RuntimeFacts Main = run(3);
  RuntimeFacts Pit = run(2);
  Pit.Scenario = "tarpit";
  perInvocationRedis(Pit, Where);
  VerifyResult V = join({finding(HandlerScopeClient, Where, "redis-connection")}, {Main, Pit});
  EXPECT_NE(V.Findings[0].V, Verdict::Confirmed);
}

TEST(VerifyJoin, SameLineDifferentFunctionDoesNotMatch) {
  // Two one-line functions on line 4 of the same header; only g leaks.
  RuntimeFacts R = run(3);
  for (unsigned I = 1; I <= 3; ++I) {
    RuntimeEvent A = event(RuntimeEvent::Acquire, {site("/src/util.h", 4, "app::g(int)")}, I, "stream");
    A.OpenAfterInvocation = A.OpenAtEnd = true;
    R.Events.push_back(A);
  }
  VerifyResult V = join({finding(UnclosedResource, site("/src/util.h", 4, "app::f"), "FILE"),
                         finding(UnclosedResource, site("/src/util.h", 4, "app::g", 30), "FILE")},
                        {R});
  ASSERT_EQ(V.Findings.size(), 2u);
  EXPECT_EQ(V.Findings[0].F.Where.Function, "app::f");
  EXPECT_EQ(V.Findings[0].V, Verdict::NotExercised);
  EXPECT_EQ(V.Findings[1].V, Verdict::Confirmed);
  EXPECT_TRUE(V.RuntimeOnlyEntries.empty());
}

TEST(VerifyJoin, TwoFindingsOneSiteEachGetTheirOwnVerdict) {
  core::Site Where = site("/src/cache.cpp", 12, "app::get");
  RuntimeFacts R = run(4);
  perInvocationRedis(R, Where);
  VerifyResult V = join({finding(UnclosedResource, Where, "redis-connection"),
                         finding(HandlerScopeClient, Where, "redis-connection"),
                         finding(MissingDeadline, Where, "redis-connection")},
                        {R});
  ASSERT_EQ(V.Findings.size(), 3u);
  // Sorted by check at the same site.
  EXPECT_EQ(V.Findings[0].F.Check, HandlerScopeClient);
  EXPECT_EQ(V.Findings[0].V, Verdict::Confirmed);
  EXPECT_EQ(V.Findings[1].F.Check, MissingDeadline);
  EXPECT_EQ(V.Findings[1].V, Verdict::NotReproduced);
  EXPECT_NE(V.Findings[1].Evidence["reason"].get<std::string>().find("no fault injection for this call yet"),
            std::string::npos);
  EXPECT_EQ(V.Findings[2].F.Check, UnclosedResource);
  EXPECT_EQ(V.Findings[2].V, Verdict::Confirmed);
  EXPECT_TRUE(V.RuntimeOnlyEntries.empty());
}

TEST(VerifyJoin, EvidenceFromAHeaderLineThroughTheInlineChain) {
  // fopen in an inline helper of log.h (line 3), called from handler.cpp:10;
  // the finding is at the helper's call (a derived acquisition).
  core::Site Header = site("/src/log.h", 3, "app::open_log()");
  core::Site Call = site("/src/handler.cpp", 10, "handler(lambda_loop::Invocation const&)");
  RuntimeFacts R = run(3);
  for (unsigned I = 1; I <= 3; ++I) {
    RuntimeEvent A = event(RuntimeEvent::Acquire, {Header, Call}, I, "stream");
    A.OpenAfterInvocation = A.OpenAtEnd = true;
    R.Events.push_back(A);
  }
  VerifyResult V = join({finding(UnclosedResource, site("/src/handler.cpp", 10, "handler"), "FILE"),
                         finding(UnclosedResource, site("/src/log.h", 3, "app::open_log"), "FILE")},
                        {R});
  ASSERT_EQ(V.Findings.size(), 2u);
  EXPECT_EQ(V.Findings[0].V, Verdict::Confirmed);
  EXPECT_EQ(V.Findings[1].V, Verdict::Confirmed);
}

TEST(VerifyJoin, KindMismatchIsNotEvidence) {
  // A tcp socket leaks from the line of a FILE finding: not the finding's
  // resource, so not confirmed; the site did run, so not "not exercised".
  core::Site Where = site("/src/x.cpp", 5, "h");
  RuntimeFacts R = run(3);
  for (unsigned I = 1; I <= 3; ++I) {
    RuntimeEvent A = event(RuntimeEvent::Acquire, {Where}, I, "tcp", "10.0.0.1:80");
    A.OpenAfterInvocation = A.OpenAtEnd = true;
    R.Events.push_back(A);
  }
  VerifyResult V = join({finding(UnclosedResource, Where, "FILE")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced);
  EXPECT_NE(V.Findings[0].Evidence["reason"].get<std::string>().find("the site ran"), std::string::npos);
}

TEST(VerifyJoin, ShutdownHookConfirmedWhenOpenAtSigtermUntilTheEnd) {
  core::Site Where = site("/src/main.cpp", 30, "main");
  RuntimeFacts R = run(2);
  RuntimeEvent A = event(RuntimeEvent::Acquire, {Where}, 0, "tcp", "127.0.0.1:5432");
  A.OpenAtSigterm = A.OpenAtEnd = true;
  R.Events.push_back(A);
  VerifyResult V = join({finding(MissingShutdownHook, Where, "postgres-connection")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::Confirmed);
  EXPECT_EQ(V.Findings[0].Evidence["open_at_shutdown"][0]["peer"], "127.0.0.1:5432");
  // Released in the grace: the hook did its job.
  R.Events[0].OpenAtEnd = false;
  V = join({finding(MissingShutdownHook, Where, "postgres-connection")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced);
  // No SIGTERM at all: nothing to say.
  R.Events[0].OpenAtEnd = true;
  R.SigtermSent = false;
  V = join({finding(MissingShutdownHook, Where, "postgres-connection")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced);
}

TEST(VerifyJoin, DeadlineConfirmedOnlyByATimeoutBlockedAtTheSite) {
  core::Site Where = site("/src/http.cpp", 40, "app::fetch");
  RuntimeFacts R = run(2);
  R.Invocations[1].Status = "timeout";
  RuntimeEvent B = event(RuntimeEvent::Blocked, {site("/src/http.cpp", 41, "app::fetch")}, 2, "");
  B.Call = "poll";
  B.TimedOut = true;
  B.BlockedMs = 2900;
  R.Events.push_back(B);
  VerifyResult V = join({finding(MissingDeadline, Where, "")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::NotReproduced) << "another line blocked";
  ASSERT_EQ(V.RuntimeOnlyEntries.size(), 1u);
  EXPECT_EQ(V.RuntimeOnlyEntries[0].Kind, "blocked-at-deadline");
  R.Events[0].Frames.push_back(Where); // the blocked call's caller is the finding's line
  V = join({finding(MissingDeadline, Where, "")}, {R});
  EXPECT_EQ(V.Findings[0].V, Verdict::Confirmed);
  EXPECT_EQ(V.Findings[0].Evidence["blocked_ms"], 2900);
  EXPECT_EQ(V.Findings[0].Evidence["invocation"]["request_id"], "req-2");
}

TEST(VerifyJoin, DeterministicOrderAndFailOn) {
  RuntimeFacts R = run(3);
  perInvocationRedis(R, site("/src/b.cpp", 2, "b"));
  std::vector<StaticFinding> Fs = {finding(HandlerScopeClient, site("/src/b.cpp", 2, "b"), "redis-connection"),
                                   finding(UnclosedResource, site("/src/a.cpp", 9, "a"), "FILE")};
  VerifyResult V1 = join(Fs, {R});
  std::swap(Fs[0], Fs[1]);
  VerifyResult V2 = join(Fs, {R});
  EXPECT_EQ(toJson(V1).dump(), toJson(V2).dump());
  EXPECT_EQ(V1.Findings[0].F.Where.Path, "/src/a.cpp");
  EXPECT_EQ(failStatus(V1, "confirmed"), 1);
  EXPECT_EQ(failStatus(V1, "none"), 0);
  VerifyResult V3 = join({finding(UnclosedResource, site("/src/a.cpp", 9, "a"), "FILE")}, {run(3)});
  EXPECT_EQ(failStatus(V3, "confirmed"), 0);
  EXPECT_EQ(failStatus(V3, "any"), 1);
}

TEST(VerifyReport, JsonSchemaKeys) {
  RuntimeFacts R = run(3);
  perInvocationRedis(R, site("/src/b.cpp", 2, "b"));
  nlohmann::json J = toJson(join({finding(HandlerScopeClient, site("/src/b.cpp", 2, "b"), "redis-connection")}, {R}));
  EXPECT_EQ(J["schema"], "serverless-tidy-verify/1");
  ASSERT_EQ(J["findings"].size(), 1u);
  for (const char *K : {"check", "file", "line", "column", "message", "verdict", "evidence"})
    EXPECT_TRUE(J["findings"][0].contains(K)) << K;
  EXPECT_EQ(J["findings"][0]["verdict"], "confirmed");
  EXPECT_EQ(J["findings"][0]["file"], "/src/b.cpp");
  EXPECT_EQ(J.size(), 3u);
  std::string T = renderText(join({finding(HandlerScopeClient, site("/src/b.cpp", 2, "b"), "redis-connection")}, {R}));
  EXPECT_NE(T.find("confirmed [serverless-handler-scope-client]"), std::string::npos);
  EXPECT_NE(T.find("not reproduced"), std::string::npos);
}

TEST(VerifyReport, HtmlChartsAndSnippets) {
  RuntimeFacts R = run(4);
  for (InvocationInfo &I : R.Invocations)
    I.MaxRssMb = 10 + double(I.Index);
  perInvocationRedis(R, site("/src/b.cpp", 2, "b"));
  VerifyResult V = join({finding(HandlerScopeClient, site("/src/b.cpp", 2, "b"), "redis-connection")}, {R});
  std::string H = renderHtml(V, {R}, [](const std::string &, unsigned Line) {
    return std::make_pair(Line - 1, std::vector<std::string>{"int a;", "redisConnect(<x>);", "int c;"});
  });
  auto Count = [&](const std::string &Needle) {
    size_t N = 0;
    for (size_t P = H.find(Needle); P != std::string::npos; P = H.find(Needle, P + 1))
      ++N;
    return N;
  };
  EXPECT_EQ(Count("<svg class=\"chart\""), 3u);
  EXPECT_EQ(Count("<polyline class=\"series\""), 3u);
  EXPECT_EQ(Count("data-points=\"4\""), 3u);
  EXPECT_EQ(Count("<circle class=\"point\""), 12u);
  EXPECT_NE(H.find("redisConnect(&lt;x&gt;);"), std::string::npos) << "escaped snippet";
  EXPECT_NE(H.find("data-verdict=\"confirmed\""), std::string::npos);
  EXPECT_EQ(H.find("<script"), std::string::npos);
  EXPECT_EQ(H.find("http://"), H.find("http://www.w3.org/2000/svg")) << "no external resource";
}

TEST(VerifyReport, SarifResultsGetVerdictAndEvidence) {
  RuntimeFacts R = run(3);
  perInvocationRedis(R, site("/src/b.cpp", 2, "b"));
  StaticFinding F = finding(HandlerScopeClient, site("/src/b.cpp", 2, "b"), "redis-connection");
  F.Path = "src/b.cpp";
  StaticFinding G = finding(UnclosedResource, site("/src/c.cpp", 4, "c"), "FILE");
  G.Path = "src/c.cpp";
  VerifyResult V = join({F, G}, {R});
  auto Result = [](const std::string &Rule, const std::string &Uri, unsigned Line) {
    return nlohmann::json::parse(R"({"ruleId": ")" + Rule + R"(", "message": {"text": "m"}, "locations": [
        {"physicalLocation": {"artifactLocation": {"uri": ")" + Uri + R"("}, "region": {"startLine": )" +
                                 std::to_string(Line) + "}}}]}");
  };
  nlohmann::json Log = nlohmann::json::parse(R"({"runs": [{"results": []}]})");
  Log["runs"][0]["results"].push_back(Result(HandlerScopeClient, "src/b.cpp", 2));
  Log["runs"][0]["results"].push_back(Result(UnclosedResource, "src/c.cpp", 4));
  Log["runs"][0]["results"].push_back(Result(UnclosedResource, "src/abc.cpp", 4));
  annotateSarif(Log, V);
  const auto &Rs = Log["runs"][0]["results"];
  EXPECT_EQ(Rs[0]["properties"]["verdict"], "confirmed");
  EXPECT_EQ(Rs[0]["properties"]["evidence"]["peer"], "127.0.0.1:6379");
  EXPECT_NE(Rs[0]["message"]["text"].get<std::string>().find("[verify: confirmed"), std::string::npos);
  EXPECT_EQ(Rs[1]["properties"]["verdict"], "not-exercised");
  EXPECT_FALSE(Rs[2].contains("properties")) << "another file's result is not annotated";
}
