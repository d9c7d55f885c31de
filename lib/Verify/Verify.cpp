//===--- Verify.cpp - Static findings joined with runtime evidence --------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Verify/Verify.h"

#include "Core/ResourceKind.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace serverless::verify {

const char *verdictName(Verdict V) {
  switch (V) {
  case Verdict::Confirmed: return "confirmed";
  case Verdict::NotReproduced: return "not-reproduced";
  case Verdict::NotExercised: return "not-exercised";
  }
  return "not-reproduced";
}

namespace {

/// `ns::f(int) const` -> `ns::f`; a lambda's operator() is named by its
/// enclosing function (`ns::handler(...)::$_0::operator()` -> `ns::handler`).
/// ABI tags are the demangler's, not the source's: a function returning
/// std::string is `read_config[abi:cxx11]()` at run time, `read_config` in
/// the AST.
std::string normFunction(std::string F) {
  for (size_t I; (I = F.find("[abi:")) != std::string::npos;) {
    size_t E = F.find(']', I);
    if (E == std::string::npos)
      break;
    F.erase(I, E - I + 1);
  }
  while (F.rfind("::", 0) == 0)
    F = F.substr(2);
  int Depth = 0;
  for (size_t I = 0; I < F.size(); ++I) {
    if (F[I] == '<')
      ++Depth;
    else if (F[I] == '>' && Depth)
      --Depth;
    else if (F[I] == '(' && Depth == 0) {
      // "(anonymous namespace)::f" is part of the name, not a parameter list.
      if (F.compare(I, 21, "(anonymous namespace)") == 0) {
        I += 20;
        continue;
      }
      return F.substr(0, I);
    }
  }
  return F;
}

bool endsWith(const std::string &S, const std::string &Suffix) {
  return S.size() >= Suffix.size() && S.compare(S.size() - Suffix.size(), Suffix.size(), Suffix) == 0;
}

bool sameFunction(const std::string &Static, const std::string &Runtime) {
  if (Static.empty() || Runtime.empty())
    return true;
  std::string A = normFunction(Static), B = normFunction(Runtime);
  if (A.empty() || B.empty() || A == B)
    return true;
  if (endsWith(A, "::" + B) || endsWith(B, "::" + A))
    return true;
  // Printable names of lambdas differ between clang's AST and the
  // demangler; the line decides.
  for (const char *L : {"lambda", "anonymous class", "$_"})
    if (A.find(L) != std::string::npos || B.find(L) != std::string::npos)
      return true;
  return false;
}

std::string siteText(const core::Site &S) {
  std::string T = S.Path + ":" + std::to_string(S.Line);
  if (!S.Function.empty())
    T += " (" + normFunction(S.Function) + ")";
  return T;
}

std::string shortSite(const core::Site &S) {
  std::string T = core::baseName(S.Path) + ":" + std::to_string(S.Line);
  return T;
}

std::string plural(size_t N, const char *One, const char *Many) {
  return std::to_string(N) + " " + (N == 1 ? One : Many);
}

/// The user frames of an event, innermost first, as text.
nlohmann::json stackJson(const RuntimeEvent &E) {
  nlohmann::json J = nlohmann::json::array();
  for (const core::Site &S : E.Frames)
    J.push_back(siteText(S));
  return J;
}

/// An event of one run, with where the finding met it.
struct Hit {
  size_t Run;
  const RuntimeEvent *E;
  int Depth; // Index of the matching frame (0: innermost user frame).
};

class Joiner {
public:
  Joiner(const std::vector<RuntimeFacts> &Runs) : Runs(Runs) {
    for (size_t R = 0; R < Runs.size(); ++R)
      for (const InvocationInfo &I : Runs[R].Invocations)
        Inv[{R, I.Index}] = &I;
  }

  VerifiedFinding verify(const StaticFinding &F, std::set<const RuntimeEvent *> &Claimed);

  const std::vector<RuntimeFacts> &Runs;
  std::map<std::pair<size_t, uint64_t>, const InvocationInfo *> Inv;

  nlohmann::json invocationJson(size_t Run, uint64_t Index) const {
    nlohmann::json J = {{"index", Index}};
    auto It = Inv.find({Run, Index});
    if (It != Inv.end()) {
      J["request_id"] = It->second->RequestId;
      J["status"] = It->second->Status;
      if (Runs.size() > 1)
        J["scenario"] = Runs[Run].Scenario;
    }
    return J;
  }
  bool cold(size_t Run, uint64_t Index) const {
    auto It = Inv.find({Run, Index});
    return It != Inv.end() && It->second->Cold;
  }
  size_t invocationsRun(size_t Run) const { return Runs.empty() ? 0 : Runs[Run].Invocations.size(); }

  std::vector<Hit> hits(const StaticFinding &F) const {
    std::vector<Hit> Out;
    for (size_t R = 0; R < Runs.size(); ++R)
      for (const RuntimeEvent &E : Runs[R].Events)
        for (size_t D = 0; D < E.Frames.size(); ++D)
          if (sameSite(F.Where, E.Frames[D])) {
            Out.push_back({R, &E, int(D)});
            break;
          }
    return Out;
  }

  /// Function-level fallback for lazily connecting clients: connects made
  /// while the finding's function was on the stack (its file and function;
  /// any line: the connect may happen in a helper it calls with the
  /// handle), except those a finding's own line already explains.
  std::vector<Hit> functionHits(const StaticFinding &F) const {
    std::vector<Hit> Out;
    if (F.Where.Function.empty())
      return Out;
    for (size_t R = 0; R < Runs.size(); ++R)
      for (const RuntimeEvent &E : Runs[R].Events) {
        if (LineMatched.count(&E))
          continue;
        for (size_t D = 0; D < E.Frames.size(); ++D)
          if (E.Frames[D].Path == F.Where.Path && !E.Frames[D].Function.empty() &&
              normFunction(E.Frames[D].Function) == normFunction(F.Where.Function)) {
            Out.push_back({R, &E, int(D)});
            break;
          }
      }
    return Out;
  }

  /// Acquisitions or connects (\p T, main run) made through a handle that
  /// was created at the finding's site (a Create event whose frames meet
  /// it), except those a finding's own line explains.
  std::vector<Hit> handleHits(const StaticFinding &F, RuntimeEvent::Type T) const {
    std::vector<Hit> Out;
    if (Runs.empty())
      return Out;
    std::set<uint64_t> Made;
    for (const RuntimeEvent &E : Runs[0].Events)
      if (E.T == RuntimeEvent::Create && E.Handle)
        for (const core::Site &Fr : E.Frames)
          if (sameSite(F.Where, Fr)) {
            Made.insert(E.Handle);
            break;
          }
    if (Made.empty())
      return Out;
    for (const RuntimeEvent &E : Runs[0].Events)
      if (E.T == T && E.Handle && Made.count(E.Handle) && !LineMatched.count(&E))
        Out.push_back({0, &E, -1});
    return Out;
  }

  /// Events a resource finding (not a deadline one) meets on its own line.
  std::set<const RuntimeEvent *> LineMatched;
};

/// What was run, for "not reproduced" evidence.
nlohmann::json tried(const std::vector<RuntimeFacts> &Runs) {
  nlohmann::json T = nlohmann::json::array();
  for (const RuntimeFacts &R : Runs) {
    size_t Warm = 0;
    for (const InvocationInfo &I : R.Invocations)
      Warm += !I.Cold;
    nlohmann::json J = {{"scenario", R.Scenario},
                        {"invocations", R.Invocations.size()},
                        {"warm_invocations", Warm},
                        {"sigterm", R.SigtermSent}};
    if (!R.TarpitPeer.empty())
      J["tarpit"] = R.TarpitPeer;
    T.push_back(J);
  }
  return T;
}

std::string ranText(const std::vector<Hit> &H) {
  std::set<std::pair<size_t, uint64_t>> Invs;
  std::set<std::string> Kinds;
  for (const Hit &X : H) {
    Invs.insert({X.Run, X.E->Invocation});
    if (!X.E->Kind.empty())
      Kinds.insert(X.E->Kind);
  }
  std::string K;
  for (const std::string &S : Kinds)
    K += (K.empty() ? "" : "/") + S;
  return "the site ran (" + plural(H.size(), "record", "records") + (K.empty() ? "" : ", " + K) + ")";
}

VerifiedFinding Joiner::verify(const StaticFinding &F, std::set<const RuntimeEvent *> &Claimed) {
  VerifiedFinding Out;
  Out.F = F;
  nlohmann::json &Ev = Out.Evidence;
  Ev["site"] = siteText(F.Where);
  if (!F.Kind.empty())
    Ev["kind"] = F.Kind;
  const core::ResourceKind *K = F.Kind.empty() ? nullptr : core::resourceKind(F.Kind);
  std::vector<Hit> All = hits(F);
  for (const Hit &X : All)
    Claimed.insert(X.E);
  auto KindOk = [&](const RuntimeEvent &E) {
    return E.T == RuntimeEvent::Blocked || F.Kind.empty() || core::kindsCompatible(F.Kind, E.Kind);
  };
  auto Filter = [&](const std::vector<Hit> &H, RuntimeEvent::Type T, size_t Run) {
    std::vector<Hit> R;
    for (const Hit &X : H)
      if (X.Run == Run && X.E->T == T && KindOk(*X.E))
        R.push_back(X);
    return R;
  };
  auto NotRan = [&](const std::string &What) {
    Ev["tried"] = tried(Runs);
    if (K && K->Runtime.empty()) {
      Out.V = Verdict::NotReproduced;
      Ev["reason"] = "a '" + F.Kind + "' holds no descriptor (" + std::string(K->Note) +
                     "); the ledger records descriptors only";
      Out.Summary = "no runtime signal for '" + F.Kind + "'";
      return;
    }
    if (!All.empty()) {
      Out.V = Verdict::NotReproduced;
      Ev["reason"] = ranText(All) + ", " + What;
      Out.Summary = ranText(All) + ", " + What;
      return;
    }
    if (!Runs[0].LedgerRead || !Runs[0].LineInfo) {
      Out.V = Verdict::NotReproduced;
      Ev["reason"] = !Runs[0].LedgerRead
                         ? "the shim recorded nothing (a static binary, or the shim did not load): no runtime evidence"
                         : "the ledger's stacks have no line information (build the function with -g): sites cannot "
                           "be matched";
      Out.Summary = !Runs[0].LedgerRead ? "no ledger" : "no line information (-g)";
      return;
    }
    if (K && K->Eager) {
      Out.V = Verdict::NotExercised;
      Ev["reason"] = "no descriptor or connection was recorded at this site in any invocation, "
                     "and acquiring a '" + F.Kind + "' always records one (" + std::string(K->Note) + ")";
      Out.Summary = "never ran with the given events";
      return;
    }
    Out.V = Verdict::NotReproduced;
    Ev["reason"] = "nothing was recorded at this site" +
                   (K ? " (" + std::string(K->Note) + ", so it may have run without a record here)"
                      : std::string(" (the resource kind is unknown, so whether it ran is unknown)"));
    Out.Summary = "no record at the site";
  };

  if (Runs.empty()) {
    Out.V = Verdict::NotReproduced;
    Ev["reason"] = "the function was not run";
    Out.Summary = "not run";
    return Out;
  }

  if (F.Check == HandlerScopeClient) {
    std::vector<Hit> Conns;
    std::string Match = "line";
    for (const Hit &X : Filter(All, RuntimeEvent::Connect, 0))
      if (X.E->Phase == core::Phase::Invoke && X.E->Invocation)
        Conns.push_back(X);
    if (Conns.empty() && K && !K->Eager) {
      // The handle made at the site, wherever it connected (another line,
      // another function, a later invocation).
      for (const Hit &X : handleHits(F, RuntimeEvent::Connect))
        if (KindOk(*X.E) && X.E->Phase == core::Phase::Invoke && X.E->Invocation) {
          Conns.push_back(X);
          Claimed.insert(X.E);
        }
      if (!Conns.empty())
        Match = "handle";
    }
    if (Conns.empty() && K && !K->Eager) {
      for (const Hit &X : functionHits(F))
        if (X.Run == 0 && X.E->T == RuntimeEvent::Connect && KindOk(*X.E) &&
            X.E->Phase == core::Phase::Invoke && X.E->Invocation) {
          Conns.push_back(X);
          Claimed.insert(X.E);
        }
      if (!Conns.empty())
        Match = "function";
    }
    std::map<std::string, std::map<uint64_t, int>> ByPeer;
    for (const Hit &X : Conns)
      ++ByPeer[X.E->Peer][X.E->Invocation];
    const std::string *Best = nullptr;
    for (auto &[Peer, Invs] : ByPeer)
      if (!Best || Invs.size() > ByPeer[*Best].size())
        Best = &Peer;
    if (Best) {
      const auto &Invs = ByPeer[*Best];
      size_t Warm = 0, Total = 0;
      std::set<int> Envs;
      nlohmann::json IJ = nlohmann::json::array();
      for (auto &[I, N] : Invs) {
        Warm += !cold(0, I);
        Total += N;
        nlohmann::json J = invocationJson(0, I);
        J["connections"] = N;
        IJ.push_back(J);
      }
      for (const Hit &X : Conns)
        if (X.E->Peer == *Best)
          Envs.insert(X.E->Environment);
      if (Invs.size() >= 2 && Warm >= 1) {
        Out.V = Verdict::Confirmed;
        for (const Hit &X : Conns)
          if (X.E->Peer == *Best) {
            Ev["stack"] = stackJson(*X.E);
            break;
          }
        Ev["peer"] = *Best;
        Ev["match"] = Match;
        Ev["invocations"] = IJ;
        Ev["connections"] = Total;
        Ev["connections_per_invocation"] = double(Total) / double(Invs.size());
        Ev["warm_invocations"] = Warm;
        Ev["environments"] = Envs.size();
        Out.Summary = "new connection to " + *Best + " in each of " + plural(Invs.size(), "invocation", "invocations") +
                      " (" + std::to_string(Warm) + " warm)" +
                      (Envs.size() > 1 ? ", " + std::to_string(Total) + " at the peer from " +
                                             plural(Envs.size(), "environment", "environments")
                                       : std::string()) +
                      (Match == "function" ? ", from the same function"
                       : Match == "handle" ? ", through the handle made here"
                                           : "");
        return Out;
      }
      Out.V = Verdict::NotReproduced;
      Ev["tried"] = tried(Runs);
      Ev["peer"] = *Best;
      Ev["invocations"] = IJ;
      Ev["reason"] = "new connections to " + *Best + " in " + plural(Invs.size(), "invocation", "invocations") +
                     " (" + std::to_string(Warm) + " warm); a client per invocation needs a new one in at least two, "
                     "warm ones included";
      Out.Summary = "connections in " + plural(Invs.size(), "invocation", "invocations") + " only (" +
                    std::to_string(Warm) + " warm)";
      return Out;
    }
    if (invocationsRun(0) < 2) {
      Out.V = Verdict::NotReproduced;
      Ev["tried"] = tried(Runs);
      Ev["reason"] = "fewer than two invocations: no warm invocation to reuse a client in";
      Out.Summary = "needs --invocations >= 2";
      return Out;
    }
    NotRan("but no new connection from it during an invocation");
    return Out;
  }

  if (F.Check == UnclosedResource) {
    std::vector<Hit> Acq = Filter(All, RuntimeEvent::Acquire, 0);
    std::string Match = "line";
    if (Acq.empty() && K && !K->Eager) {
      // A lazily connecting handle made here (curl_easy_init) whose
      // descriptors are made inside a later call on it.
      for (const Hit &X : handleHits(F, RuntimeEvent::Acquire))
        if (KindOk(*X.E)) {
          Acq.push_back(X);
          Claimed.insert(X.E);
        }
      if (!Acq.empty())
        Match = "handle";
    }
    std::map<uint64_t, int> Leaked;
    std::map<int, std::set<uint64_t>> LeakedPerEnv; // growth is per process
    size_t StillOpen = 0;
    std::set<uint64_t> RanIn;
    std::string Peer, RKind;
    const RuntimeEvent *First = nullptr;
    for (const Hit &X : Acq) {
      RanIn.insert(X.E->Invocation);
      if (X.E->Phase == core::Phase::Invoke && X.E->Invocation && X.E->OpenAfterInvocation) {
        ++Leaked[X.E->Invocation];
        LeakedPerEnv[X.E->Environment].insert(X.E->Invocation);
        StillOpen += X.E->OpenAtEnd || X.E->OpenAtSigterm;
        if (!First) {
          First = X.E;
          Peer = X.E->Peer, RKind = X.E->Kind;
        }
      }
    }
    size_t Growth = 0; // leaking invocations of the environment with the most
    for (auto &[Env, Invs] : LeakedPerEnv)
      Growth = std::max(Growth, Invs.size());
    if (Growth >= 2 && StillOpen >= 2) {
      Out.V = Verdict::Confirmed;
      if (Match != "line")
        Ev["match"] = Match;
      size_t Total = 0;
      nlohmann::json IJ = nlohmann::json::array();
      for (auto &[I, N] : Leaked) {
        Total += N;
        nlohmann::json J = invocationJson(0, I);
        J["left_open"] = N;
        IJ.push_back(J);
      }
      double Slope = double(Total) / double(std::max<size_t>(1, invocationsRun(0)));
      Ev["runtime_kind"] = RKind;
      if (!Peer.empty())
        Ev["peer"] = Peer;
      Ev["stack"] = stackJson(*First);
      Ev["invocations"] = IJ;
      Ev["left_open"] = Total;
      Ev["still_open_at_end"] = StillOpen;
      Ev["fds_per_invocation"] = Slope;
      nlohmann::json After = nlohmann::json::array();
      int LastOpen = -1;
      uint64_t LastIndex = 0;
      for (const InvocationInfo &I : Runs[0].Invocations)
        if (I.FdsOpenAfter >= 0) {
          After.push_back(I.FdsOpenAfter);
          LastOpen = I.FdsOpenAfter;
          LastIndex = I.Index;
        }
      Ev["fds_open_after"] = After;
      std::string Proj;
      if (LastOpen >= 0 && Slope > 0 && Runs[0].Concurrency <= 1) {
        double Left = double(Runs[0].FdLimit) - double(LastOpen);
        uint64_t At = LastIndex + uint64_t(std::max(0.0, std::ceil(Left / Slope)));
        Ev["emfile_projected_at"] = At;
        Proj = "; EMFILE projected at invocation " + std::to_string(At);
      }
      char Rate[32];
      snprintf(Rate, sizeof Rate, "%+.1f", Slope);
      Out.Summary = std::string(Rate) + " fd/invocation (" + RKind + ") left open in " +
                    plural(Leaked.size(), "invocation", "invocations") + Proj;
      return Out;
    }
    if (!Acq.empty()) {
      Out.V = Verdict::NotReproduced;
      Ev["tried"] = tried(Runs);
      Ev["acquired"] = Acq.size();
      if (Leaked.size() == 1) {
        Ev["reason"] = "a descriptor from the site stayed open after invocation " +
                       std::to_string(Leaked.begin()->first) +
                       " only; a leak shows as growth over at least two invocations (a handle cached for "
                       "reuse looks the same once)";
        Out.Summary = "left open after one invocation only, no growth";
      } else if (Leaked.size() >= 2 && Growth < 2) {
        Ev["reason"] = "a descriptor from the site stayed open after one invocation in each of " +
                       plural(LeakedPerEnv.size(), "environment", "environments") +
                       ", none grew; a leak shows as growth over at least two invocations of one environment "
                       "(a handle cached for reuse looks the same once per environment)";
        Out.Summary = "left open once per environment, no growth";
      } else if (Leaked.size() >= 2) {
        Ev["reason"] = "descriptors stayed open after their invocations but were released before the end";
        Out.Summary = "released later, no growth";
      } else {
        Ev["reason"] = plural(Acq.size(), "descriptor", "descriptors") + " acquired at the site, " +
                       "each released within its invocation (or held from init)";
        Out.Summary = plural(Acq.size(), "acquisition", "acquisitions") + ", all released";
      }
      return Out;
    }
    NotRan("but no descriptor of a kind a '" + (F.Kind.empty() ? std::string("?") : F.Kind) + "' owns");
    return Out;
  }

  if (F.Check == MissingShutdownHook) {
    const RuntimeFacts &R = Runs[0];
    if (!R.SigtermSent) {
      Out.V = Verdict::NotReproduced;
      Ev["tried"] = tried(Runs);
      Ev["reason"] = "no SIGTERM was sent at shutdown (no extension registered)";
      Out.Summary = "no SIGTERM in this run";
      return Out;
    }
    std::vector<Hit> Acq = Filter(All, RuntimeEvent::Acquire, 0);
    nlohmann::json Held = nlohmann::json::array();
    size_t Closed = 0;
    for (const Hit &X : Acq) {
      if (X.E->OpenAtSigterm && X.E->OpenAtEnd) {
        if (Held.empty())
          Ev["stack"] = stackJson(*X.E);
        Held.push_back({{"fd", X.E->Fd}, {"kind", X.E->Kind}, {"peer", X.E->Peer},
                        {"acquired", core::phaseName(X.E->Phase)}, {"pid", X.E->Pid}});
      } else if (X.E->OpenAtSigterm) {
        ++Closed;
      }
    }
    Ev["rule"] = R.ShutdownRule;
    if (R.GraceMs >= 0)
      Ev["grace_ms"] = R.GraceMs;
    if (!Held.empty()) {
      Out.V = Verdict::Confirmed;
      Ev["open_at_shutdown"] = Held;
      std::string P = Held[0].value("peer", "");
      Out.Summary = plural(Held.size(), "descriptor", "descriptors") + " (" + Held[0].value("kind", "") +
                    (P.empty() ? "" : " " + P) + ") still open when the process ended after SIGTERM" +
                    (R.GraceMs >= 0 ? " + " + std::to_string(R.GraceMs) + " ms" : "");
      return Out;
    }
    if (!Acq.empty()) {
      Out.V = Verdict::NotReproduced;
      Ev["tried"] = tried(Runs);
      Ev["reason"] = Closed ? "open at SIGTERM, released within the grace" : "released before shutdown";
      Out.Summary = Closed ? "released within the grace" : "released before shutdown";
      return Out;
    }
    NotRan("but nothing of a kind a '" + (F.Kind.empty() ? std::string("?") : F.Kind) + "' owns");
    return Out;
  }

  if (F.Check == MissingDeadline) {
    for (const Hit &X : All) {
      if (X.E->T != RuntimeEvent::Blocked || !X.E->TimedOut)
        continue;
      Out.V = Verdict::Confirmed;
      Ev["invocation"] = invocationJson(X.Run, X.E->Invocation);
      Ev["call"] = X.E->Call;
      Ev["blocked_ms"] = X.E->BlockedMs;
      Ev["stack"] = stackJson(*X.E);
      Ev["scenario"] = Runs[X.Run].Scenario;
      if (!Runs[X.Run].TarpitPeer.empty())
        Ev["tarpit"] = Runs[X.Run].TarpitPeer;
      // No interposed call in flight (a condition variable, a futex): the
      // thread was still inside the finding's call, at its site.
      std::string In = !X.E->Call.empty() ? X.E->Call
                       : !F.Call.empty()  ? "'" + F.Call + "' (no interposed call in flight)"
                                          : "the call (no interposed call in flight)";
      Out.Summary = "invocation " + std::to_string(X.E->Invocation) + " timed out blocked in " + In +
                    (X.E->BlockedMs >= 0 ? " for " + std::to_string(X.E->BlockedMs) + " ms" : std::string()) +
                    (Runs[X.Run].TarpitPeer.empty() ? "" : " (tarpit " + Runs[X.Run].TarpitPeer + ")");
      return Out;
    }
    std::string Key = F.Where.Path + ":" + std::to_string(F.Where.Line);
    bool Tarpitted = false;
    for (const RuntimeFacts &R : Runs)
      Tarpitted |= std::find(R.TarpitSites.begin(), R.TarpitSites.end(), Key) != R.TarpitSites.end();
    Out.V = Verdict::NotReproduced;
    Ev["tried"] = tried(Runs);
    std::string Why = Tarpitted ? "its peer was replaced by a tarpit, but no invocation timed out blocked in this call"
                                : "no fault injection for this call yet";
    if (!All.empty())
      Why += "; " + ranText(All);
    else if (K && K->Eager)
      Why += "; no record at the site (it may not have run)";
    Ev["reason"] = Why;
    Out.Summary = Tarpitted ? "tarpit: no timeout in this call" : "no fault injection for this call yet";
    return Out;
  }

  Out.V = Verdict::NotReproduced;
  Ev["reason"] = "no runtime scenario for this check";
  Out.Summary = "no runtime scenario for this check";
  return Out;
}

} // namespace

bool sameSite(const core::Site &Finding, const core::Site &Frame) {
  return Finding.Line == Frame.Line && Finding.Path == Frame.Path && sameFunction(Finding.Function, Frame.Function);
}

VerifyResult join(const std::vector<StaticFinding> &Findings, const std::vector<RuntimeFacts> &Runs) {
  VerifyResult R;
  Joiner J(Runs);
  // Connects another client's finding explains on its own line (a
  // missing-deadline finding on the same line explains no client).
  for (const StaticFinding &F : Findings)
    if (F.Check != MissingDeadline)
      for (const Hit &X : J.hits(F))
        J.LineMatched.insert(X.E);
  std::set<const RuntimeEvent *> Claimed;
  for (const StaticFinding &F : Findings)
    R.Findings.push_back(J.verify(F, Claimed));
  std::stable_sort(R.Findings.begin(), R.Findings.end(), [](const VerifiedFinding &A, const VerifiedFinding &B) {
    return std::tie(A.F.Where.Path, A.F.Where.Line, A.F.Where.Column, A.F.Check, A.F.Message) <
           std::tie(B.F.Where.Path, B.F.Where.Line, B.F.Where.Column, B.F.Check, B.F.Message);
  });
  for (const RuntimeFacts &Run : Runs)
    R.Scenarios.push_back(Run.Scenario + ": " + plural(Run.Invocations.size(), "invocation", "invocations") +
                          (Run.SigtermSent ? ", SIGTERM at shutdown" : "") +
                          (Run.TarpitPeer.empty() ? "" : ", tarpit " + Run.TarpitPeer));

  // Runtime evidence no finding claimed, from the main run: grouped by the
  // innermost user frame.
  if (!Runs.empty()) {
    const RuntimeFacts &Main = Runs[0];
    struct Group {
      core::Site Where;
      std::string Peer, Kind;
      std::map<uint64_t, int> Invs;
      std::map<int, std::set<uint64_t>> PerEnv; // one per environment is a cached client, not growth
      int64_t BlockedMs = -1;
      std::string Call;
    };
    std::map<std::tuple<std::string, std::string, unsigned, std::string>, Group> Groups;
    // A descriptor made through a library handle is grouped where the
    // handle was made (curl_easy_init's caller), not inside the call that
    // happened to connect it.
    std::map<uint64_t, const RuntimeEvent *> MadeAt;
    for (const RuntimeEvent &E : Main.Events)
      if (E.T == RuntimeEvent::Create && E.Handle && !E.Frames.empty())
        MadeAt[E.Handle] = &E;
    for (const RuntimeEvent &E : Main.Events) {
      if (Claimed.count(&E) || E.Frames.empty())
        continue;
      auto Made = E.Handle ? MadeAt.find(E.Handle) : MadeAt.end();
      const core::Site &S = Made != MadeAt.end() ? Made->second->Frames[0] : E.Frames[0];
      std::string Kind;
      if (E.T == RuntimeEvent::Connect && E.Phase == core::Phase::Invoke && E.Invocation)
        Kind = "connection-per-invocation";
      else if (E.T == RuntimeEvent::Acquire && E.Phase == core::Phase::Invoke && E.Invocation &&
               E.OpenAfterInvocation && (E.OpenAtEnd || E.OpenAtSigterm))
        Kind = "fd-growth";
      else if (E.T == RuntimeEvent::Blocked && E.TimedOut)
        Kind = "blocked-at-deadline";
      else
        continue;
      Group &G = Groups[{Kind, S.Path, S.Line, Kind == "connection-per-invocation" ? E.Peer : ""}];
      G.Where = S;
      G.Peer = E.Peer;
      G.Kind = E.Kind;
      ++G.Invs[E.Invocation];
      G.PerEnv[E.Environment].insert(E.Invocation);
      if (E.T == RuntimeEvent::Blocked) {
        G.BlockedMs = std::max(G.BlockedMs, E.BlockedMs);
        G.Call = E.Call;
      }
    }
    for (auto &[Key, G] : Groups) {
      const std::string &Kind = std::get<0>(Key);
      size_t InOneEnv = 0;
      for (auto &[Env, Invs] : G.PerEnv)
        InOneEnv = std::max(InOneEnv, Invs.size());
      if (Kind != "blocked-at-deadline" && InOneEnv < 2)
        continue;
      RuntimeOnly O;
      O.Kind = Kind;
      O.Where = G.Where;
      size_t Total = 0;
      nlohmann::json IJ = nlohmann::json::array();
      for (auto &[I, N] : G.Invs) {
        Total += N;
        nlohmann::json X = J.invocationJson(0, I);
        X["count"] = N;
        IJ.push_back(X);
      }
      O.Evidence["site"] = siteText(G.Where);
      O.Evidence["invocations"] = IJ;
      if (Kind == "connection-per-invocation") {
        O.Evidence["peer"] = G.Peer;
        O.Evidence["connections"] = Total;
        O.Summary = "new connection to " + G.Peer + " in each of " + plural(G.Invs.size(), "invocation", "invocations") +
                    ", no finding here";
      } else if (Kind == "fd-growth") {
        O.Evidence["runtime_kind"] = G.Kind;
        if (!G.Peer.empty())
          O.Evidence["peer"] = G.Peer;
        O.Evidence["left_open"] = Total;
        O.Summary = std::to_string(Total) + " " + G.Kind + " descriptors left open over " +
                    plural(G.Invs.size(), "invocation", "invocations") + ", no finding here";
      } else {
        O.Evidence["call"] = G.Call;
        O.Evidence["blocked_ms"] = G.BlockedMs;
        O.Summary = "blocked in " + G.Call + " at the deadline, no finding here";
      }
      R.RuntimeOnlyEntries.push_back(std::move(O));
    }
    std::stable_sort(R.RuntimeOnlyEntries.begin(), R.RuntimeOnlyEntries.end(),
                     [](const RuntimeOnly &A, const RuntimeOnly &B) {
                       return std::tie(A.Where.Path, A.Where.Line, A.Kind) < std::tie(B.Where.Path, B.Where.Line, B.Kind);
                     });
  }
  return R;
}

//===----------------------------------------------------------------------===//
// Reports
//===----------------------------------------------------------------------===//

nlohmann::json toJson(const VerifyResult &R) {
  nlohmann::json J = nlohmann::json::object();
  J["schema"] = "serverless-tidy-verify/1";
  J["findings"] = nlohmann::json::array();
  for (const VerifiedFinding &V : R.Findings) {
    nlohmann::json E = V.Evidence;
    E["summary"] = V.Summary;
    if (!V.F.Where.Function.empty())
      E["function"] = V.F.Where.Function;
    J["findings"].push_back({{"check", V.F.Check},
                             {"file", V.F.Where.Path},
                             {"line", V.F.Where.Line},
                             {"column", V.F.Where.Column},
                             {"message", V.F.Message},
                             {"verdict", verdictName(V.V)},
                             {"evidence", E}});
  }
  J["runtime_only"] = nlohmann::json::array();
  for (const RuntimeOnly &O : R.RuntimeOnlyEntries) {
    nlohmann::json E = O.Evidence;
    E["summary"] = O.Summary;
    J["runtime_only"].push_back(
        {{"kind", O.Kind}, {"file", O.Where.Path}, {"line", O.Where.Line}, {"evidence", E}});
  }
  return J;
}

namespace {
const char *checkOfRuntimeOnly(const std::string &Kind) {
  if (Kind == "connection-per-invocation")
    return HandlerScopeClient;
  if (Kind == "fd-growth")
    return UnclosedResource;
  return MissingDeadline;
}
} // namespace

std::string renderText(const VerifyResult &R) {
  std::ostringstream OS;
  for (const VerifiedFinding &V : R.Findings) {
    std::string P = V.F.Path.empty() ? V.F.Where.Path : V.F.Path;
    OS << P << ":" << V.F.Where.Line << ":" << V.F.Where.Column << ": " << verdictName(V.V) << " [" << V.F.Check
       << "] " << V.Summary << "\n";
  }
  for (const RuntimeOnly &O : R.RuntimeOnlyEntries)
    OS << O.Where.Path << ":" << O.Where.Line << ": runtime-only [" << O.Kind << "] " << O.Summary << "\n";
  if (!R.Findings.empty() || !R.RuntimeOnlyEntries.empty())
    OS << "\n";
  struct Row {
    size_t Findings = 0, Confirmed = 0, NotReproduced = 0, NotExercised = 0, RuntimeOnly = 0;
  };
  std::map<std::string, Row> Rows;
  for (const char *C : {HandlerScopeClient, UnclosedResource, MissingDeadline, MissingShutdownHook})
    Rows[C];
  Row Total;
  for (const VerifiedFinding &V : R.Findings) {
    Row &X = Rows[V.F.Check];
    for (Row *W : {&X, &Total}) {
      ++W->Findings;
      W->Confirmed += V.V == Verdict::Confirmed;
      W->NotReproduced += V.V == Verdict::NotReproduced;
      W->NotExercised += V.V == Verdict::NotExercised;
    }
  }
  for (const RuntimeOnly &O : R.RuntimeOnlyEntries) {
    ++Rows[checkOfRuntimeOnly(O.Kind)].RuntimeOnly;
    ++Total.RuntimeOnly;
  }
  char Line[256];
  snprintf(Line, sizeof Line, "%-34s %8s %10s %15s %14s %13s\n", "check", "findings", "confirmed", "not reproduced",
           "not exercised", "runtime only");
  OS << Line;
  auto Print = [&](const std::string &Name, const Row &X) {
    snprintf(Line, sizeof Line, "%-34s %8zu %10zu %15zu %14zu %13zu\n", Name.c_str(), X.Findings, X.Confirmed,
             X.NotReproduced, X.NotExercised, X.RuntimeOnly);
    OS << Line;
  };
  for (auto &[Name, X] : Rows)
    Print(Name, X);
  Print("total", Total);
  return OS.str();
}

void annotateSarif(nlohmann::json &Sarif, const VerifyResult &R) {
  if (!Sarif.contains("runs") || !Sarif["runs"].is_array() || Sarif["runs"].empty())
    return;
  nlohmann::json &Results = Sarif["runs"][0]["results"];
  if (!Results.is_array())
    return;
  std::vector<bool> Used(R.Findings.size(), false);
  for (nlohmann::json &Res : Results) {
    std::string Rule = Res.value("ruleId", "");
    unsigned Line = 0;
    std::string Uri;
    if (Res.contains("locations") && !Res["locations"].empty()) {
      const auto &PL = Res["locations"][0]["physicalLocation"];
      Line = PL.value("region", nlohmann::json::object()).value("startLine", 0u);
      Uri = PL.value("artifactLocation", nlohmann::json::object()).value("uri", "");
    }
    for (size_t I = 0; I < R.Findings.size(); ++I) {
      const VerifiedFinding &V = R.Findings[I];
      if (Used[I] || V.F.Check != Rule || V.F.Where.Line != Line)
        continue;
      std::string P = V.F.Path.empty() ? V.F.Where.Path : V.F.Path;
      // The writer's URI is the relative path (or a file: URI of the
      // absolute one), percent-encoded where needed: the path, else its
      // last component at a '/' boundary.
      if (!Uri.empty() && !endsWith(Uri, P) && Uri != core::baseName(P) && !endsWith(Uri, "/" + core::baseName(P)))
        continue;
      Used[I] = true;
      nlohmann::json &Props = Res["properties"];
      if (!Props.is_object())
        Props = nlohmann::json::object();
      Props["verdict"] = verdictName(V.V);
      nlohmann::json E = V.Evidence;
      E["summary"] = V.Summary;
      Props["evidence"] = E;
      // The verdict where a reader of the log sees it first.
      if (Res.contains("message") && Res["message"].contains("text"))
        Res["message"]["text"] =
            Res["message"]["text"].get<std::string>() + " [verify: " + verdictName(V.V) + ": " + V.Summary + "]";
      break;
    }
  }
}

int failStatus(const VerifyResult &R, const std::string &FailOn) {
  if (FailOn == "none")
    return 0;
  if (FailOn == "any")
    return R.Findings.empty() && R.RuntimeOnlyEntries.empty() ? 0 : 1;
  for (const VerifiedFinding &V : R.Findings)
    if (V.V == Verdict::Confirmed)
      return 1;
  return 0;
}

} // namespace serverless::verify
