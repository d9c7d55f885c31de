//===- SharedSitesTest.cpp - lib/Shim/SharedSites.cpp on synthetic ledgers -===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The shared-site analysis of `run --max-concurrency` without processes: a
// ledger of records written by hand (two workers, each with its Runtime API
// connection; a client made in init; per-worker clients) and the emulator's
// spans. Which invocation a record belongs to is decided by thread and time.
//
//===----------------------------------------------------------------------===//

#include "LedgerReader.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace serverless::shim;

namespace {

constexpr int Main = 1, W1 = 10, W2 = 11;

struct Builder {
  ProcessLedger P;
  ShimRecord &add(uint16_t Type, int Fd, int Tid, uint64_t Ns) {
    ShimRecord R;
    std::memset(&R, 0, sizeof R);
    R.commit = SHIM_RECORD_COMMITTED;
    R.type = Type;
    R.fd = Fd;
    R.fd2 = -1;
    R.tid = Tid;
    R.mono_ns = Ns;
    R.kind = SHIM_KIND_TCP;
    P.Records.push_back(R);
    return P.Records.back();
  }
  /// A socket made by \p Tid and connected; \p Port: a Runtime API
  /// connection with that local port.
  void socket(int Fd, int Tid, uint64_t Ns, int Port = 0) {
    add(SHIM_REC_ACQUIRE, Fd, Tid, Ns).call = SHIM_CALL_socket;
    ShimRecord &C = add(SHIM_REC_CONNECT, Fd, Tid, Ns + 1);
    C.call = SHIM_CALL_connect;
    if (Port) {
      C.flags = SHIM_FLAG_RUNTIME_API;
      C.aux = uint32_t(Port);
    }
  }
  void use(int Fd, int Tid, uint64_t Ns) { add(SHIM_REC_USE, Fd, Tid, Ns).call = SHIM_CALL_read; }
};

/// The site of a record: its fd, so the tests can tell sites apart.
SiteInfo where(const ProcessLedger &, const ShimRecord &R) {
  SiteInfo W;
  W.Function = "make_fd_" + std::to_string(R.fd);
  W.Path = "app.cpp";
  W.Line = R.fd;
  return W;
}
std::string text(const SiteInfo &W) { return "app.cpp:" + std::to_string(W.Line); }

struct Fixture {
  Builder B;
  Analysis A;
  std::vector<InvocationSpan> Spans;
  Fixture() {
    // Init: the shared client (fd 5) in the main thread, each worker's
    // Runtime API connection (ports 4001, 4002) and own client (7, 8).
    B.socket(5, Main, 10);
    B.socket(3, W1, 20, 4001);
    B.socket(4, W2, 21, 4002);
    B.socket(7, W1, 22);
    B.socket(8, W2, 23);
  }
  std::vector<SharedSite> run() {
    A.Processes = {B.P};
    A.Main = &A.Processes[0];
    return findSharedSites(A, Spans, where, text);
  }
};

TEST(SharedSites, ClientUsedByOverlappingInvocations) {
  Fixture F;
  // Invocation 0 on worker 1 [100, 200], invocation 1 on worker 2 [120, 220].
  F.Spans = {{0, 1, 4001, 100, 200, 0}, {1, 2, 4002, 120, 220, 0}};
  F.B.use(3, W1, 101); // worker 1 reads `next`: it took invocation 0
  F.B.use(4, W2, 121);
  F.B.use(7, W1, 130); // own clients
  F.B.use(8, W2, 131);
  F.B.use(5, W1, 140); // the shared one, by both
  F.B.use(5, W2, 150);
  auto S = F.run();
  ASSERT_EQ(S.size(), 1u);
  EXPECT_EQ(S[0].Site, "app.cpp:5");
  EXPECT_EQ(S[0].Fds, 1);
  EXPECT_EQ(S[0].Invocations, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(S[0].OverlappingPairs, 1);
  ASSERT_EQ(S[0].UseSites.size(), 1u); // both reads: the same (fake) site
}

TEST(SharedSites, NotSharedWhenTheInvocationsDoNotOverlap) {
  Fixture F;
  F.Spans = {{0, 1, 4001, 100, 200, 0}, {1, 2, 4002, 300, 400, 0}};
  F.B.use(3, W1, 101);
  F.B.use(4, W2, 301);
  F.B.use(5, W1, 140);
  F.B.use(5, W2, 350);
  EXPECT_TRUE(F.run().empty());
}

TEST(SharedSites, OneWorkersClientAndTheRuntimeApiAreNeverShared) {
  Fixture F;
  // Worker 1 serves 0 and 2, worker 2 serves 1; all overlap pairwise in time
  // except that 0 and 2 are the same thread, one after the other.
  F.Spans = {{0, 1, 4001, 100, 200, 0}, {1, 2, 4002, 120, 400, 0}, {2, 3, 4001, 250, 350, 0}};
  F.B.use(3, W1, 101);
  F.B.use(4, W2, 121);
  F.B.use(7, W1, 130); // worker 1's own client in 0 and (no new record) in 2
  F.B.use(8, W2, 140);
  auto S = F.run();
  EXPECT_TRUE(S.empty());
}

TEST(SharedSites, ATimedOutInvocationStillRuns) {
  Fixture F;
  // Invocation 0 timed out (no end): its worker still runs it when it
  // uses the shared client at 500, while invocation 1 runs.
  F.Spans = {{0, 1, 4001, 100, 0, 3100}, {1, 2, 4002, 450, 600, 0}};
  F.B.use(3, W1, 101);
  F.B.use(4, W2, 451);
  F.B.use(5, W2, 460);
  F.B.use(5, W1, 500);
  auto S = F.run();
  ASSERT_EQ(S.size(), 1u);
  EXPECT_EQ(S[0].Invocations, (std::vector<int64_t>{0, 1}));
}

TEST(SharedSites, DeadlineStacksGoToTheTimedOutWorker) {
  Fixture F;
  F.Spans = {{0, 1, 4001, 100, 0, 3100}, {1, 2, 4002, 120, 220, 0}};
  F.B.use(3, W1, 101);
  F.B.use(4, W2, 121);
  F.A.Processes = {F.B.P};
  F.A.Main = &F.A.Processes[0];
  F.A.Invocations.resize(2);
  BlockedCall Mine, Other;
  Mine.Tid = W1;
  Mine.Call = "poll";
  Other.Tid = Main;
  Other.Call = "join";
  // The control page named invocation 2 (the latest started) for both.
  F.A.Invocations[1].BlockedPastDeadline = {Other, Mine};
  attributeDeadlineStacks(F.A, F.Spans);
  ASSERT_EQ(F.A.Invocations[0].BlockedPastDeadline.size(), 1u);
  EXPECT_EQ(F.A.Invocations[0].BlockedPastDeadline[0].Tid, W1);
  EXPECT_TRUE(F.A.Invocations[1].BlockedPastDeadline.empty());
}

TEST(SharedSites, WordsAndEvidence) {
  Fixture F;
  F.Spans = {{0, 1, 4001, 100, 200, 0}, {1, 2, 4002, 120, 220, 0}};
  F.B.use(3, W1, 101);
  F.B.use(4, W2, 121);
  F.B.use(5, W1, 140);
  F.B.use(5, W2, 150);
  F.A.SharedSites = F.run();
  F.A.Spans = F.Spans;
  std::vector<std::string> L;
  sharedSitesLines(F.A, L);
  ASSERT_EQ(L.size(), 1u);
  EXPECT_NE(L[0].find("shared by overlapping invocations: 1 fd tcp"), std::string::npos) << L[0];
  EXPECT_NE(L[0].find("from app.cpp:5"), std::string::npos) << L[0];
  std::vector<Evidence> E;
  sharedSitesEvidence(F.A, E);
  ASSERT_EQ(E.size(), 1u);
  EXPECT_EQ(E[0].Kind, "shared-across-invocations");
  auto J = sharedSitesJson(F.A);
  ASSERT_EQ(J.size(), 1u);
  EXPECT_EQ(J[0]["invocations"], nlohmann::json::array({0, 1}));
  // Nothing shared: one line that says how much the invocations overlapped.
  F.A.SharedSites.clear();
  L.clear();
  sharedSitesLines(F.A, L);
  ASSERT_EQ(L.size(), 1u);
  EXPECT_EQ(L[0], "no descriptor was used by two invocations that overlapped (2 invocations, up "
                  "to 2 at once)");
}

TEST(SharedSites, AtOnceIsTheMostRunningAtOneMoment) {
  // Four workers; the first answer is recorded after the next wave's first
  // hand-outs. Counting the starts inside one span's lifetime said 6 (more
  // than the 4 workers); at most 4 ran at one moment.
  Analysis A;
  auto Span = [](int64_t I, uint64_t Start, uint64_t End) {
    InvocationSpan S;
    S.Index = I;
    S.StartNs = Start;
    S.EndNs = End;
    return S;
  };
  A.Spans = {Span(0, 0, 305), Span(1, 1, 300), Span(2, 2, 300), Span(3, 3, 300),
             Span(4, 301, 600), Span(5, 302, 600)};
  std::vector<std::string> L;
  sharedSitesLines(A, L);
  ASSERT_EQ(L.size(), 1u);
  EXPECT_EQ(L[0], "no descriptor was used by two invocations that overlapped (6 invocations, up "
                  "to 4 at once)");
}

} // namespace
