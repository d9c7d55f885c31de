//===- SharedSites.cpp - descriptors used by overlapping invocations ------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// With `run --max-concurrency N` (Lambda Managed Instances) several
// invocations run in one process at once, each on one of the runtime's
// workers. A client made once and used by all of them (a global database
// connection) must then be thread-safe; this names such clients by the site
// that made them.
//
// Which invocation a record belongs to is known by thread and time, not by
// the control page (whose state is one invocation at a time):
//   1. The emulator gives each invocation's span: when a worker took it from
//      `next` and when it answered, and the client port of the connection
//      `next` answered on.
//   2. The shim records the local port of every Runtime API connect, and a
//      USE record whenever a socket's reading thread changes. The thread
//      that read the `next` answer on that connection after the hand-out
//      (else the one that read it last before) is the invocation's worker.
//   3. A record of that thread inside the span belongs to the invocation.
// A user descriptor (not the Runtime API's, not the runtime client's) that
// records of two invocations whose spans overlap used (made, connected,
// read) is shared across overlapping invocations.
//
// Because a USE record is written only when the reader changes, a client
// used by one worker only gives one record, and a shared one a record per
// hand-over: what is missed is only a thread using it again, which cannot
// add an invocation another thread's record did not already overlap.
//
//===----------------------------------------------------------------------===//

#include "LedgerReader.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace serverless::shim {

namespace {

constexpr uint64_t Forever = std::numeric_limits<uint64_t>::max();

uint64_t endOf(const InvocationSpan &S) { return S.EndNs ? S.EndNs : Forever; }

bool overlap(const InvocationSpan &A, const InvocationSpan &B) {
  return A.StartNs < endOf(B) && B.StartNs < endOf(A);
}

/// A descriptor's lifetime in one process, with the threads that used it.
struct Desc {
  const ProcessLedger *P = nullptr;
  size_t Made = SIZE_MAX;   // its ACQUIRE record (SIZE_MAX: not seen made)
  int Fd = -1;
  std::string Kind, Peer;
  bool RuntimeApi = false;
  int ClientPort = 0;       // a Runtime API connection's local port
  uint64_t BornNs = 0, DiedNs = Forever;
  struct Use {
    uint64_t Ns;
    int Tid;
    size_t Record;
  };
  std::vector<Use> Uses;    // made / connected / read, in order
};

bool runtimeClientSite(const SiteInfo &W) { return !runtimeClientOf(W).empty(); }

std::string joinIndices(const std::vector<int64_t> &V, size_t Max) {
  std::string S;
  for (size_t I = 0; I < V.size() && I < Max; ++I)
    S += (I ? ", " : "") + std::to_string(V[I]);
  if (V.size() > Max)
    S += ", ... (" + std::to_string(V.size()) + " in all)";
  return S;
}

/// Every descriptor's lifetime and users, per process.
std::vector<Desc> descriptors(const Analysis &A) {
  std::vector<Desc> All;
  for (const ProcessLedger &P : A.Processes) {
    std::map<int, size_t> Live; // fd -> index in All
    for (size_t I = 0; I < P.Records.size(); ++I) {
      const ShimRecord &R = P.Records[I];
      auto Current = [&](bool Create) -> Desc * {
        auto It = Live.find(R.fd);
        if (It != Live.end())
          return &All[It->second];
        if (!Create)
          return nullptr;
        Desc D;
        D.P = &P;
        D.Fd = R.fd;
        D.Kind = kindName(R.kind);
        D.BornNs = R.mono_ns;
        All.push_back(D);
        Live[R.fd] = All.size() - 1;
        return &All.back();
      };
      switch (R.type) {
      case SHIM_REC_ACQUIRE:
      case SHIM_REC_INHERITED: {
        if (auto It = Live.find(R.fd); It != Live.end()) {
          All[It->second].DiedNs = R.mono_ns;
          Live.erase(It);
        }
        Desc D;
        D.P = &P;
        D.Fd = R.fd;
        D.Kind = kindName(R.kind);
        D.Peer = formatPeer(R);
        D.BornNs = R.mono_ns;
        if (R.type == SHIM_REC_ACQUIRE) {
          D.Made = I;
          D.Uses.push_back({R.mono_ns, R.tid, I});
          if ((R.call == SHIM_CALL_dup || R.call == SHIM_CALL_dup2 || R.call == SHIM_CALL_dup3) &&
              Live.count(R.fd2))
            D.RuntimeApi = All[Live[R.fd2]].RuntimeApi;
        }
        All.push_back(D);
        Live[R.fd] = All.size() - 1;
        break;
      }
      case SHIM_REC_CONNECT:
        if (Desc *D = Current(true)) {
          D->Peer = formatPeer(R);
          if (R.flags & SHIM_FLAG_RUNTIME_API) {
            D->RuntimeApi = true;
            D->ClientPort = int(R.aux);
          }
          D->Uses.push_back({R.mono_ns, R.tid, I});
        }
        break;
      case SHIM_REC_USE:
        if (Desc *D = Current(true))
          D->Uses.push_back({R.mono_ns, R.tid, I});
        break;
      case SHIM_REC_RELEASE: {
        int Last = R.fd2 >= R.fd ? R.fd2 : R.fd;
        for (auto It = Live.lower_bound(R.fd); It != Live.end() && It->first <= Last;) {
          All[It->second].DiedNs = R.mono_ns;
          It = Live.erase(It);
        }
        break;
      }
      default:
        break;
      }
    }
  }
  return All;
}

/// Each invocation's worker (process, thread): the thread that read the
/// `next` answer on the span's connection; {nullptr, 0} when unknown.
std::vector<std::pair<const ProcessLedger *, int>>
workers(const std::vector<Desc> &All, const std::vector<InvocationSpan> &Spans) {
  std::vector<std::pair<const ProcessLedger *, int>> Out(Spans.size(), {nullptr, 0});
  for (size_t S = 0; S < Spans.size(); ++S) {
    const InvocationSpan &Sp = Spans[S];
    if (!Sp.ClientPort)
      continue;
    const Desc *Conn = nullptr;
    for (const Desc &D : All)
      if (D.RuntimeApi && D.ClientPort == Sp.ClientPort && D.BornNs <= Sp.StartNs &&
          Sp.StartNs <= D.DiedNs)
        Conn = &D;
    if (!Conn || Conn->Uses.empty())
      continue;
    int Tid = 0;
    for (const auto &U : Conn->Uses)
      if (U.Ns > Sp.StartNs && U.Ns <= endOf(Sp)) {
        Tid = U.Tid; // the reader changed to take this invocation
        break;
      }
    if (!Tid)
      for (const auto &U : Conn->Uses)
        if (U.Ns <= Sp.StartNs)
          Tid = U.Tid; // the same reader as before
    if (Tid)
      Out[S] = {Conn->P, Tid};
  }
  return Out;
}

} // namespace

std::vector<SharedSite>
findSharedSites(const Analysis &A, const std::vector<InvocationSpan> &Spans,
                const std::function<SiteInfo(const ProcessLedger &, const ShimRecord &)> &Where,
                const std::function<std::string(const SiteInfo &)> &Text) {
  // 1. Every descriptor's lifetime and users; 2. each invocation's worker.
  std::vector<Desc> All = descriptors(A);
  auto Worker = workers(All, Spans);
  std::map<std::pair<const ProcessLedger *, int>, std::vector<size_t>> ByThread; // -> spans
  for (size_t S = 0; S < Spans.size(); ++S)
    if (Worker[S].first)
      ByThread[Worker[S]].push_back(S);
  for (auto &[K, V] : ByThread)
    std::sort(V.begin(), V.end(),
              [&](size_t X, size_t Y) { return Spans[X].StartNs < Spans[Y].StartNs; });
  // The invocation a thread worked on at Ns: the latest started whose span
  // holds Ns (a timed-out one may still run when its worker takes the next).
  auto InvocationAt = [&](const ProcessLedger *P, int Tid, uint64_t Ns) -> long {
    auto It = ByThread.find({P, Tid});
    if (It == ByThread.end())
      return -1;
    long Found = -1;
    for (size_t S : It->second)
      if (Spans[S].StartNs <= Ns && Ns <= endOf(Spans[S]))
        Found = long(S);
    return Found;
  };

  // 3. User descriptors used by overlapping invocations, grouped by site.
  std::map<std::tuple<std::string, std::string, std::string>, SharedSite> Sites;
  for (const Desc &D : All) {
    if (D.RuntimeApi || D.Uses.size() < 2)
      continue;
    std::set<size_t> Used;
    std::vector<size_t> UseRecords;
    for (const auto &U : D.Uses) {
      long S = InvocationAt(D.P, U.Tid, U.Ns);
      if (S < 0)
        continue;
      Used.insert(size_t(S));
      if (D.P->Records[U.Record].type == SHIM_REC_USE)
        UseRecords.push_back(U.Record);
    }
    int Pairs = 0;
    for (auto X = Used.begin(); X != Used.end(); ++X)
      for (auto Y = std::next(X); Y != Used.end(); ++Y)
        if (overlap(Spans[*X], Spans[*Y]))
          ++Pairs;
    if (!Pairs)
      continue;
    SiteInfo Made;
    if (D.Made != SIZE_MAX)
      Made = Where(*D.P, D.P->Records[D.Made]);
    if (runtimeClientSite(Made))
      continue;
    std::string SiteText = D.Made != SIZE_MAX ? Text(Made) : "(made before the shim started)";
    SharedSite &G = Sites[{SiteText, D.Kind, D.Peer}];
    if (!G.Fds) {
      G.Site = SiteText;
      G.Kind = D.Kind;
      G.Peer = D.Peer;
      G.Where = Made;
    }
    ++G.Fds;
    G.OverlappingPairs += Pairs;
    for (size_t S : Used)
      G.Invocations.push_back(Spans[S].Index);
    for (size_t R : UseRecords) {
      if (G.UseSites.size() >= 4)
        break;
      SiteInfo W = Where(*D.P, D.P->Records[R]);
      std::string T = Text(W);
      bool Seen = false;
      for (auto &[UT, UW] : G.UseSites)
        Seen |= UT == T;
      if (!Seen)
        G.UseSites.push_back({T, W});
    }
  }
  std::vector<SharedSite> Out;
  for (auto &[K, G] : Sites) {
    std::sort(G.Invocations.begin(), G.Invocations.end());
    G.Invocations.erase(std::unique(G.Invocations.begin(), G.Invocations.end()),
                        G.Invocations.end());
    Out.push_back(std::move(G));
  }
  std::sort(Out.begin(), Out.end(), [](const SharedSite &X, const SharedSite &Y) {
    return X.OverlappingPairs > Y.OverlappingPairs;
  });
  return Out;
}

nlohmann::json sharedSitesJson(const Analysis &A) {
  nlohmann::json J = nlohmann::json::array();
  for (const SharedSite &S : A.SharedSites) {
    nlohmann::json E = {{"site", S.Site},
                        {"kind", S.Kind},
                        {"peer", S.Peer},
                        {"fds", S.Fds},
                        {"invocations", S.Invocations},
                        {"overlapping_pairs", S.OverlappingPairs},
                        {"used_at", nlohmann::json::array()}};
    if (!S.Where.Inline.empty())
      E["site_location"] = S.Where.toJson();
    for (const auto &[T, W] : S.UseSites) {
      nlohmann::json U = {{"site", T}};
      if (!W.Inline.empty())
        U["site_location"] = W.toJson();
      E["used_at"].push_back(U);
    }
    J.push_back(E);
  }
  return J;
}

namespace {
std::string describe(const SharedSite &S) {
  std::string T = std::to_string(S.Fds) + (S.Fds == 1 ? " fd " : " fds ") + S.Kind;
  if (!S.Peer.empty())
    T += " " + S.Peer;
  return T + " from " + S.Site;
}
} // namespace

void sharedSitesLines(const Analysis &A, std::vector<std::string> &Lines) {
  if (A.Spans.empty())
    return;
  for (const SharedSite &S : A.SharedSites) {
    std::string Used;
    for (const auto &[T, W] : S.UseSites)
      Used += (Used.empty() ? " at " : ", ") + T;
    Lines.push_back("shared by overlapping invocations: " + describe(S) + ", used by invocations (at least) " +
                    joinIndices(S.Invocations, 8) + " (" + std::to_string(S.OverlappingPairs) +
                    " overlapping pair" + (S.OverlappingPairs == 1 ? "" : "s") + ")" + Used +
                    ": a client used by concurrent invocations must be thread-safe");
  }
  if (A.SharedSites.empty()) {
    // How much the invocations overlapped, so "nothing shared" means something.
    // The most invocations running at one moment: the most at some span's
    // start (counting the spans that started before or then and had not
    // ended). Not the spans that start during one span's lifetime, which
    // counts two waves of N when the answer of one is recorded after the
    // next hand-out.
    size_t Most = 0;
    for (const auto &X : A.Spans) {
      size_t N = 0;
      for (const auto &Y : A.Spans)
        N += Y.StartNs <= X.StartNs && X.StartNs < endOf(Y);
      Most = std::max(Most, N);
    }
    Lines.push_back("no descriptor was used by two invocations that overlapped (" +
                    std::to_string(A.Spans.size()) + " invocations, up to " +
                    std::to_string(Most) + " at once)");
  }
}

void sharedSitesEvidence(const Analysis &A, std::vector<Evidence> &E) {
  for (const SharedSite &S : A.SharedSites)
    E.push_back({"shared-across-invocations",
                 "used by overlapping invocations " + joinIndices(S.Invocations, 8) + ": " +
                     describe(S)});
}

void attributeDeadlineStacks(Analysis &A, const std::vector<InvocationSpan> &Spans) {
  std::vector<BlockedCall> Pool;
  std::vector<LiveFd> Held;
  for (auto &S : A.Invocations) {
    for (auto &B : S.BlockedPastDeadline)
      Pool.push_back(std::move(B));
    S.BlockedPastDeadline.clear();
    for (auto &F : S.InFlightAtTimeout)
      Held.push_back(std::move(F));
    S.InFlightAtTimeout.clear();
  }
  auto Worker = workers(descriptors(A), Spans);
  for (size_t S = 0; S < Spans.size(); ++S) {
    const InvocationSpan &Sp = Spans[S];
    if (Sp.EndNs || !Worker[S].first || Worker[S].first != A.Main || !Sp.Local ||
        Sp.Local > A.Invocations.size())
      continue;
    auto &Mine = A.Invocations[Sp.Local - 1].BlockedPastDeadline;
    for (const BlockedCall &B : Pool)
      if (B.Tid == Worker[S].second && Mine.empty())
        Mine.push_back(B); // one per thread: its first capture
    auto &Its = A.Invocations[Sp.Local - 1].InFlightAtTimeout;
    for (const LiveFd &F : Held) {
      if (F.RecordIndex >= A.Main->Records.size())
        continue;
      const ShimRecord &R = A.Main->Records[F.RecordIndex];
      if (R.tid == Worker[S].second && R.mono_ns >= Sp.StartNs &&
          (!Sp.DeadlineNs || R.mono_ns <= Sp.DeadlineNs))
        Its.push_back(F);
    }
  }
}

} // namespace serverless::shim
