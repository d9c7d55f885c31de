//===- LedgerReader.cpp - read what libserverless-shim.so recorded --------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "LedgerReader.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <netinet/in.h>
#include <set>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace serverless::shim {
namespace {

bool readFile(const std::string &Path, std::string &Out) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return false;
  std::ostringstream S;
  S << In.rdbuf();
  Out = S.str();
  return true;
}

std::vector<MapEntry> parseMaps(const std::string &Text) {
  std::vector<MapEntry> Out;
  std::istringstream In(Text);
  std::string Line;
  while (std::getline(In, Line)) {
    unsigned long long S, E, Off;
    char Perm[8], Dev[16];
    unsigned long Ino;
    int Pos = 0;
    if (sscanf(Line.c_str(), "%llx-%llx %7s %llx %15s %lu %n", &S, &E, Perm, &Off, Dev, &Ino, &Pos) < 6)
      continue;
    std::string Path = Pos > 0 && size_t(Pos) <= Line.size() ? Line.substr(Pos) : "";
    if (Path.empty() || Path[0] != '/')
      continue;
    Out.push_back({S, E, Off, Path});
  }
  return Out;
}

bool isSystemObject(const std::string &P) {
  static const char *Prefixes[] = {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/libexec/"};
  for (const char *Pre : Prefixes)
    if (P.rfind(Pre, 0) == 0)
      return true;
  return false;
}

bool isRuntimeObject(const std::string &P) {
  static const char *Names[] = {"libc.so", "libc-", "ld-linux", "libstdc++", "libgcc_s", "libpthread",
                                "libm.so", "libdl.so", "libserverless-shim"};
  std::string Base = P.substr(P.rfind('/') + 1);
  for (const char *N : Names)
    if (Base.rfind(N, 0) == 0)
      return true;
  return false;
}

struct Symbolizer {
  std::string Tool;
  // (object, vaddr) -> frame
  std::map<std::pair<std::string, uint64_t>, SymbolizedFrame> Cache;
  std::map<std::string, bool> IsExec;

  bool isEtExec(const std::string &Obj) {
    auto It = IsExec.find(Obj);
    if (It != IsExec.end())
      return It->second;
    bool R = false;
    if (FILE *F = fopen(Obj.c_str(), "rb")) {
      unsigned char H[18];
      if (fread(H, 1, sizeof(H), F) == sizeof(H) && !memcmp(H, "\x7f" "ELF", 4))
        R = (H[16] | (H[17] << 8)) == 2; // ET_EXEC: absolute addresses
      fclose(F);
    }
    return IsExec[Obj] = R;
  }

  void run(const std::string &Obj, const std::vector<uint64_t> &Addrs) {
    if (Tool.empty() || Addrs.empty())
      return;
    char Tmp[] = "/tmp/shim-sym-XXXXXX";
    int Fd = mkstemp(Tmp);
    if (Fd < 0)
      return;
    std::string In;
    for (uint64_t A : Addrs) {
      char B[32];
      snprintf(B, sizeof B, "0x%llx\n", (unsigned long long)A);
      In += B;
    }
    if (write(Fd, In.data(), In.size()) != ssize_t(In.size())) {
      close(Fd);
      unlink(Tmp);
      return;
    }
    close(Fd);
    auto Quote = [](const std::string &S) {
      std::string Q = "'";
      for (char C : S)
        Q += C == '\'' ? std::string("'\\''") : std::string(1, C);
      return Q + "'";
    };
    std::string Cmd = Quote(Tool) + " --output-style=JSON --functions=linkage --demangle --obj=" +
                      Quote(Obj) + " < " + Quote(Tmp) + " 2>/dev/null";
    if (FILE *P = popen(Cmd.c_str(), "r")) {
      std::string Out;
      char Buf[8192];
      size_t N;
      while ((N = fread(Buf, 1, sizeof Buf, P)) > 0)
        Out.append(Buf, N);
      pclose(P);
      std::istringstream Lines(Out);
      std::string Line;
      size_t I = 0;
      while (std::getline(Lines, Line) && I < Addrs.size()) {
        auto J = nlohmann::json::parse(Line, nullptr, false);
        if (J.is_discarded())
          continue;
        SymbolizedFrame &F = Cache[{Obj, Addrs[I++]}];
        F.Object = Obj;
        if (J.contains("Symbol") && J["Symbol"].is_array() && !J["Symbol"].empty()) {
          const auto &S = J["Symbol"][0];
          F.Function = S.value("FunctionName", "");
          F.File = S.value("FileName", "");
          F.Line = S.value("Line", 0);
        }
      }
    }
    unlink(Tmp);
  }
};

std::string baseName(const std::string &P) { return P.substr(P.rfind('/') + 1); }

std::string shortFunction(std::string F) {
  // "ns::handler(aws::lambda_runtime::invocation_request const&)" -> "ns::handler"
  if (F.rfind("operator", 0) != std::string::npos && F.find("operator()") != std::string::npos)
    return F.substr(0, F.find("operator()") + 10);
  size_t Depth = 0;
  for (size_t I = 0; I < F.size(); ++I) {
    if (F[I] == '<')
      ++Depth;
    else if (F[I] == '>' && Depth)
      --Depth;
    else if (F[I] == '(' && !Depth)
      return F.substr(0, I);
  }
  return F;
}

class Analyzer {
public:
  Analyzer(Analysis &A, const AnalysisOptions &O) : A(A), O(O) {}

  void symbolizeAll() {
    if (!O.Symbolize)
      return;
    Sym.Tool = O.Symbolizer;
    if (Sym.Tool.empty()) {
      for (const char *C : {"/usr/lib/llvm-19/bin/llvm-symbolizer", "/usr/bin/llvm-symbolizer-19",
                            "/usr/bin/llvm-symbolizer"})
        if (access(C, X_OK) == 0) {
          Sym.Tool = C;
          break;
        }
    }
    if (Sym.Tool.empty()) {
      A.Warnings.push_back("llvm-symbolizer not found: sites are object+offset");
      return;
    }
    std::map<std::string, std::set<uint64_t>> Want;
    for (const ProcessLedger &P : A.Processes)
      for (const ShimRecord &R : P.Records)
        for (int I = 0; I < R.nframes && I < SHIM_MAX_FRAMES; ++I) {
          auto Loc = locate(P, R, I);
          if (!Loc.first.empty())
            Want[Loc.first].insert(Loc.second);
        }
    for (auto &[Obj, Set] : Want)
      Sym.run(Obj, std::vector<uint64_t>(Set.begin(), Set.end()));
  }

  // (object, address to symbolize) of frame I of R.
  std::pair<std::string, uint64_t> locate(const ProcessLedger &P, const ShimRecord &R, int I) {
    uint64_t Pc = R.frames[I];
    bool Exact = I == 0 && (R.flags & SHIM_FLAG_SIGNAL_FRAME);
    uint64_t Adj = Exact ? Pc : Pc - 1;
    for (const MapEntry &M : P.Maps) {
      if (Adj < M.Start || Adj >= M.End)
        continue;
      // Load bias: the start of this object's mapping at file offset 0.
      uint64_t Base = M.Start - M.Offset;
      for (const MapEntry &M2 : P.Maps)
        if (M2.Path == M.Path && M2.Offset == 0 && M2.Start <= M.Start) {
          Base = M2.Start;
          break;
        }
      if (Sym.isEtExec(M.Path))
        Base = 0;
      return {M.Path, Adj - Base};
    }
    return {"", Pc};
  }

  SymbolizedFrame frame(const ProcessLedger &P, const ShimRecord &R, int I) {
    auto Loc = locate(P, R, I);
    auto It = Sym.Cache.find(Loc);
    SymbolizedFrame F;
    if (It != Sym.Cache.end())
      F = It->second;
    F.Pc = R.frames[I];
    F.Object = Loc.first;
    if (F.Function == "??")
      F.Function.clear();
    if (F.File == "??")
      F.File.clear();
    if (F.File.empty() && !Loc.first.empty()) {
      char B[32];
      snprintf(B, sizeof B, "+0x%llx", (unsigned long long)Loc.second);
      F.Object = baseName(Loc.first) + B;
    } else if (Loc.first.empty()) {
      char B[32];
      snprintf(B, sizeof B, "0x%llx", (unsigned long long)F.Pc);
      F.Object = B;
    }
    return F;
  }

  std::vector<SymbolizedFrame> stack(const ProcessLedger &P, const ShimRecord &R) {
    std::vector<SymbolizedFrame> Out;
    for (int I = 0; I < R.nframes && I < SHIM_MAX_FRAMES; ++I)
      Out.push_back(frame(P, R, I));
    return Out;
  }

  // The site of a record: the first frame in the function's own code (the main
  // executable or a non-system object), else the first frame outside the C/C++
  // runtime, else the first frame.
  std::string site(const ProcessLedger &P, const ShimRecord &R, std::vector<std::string> *Full = nullptr) {
    auto S = stack(P, R);
    if (Full)
      for (auto &F : S)
        Full->push_back(F.text());
    if (S.empty())
      return "";
    std::string Exe = P.Header.exe;
    for (int Pass = 0; Pass < 3; ++Pass)
      for (size_t I = 0; I < S.size(); ++I) {
        auto Loc = locate(P, R, int(I));
        const std::string &Obj = Loc.first;
        if (Obj.empty())
          continue;
        bool Ok = Pass == 0   ? (Obj == Exe || !isSystemObject(Obj)) && !isRuntimeObject(Obj)
                  : Pass == 1 ? !isRuntimeObject(Obj)
                              : true;
        if (Ok)
          return S[I].text();
      }
    return S[0].text();
  }

  std::string topFunction(const ProcessLedger &P, const ShimRecord &R) {
    for (int I = 0; I < R.nframes; ++I) {
      auto F = frame(P, R, I);
      if (!F.Function.empty())
        return shortFunction(F.Function);
    }
    return "?";
  }

  bool hasUserFrame(const ProcessLedger &P, const ShimRecord &R) {
    for (int I = 0; I < R.nframes; ++I) {
      auto Obj = locate(P, R, I).first;
      if (!Obj.empty() && (Obj == std::string(P.Header.exe) || !isSystemObject(Obj)) && !isRuntimeObject(Obj))
        return true;
    }
    return false;
  }

  Symbolizer Sym;

private:
  Analysis &A;
  const AnalysisOptions &O;
};

// Replays one process's records. Calls Visit(record index, live table)
// after each record.
struct Replay {
  std::map<int, LiveFd> Live;
};

} // namespace

std::string SymbolizedFrame::text() const {
  std::string Fn = shortFunction(Function);
  if (!File.empty() && Line > 0)
    return baseName(File) + ":" + std::to_string(Line) + (Fn.empty() ? "" : " (" + Fn + ")");
  if (!Fn.empty())
    return Fn + " [" + Object + "]";
  return Object;
}

const char *callName(unsigned Call) {
  static const char *Names[] = {
#define SHIM_CALL_NAME(n) #n,
      SHIM_CALL_LIST(SHIM_CALL_NAME)
#undef SHIM_CALL_NAME
  };
  return Call < SHIM_CALL_COUNT ? Names[Call] : "?";
}

const char *kindName(unsigned K) {
  static const char *Names[] = {"unknown", "file",    "dir",      "tcp",     "udp",
                                "unix",    "socket",  "pipe",     "epoll",   "eventfd",
                                "signalfd", "timerfd", "stream",  "memfd",   "device"};
  return K < sizeof(Names) / sizeof(Names[0]) ? Names[K] : "unknown";
}

std::string formatPeer(const ShimRecord &R) {
  if (!(R.flags & SHIM_FLAG_PEER_SOCKADDR)) {
    size_t L = strnlen(reinterpret_cast<const char *>(R.peer), sizeof(R.peer));
    return std::string(reinterpret_cast<const char *>(R.peer), L);
  }
  sockaddr_storage SS{};
  memcpy(&SS, R.peer, std::min<size_t>(R.peer_len, sizeof(SS)));
  char B[INET6_ADDRSTRLEN] = {0};
  if (SS.ss_family == AF_INET) {
    auto *In = reinterpret_cast<sockaddr_in *>(&SS);
    inet_ntop(AF_INET, &In->sin_addr, B, sizeof B);
    return std::string(B) + ":" + std::to_string(ntohs(In->sin_port));
  }
  if (SS.ss_family == AF_INET6) {
    auto *In = reinterpret_cast<sockaddr_in6 *>(&SS);
    inet_ntop(AF_INET6, &In->sin6_addr, B, sizeof B);
    return "[" + std::string(B) + "]:" + std::to_string(ntohs(In->sin6_port));
  }
  return "family " + std::to_string(SS.ss_family);
}

static nlohmann::json fdJson(const LiveFd &F) {
  return {{"fd", F.Fd}, {"kind", F.Kind}, {"peer", F.Peer}, {"site", F.Site}, {"call", F.Call},
          {"invocation", F.Invocation}};
}

nlohmann::json Analysis::invocationJson(uint64_t Index) const {
  nlohmann::json J = nlohmann::json::object();
  if (Index == 0 || Index > Invocations.size())
    return J;
  const InvocationStats &S = Invocations[Index - 1];
  J["fds_opened"] = S.FdsOpened;
  J["fds_closed"] = S.FdsClosed;
  J["fds_open_after"] = S.FdsOpenAfter;
  J["connections_opened"] = nlohmann::json::array();
  for (auto &C : S.ConnectionsOpened)
    J["connections_opened"].push_back({{"peer", C.Peer}, {"site", C.Site}});
  J["dns_lookups"] = S.DnsLookups;
  J["blocked_past_deadline"] = nlohmann::json::array();
  for (auto &B : S.BlockedPastDeadline)
    J["blocked_past_deadline"].push_back({{"call", B.Call},
                                          {"site", B.Site},
                                          {"blocked_ms", B.BlockedMs},
                                          {"tid", B.Tid},
                                          {"stack", B.Stack}});
  return J;
}

nlohmann::json Analysis::shutdownJson() const {
  nlohmann::json J = nlohmann::json::object();
  J["open_fds"] = nlohmann::json::array();
  for (auto &F : OpenAtSigterm)
    if (!F.RuntimeApi)
      J["open_fds"].push_back(fdJson(F));
  if (SawSigkill) {
    J["open_fds_at_sigkill"] = nlohmann::json::array();
    for (auto &F : OpenAtSigkill)
      if (!F.RuntimeApi)
        J["open_fds_at_sigkill"].push_back(fdJson(F));
  }
  return J;
}

nlohmann::json Analysis::toJson() const {
  nlohmann::json J;
  J["fd_limit"] = FdLimit;
  J["processes"] = nlohmann::json::array();
  for (auto &P : Processes)
    J["processes"].push_back({{"pid", P.Header.pid},
                              {"ppid", P.Header.ppid},
                              {"exe", P.Header.exe},
                              {"forked", P.forked()},
                              {"records", P.Records.size()},
                              {"dropped", P.Header.dropped},
                              {"main", &P == Main}});
  J["invocations"] = nlohmann::json::array();
  for (auto &S : Invocations) {
    auto I = invocationJson(S.Index);
    I["index"] = S.Index;
    J["invocations"].push_back(I);
  }
  J["fds_per_invocation"] = FdsPerInvocation;
  J["emfile_projected_at"] = EmfileAt ? nlohmann::json(*EmfileAt) : nlohmann::json(nullptr);
  J["leak_sites"] = nlohmann::json::array();
  for (auto &L : LeakSites)
    J["leak_sites"].push_back({{"site", L.Site}, {"kind", L.Kind}, {"per_invocation", L.PerInvocation}, {"count", L.Count}});
  J["connection_sites"] = nlohmann::json::array();
  for (auto &C : ConnectionSites)
    J["connection_sites"].push_back({{"peer", C.Peer}, {"site", C.Site}, {"per_invocation", C.PerInvocation}});
  J["open_at_exit"] = nlohmann::json::array();
  for (auto &F : OpenAtExit)
    J["open_at_exit"].push_back(fdJson(F));
  if (SawSigterm)
    J["shutdown"] = shutdownJson();
  J["deadline_stacks"] = nlohmann::json::array();
  for (auto &B : DeadlineStacks)
    J["deadline_stacks"].push_back({{"call", B.Call}, {"site", B.Site}, {"blocked_ms", B.BlockedMs}, {"tid", B.Tid}, {"stack", B.Stack}});
  J["fds_opened_total"] = TotalOpened;
  J["fds_closed_total"] = TotalClosed;
  J["records_dropped"] = Dropped;
  J["warnings"] = Warnings;
  return J;
}

static std::string withCommas(uint64_t V) {
  std::string S = std::to_string(V);
  for (int I = int(S.size()) - 3; I > 0; I -= 3)
    S.insert(size_t(I), ",");
  return S;
}

static std::string fmtRate(double R) {
  char B[32];
  snprintf(B, sizeof B, "%s%.1f", R >= 0 ? "+" : "", R);
  return B;
}

std::vector<std::string> Analysis::summaryLines() const {
  std::vector<std::string> L;
  if (!Invocations.empty()) {
    std::string EM = EmfileAt ? "; EMFILE projected at invocation " + withCommas(*EmfileAt) : "";
    if (LeakSites.empty() && FdsPerInvocation > 0.05)
      L.push_back(fmtRate(FdsPerInvocation) + " fd/invocation" + EM);
    bool First = true;
    for (auto &S : LeakSites) {
      L.push_back(fmtRate(S.PerInvocation) + " fd/invocation from " + S.Site + (First ? EM : ""));
      First = false;
    }
    if (LeakSites.empty() && FdsPerInvocation <= 0.05)
      L.push_back("0 fd growth per invocation after warm-up (" + std::to_string(Invocations.back().FdsOpenAfter) +
                  " open)");
    for (auto &C : ConnectionSites) {
      char B[32];
      snprintf(B, sizeof B, "%g", std::round(C.PerInvocation * 10) / 10);
      L.push_back(std::string(B) + " new connection" + (C.PerInvocation == 1.0 ? "" : "s") +
                  " per invocation to " + C.Peer + " from " + C.Site);
    }
    int Dns = 0;
    for (auto &S : Invocations)
      Dns += S.DnsLookups;
    if (Dns)
      L.push_back(std::to_string(Dns) + " DNS lookups in " + std::to_string(Invocations.size()) + " invocations");
    for (auto &S : Invocations)
      for (auto &B : S.BlockedPastDeadline)
        L.push_back("invocation " + std::to_string(S.Index) + " still blocked at the deadline in " + B.Call +
                    (B.BlockedMs >= 0 ? " for " + std::to_string(B.BlockedMs) + " ms" : "") + " at " + B.Site);
  } else {
    L.push_back(std::to_string(TotalOpened) + " fds opened, " + std::to_string(TotalClosed) + " closed, " +
                std::to_string(OpenAtExit.size()) + " open at exit");
    std::map<std::string, int> BySite;
    for (auto &F : OpenAtExit)
      if (F.Invocation || !F.Site.empty())
        ++BySite[F.Site + " (" + F.Kind + ")"];
    for (auto &[S, N] : BySite)
      L.push_back("  " + std::to_string(N) + " open at exit from " + S);
  }
  if (SawSigterm) {
    // One line per (kind, peer, site): a leak per invocation is one line
    // with a count, not one line per descriptor.
    const char *When = SawSigkill && OpenAtSigkill.empty() ? "at shutdown" : "at SIGTERM";
    std::map<std::string, std::vector<int>> Groups;
    std::vector<std::string> Order;
    for (auto &F : OpenAtSigterm)
      if (!F.RuntimeApi && F.Kind != "unknown" && !F.Site.empty()) {
        std::string Key = F.Kind + (F.Peer.empty() ? "" : " " + F.Peer) + " from " + F.Site;
        if (!Groups.count(Key))
          Order.push_back(Key);
        Groups[Key].push_back(F.Fd);
      }
    for (const std::string &Key : Order) {
      const std::vector<int> &Fds = Groups[Key];
      if (Fds.size() == 1)
        L.push_back(std::string("open ") + When + ": fd " + std::to_string(Fds[0]) + " " + Key);
      else
        L.push_back(std::string("open ") + When + ": " + std::to_string(Fds.size()) + " fds " + Key);
    }
    if (Order.empty())
      L.push_back(std::string("nothing the function opened was still open ") + When);
  }
  if (Dropped)
    L.push_back("warning: " + std::to_string(Dropped) + " ledger records dropped (raise SERVERLESS_SHIM_CAPACITY)");
  return L;
}

std::optional<Analysis> analyzeLedgerDir(const std::string &Dir, const AnalysisOptions &Opts, std::string *Err) {
  Analysis A;
  DIR *D = opendir(Dir.c_str());
  if (!D) {
    if (Err)
      *Err = "cannot open ledger directory " + Dir;
    return std::nullopt;
  }
  std::vector<std::string> Files;
  // maps.<stem>.<k>.txt present, per stem: a ledger's maps_count is only an
  // upper bound (a corrupt header may claim billions).
  std::map<std::string, std::vector<uint32_t>> MapsFiles;
  while (dirent *E = readdir(D)) {
    std::string N = E->d_name;
    if (N.rfind("ledger.", 0) == 0 && N.size() > 11 && N.compare(N.size() - 4, 4, ".bin") == 0)
      Files.push_back(N);
    if (N.rfind("maps.", 0) == 0 && N.size() > 9 && N.compare(N.size() - 4, 4, ".txt") == 0) {
      std::string Rest = N.substr(5, N.size() - 9); // <stem>.<k>
      size_t Dot = Rest.rfind('.');
      if (Dot != std::string::npos && Dot + 1 < Rest.size() && Rest.size() - Dot <= 10 &&
          Rest.find_first_not_of("0123456789", Dot + 1) == std::string::npos)
        MapsFiles[Rest.substr(0, Dot)].push_back(uint32_t(std::stoul(Rest.substr(Dot + 1))));
    }
  }
  closedir(D);
  std::sort(Files.begin(), Files.end());
  for (auto &N : Files) {
    ProcessLedger P;
    P.File = Dir + "/" + N;
    // The file is sparse and sized for the capacity: read the header, then
    // only the records the cursor says were written.
    std::ifstream In(P.File, std::ios::binary);
    if (!In || !In.read(reinterpret_cast<char *>(&P.Header), sizeof(ShimLedgerHeader)))
      continue;
    if (P.Header.magic != SHIM_LEDGER_MAGIC || P.Header.record_size != SHIM_RECORD_SIZE) {
      A.Warnings.push_back("not a ledger: " + P.File);
      continue;
    }
    P.Header.exe[sizeof(P.Header.exe) - 1] = 0;
    uint64_t N2 = std::min<uint64_t>(P.Header.cursor, P.Header.capacity);
    // No more than the file holds (a corrupt cursor may be anything).
    In.seekg(0, std::ios::end);
    uint64_t FileSize = std::max<int64_t>(0, int64_t(In.tellg()));
    In.clear();
    N2 = std::min<uint64_t>(N2, FileSize > SHIM_LEDGER_HEADER_SIZE
                                    ? (FileSize - SHIM_LEDGER_HEADER_SIZE) / SHIM_RECORD_SIZE
                                    : 0);
    std::string Data(N2 * SHIM_RECORD_SIZE, '\0');
    In.seekg(SHIM_LEDGER_HEADER_SIZE);
    In.read(Data.data(), std::streamsize(Data.size()));
    N2 = uint64_t(In.gcount()) / SHIM_RECORD_SIZE;
    P.Records.reserve(N2);
    for (uint64_t I = 0; I < N2; ++I) {
      ShimRecord R;
      memcpy(&R, Data.data() + I * SHIM_RECORD_SIZE, sizeof R);
      if (R.commit != SHIM_RECORD_COMMITTED) {
        ++P.Torn;
        continue;
      }
      P.Records.push_back(R);
    }
    A.Dropped += P.Header.dropped;
    // maps.<pid>.<start>.<k>.txt, newest first so dlopen'd objects win.
    std::string Stem = N.substr(7, N.size() - 11);
    std::vector<uint32_t> &Ks = MapsFiles[Stem];
    std::sort(Ks.rbegin(), Ks.rend());
    for (uint32_t K : Ks) {
      if (K >= P.Header.maps_count)
        continue;
      std::string Text;
      if (readFile(Dir + "/maps." + Stem + "." + std::to_string(K) + ".txt", Text)) {
        auto M = parseMaps(Text);
        P.Maps.insert(P.Maps.end(), M.begin(), M.end());
      }
    }
    A.Processes.push_back(std::move(P));
  }
  if (A.Processes.empty()) {
    if (Err)
      *Err = "no ledger in " + Dir;
    return std::nullopt;
  }
  std::stable_sort(A.Processes.begin(), A.Processes.end(), [](const ProcessLedger &X, const ProcessLedger &Y) {
    return X.Header.start_mono_ns < Y.Header.start_mono_ns;
  });
  for (auto &P : A.Processes)
    if (Opts.MainPid ? P.Header.pid == Opts.MainPid && !P.forked() : !P.forked()) {
      A.Main = &P; // the last image of that pid (after exec) is the function
      if (!Opts.MainPid)
        break;
    }
  if (!A.Main)
    A.Main = &A.Processes.front();
  const ProcessLedger &P = *A.Main;
  A.FdLimit = Opts.FdLimit ? Opts.FdLimit : (P.Header.fd_limit && P.Header.fd_limit < 1u << 20 ? P.Header.fd_limit : 1024);

  Analyzer Z(A, Opts);
  Z.symbolizeAll();

  // Invocation count.
  uint64_t MaxInv = 0;
  for (auto &R : P.Records)
    if (SHIM_STATE_PHASE(R.state) >= SHIM_PHASE_INVOKE && SHIM_STATE_PHASE(R.state) <= SHIM_PHASE_IDLE)
      MaxInv = std::max<uint64_t>(MaxInv, SHIM_STATE_INV(R.state));
  // Without the count from the caller (serverless-shim-report), the records
  // say: bounded, so that a corrupt record cannot ask for billions of rows.
  constexpr uint64_t MaxRecordedInvocations = 10000;
  if (!Opts.Invocations && MaxInv > MaxRecordedInvocations) {
    A.Warnings.push_back("invocation numbers up to " + std::to_string(MaxInv) +
                         " in the records; only the first " +
                         std::to_string(MaxRecordedInvocations) +
                         " are analysed (give the count with --invocations)");
    MaxInv = MaxRecordedInvocations;
  }
  uint64_t NInv = Opts.Invocations ? Opts.Invocations : MaxInv;
  A.Invocations.resize(NInv);
  for (uint64_t I = 0; I < NInv; ++I)
    A.Invocations[I].Index = I + 1;

  // Replay.
  std::map<int, LiveFd> Live;
  std::map<int, size_t> RuntimeFds;
  uint64_t SnapInv = 1; // next invocation whose end we snapshot
  const uint64_t TermState = ~uint64_t(0);
  auto countLive = [&]() { return int(Live.size()); };
  auto snapshotUpTo = [&](uint64_t State) {
    // Every invocation N whose INVOKE phase ended before State.
    while (SnapInv <= NInv && SHIM_STATE(SnapInv, SHIM_PHASE_INVOKE) < State) {
      A.Invocations[SnapInv - 1].FdsOpenAfter = countLive();
      ++SnapInv;
    }
  };
  auto toList = [&]() {
    std::vector<LiveFd> V;
    for (auto &[Fd, F] : Live)
      V.push_back(F);
    return V;
  };
  uint64_t LastState = 0;
  uint64_t InvokeStartNs = 0;
  std::set<std::pair<uint64_t, int>> SeenStack;
  for (size_t Idx = 0; Idx < P.Records.size(); ++Idx) {
    const ShimRecord &R = P.Records[Idx];
    uint64_t St = R.state;
    if (St < LastState)
      St = LastState; // a record written by a thread that read the page just before a change
    if (!A.SawSigterm && SHIM_STATE_PHASE(St) >= SHIM_PHASE_SHUTDOWN && SHIM_STATE_PHASE(St) != 0) {
      A.SawSigterm = true;
      A.OpenAtSigterm = toList();
    }
    if (!A.SawSigkill && SHIM_STATE_PHASE(St) == SHIM_PHASE_KILLED) {
      A.SawSigkill = true;
      A.OpenAtSigkill = toList();
    }
    snapshotUpTo(St);
    if (SHIM_STATE_PHASE(St) == SHIM_PHASE_INVOKE && SHIM_STATE_PHASE(LastState) != SHIM_PHASE_INVOKE)
      InvokeStartNs = R.mono_ns;
    LastState = St;
    uint64_t Inv = SHIM_STATE_INV(St);
    bool InInvoke = SHIM_STATE_PHASE(St) == SHIM_PHASE_INVOKE && Inv >= 1 && Inv <= NInv;
    InvocationStats *S = InInvoke ? &A.Invocations[Inv - 1] : nullptr;
    switch (R.type) {
    case SHIM_REC_INHERITED:
    case SHIM_REC_ACQUIRE: {
      LiveFd F;
      F.Fd = R.fd;
      F.Kind = kindName(R.kind);
      F.Call = R.type == SHIM_REC_INHERITED ? "inherited" : callName(R.call);
      F.Peer = formatPeer(R);
      F.Invocation = Inv;
      F.Phase = SHIM_STATE_PHASE(St);
      F.RecordIndex = Idx;
      if (R.type == SHIM_REC_ACQUIRE) {
        F.Site = Z.site(P, R);
        ++A.TotalOpened;
        if (S)
          ++S->FdsOpened;
        if ((R.call == SHIM_CALL_dup || R.call == SHIM_CALL_dup2 || R.call == SHIM_CALL_dup3) && Live.count(R.fd2)) {
          const LiveFd &Src = Live[R.fd2];
          F.Kind = Src.Kind;
          F.Peer = Src.Peer;
          F.RuntimeApi = Src.RuntimeApi;
        }
      }
      Live[R.fd] = F;
      break;
    }
    case SHIM_REC_RELEASE: {
      int Last = R.fd2 >= R.fd ? R.fd2 : R.fd;
      for (auto It = Live.lower_bound(R.fd); It != Live.end() && It->first <= Last;) {
        ++A.TotalClosed;
        if (S)
          ++S->FdsClosed;
        It = Live.erase(It);
      }
      break;
    }
    case SHIM_REC_CONNECT: {
      auto It = Live.find(R.fd);
      std::string Peer = formatPeer(R);
      bool Ok = R.err == 0;
      if (It != Live.end()) {
        It->second.Peer = Peer;
        if (R.flags & SHIM_FLAG_RUNTIME_API)
          It->second.RuntimeApi = true;
      }
      if (Ok && S && !(R.flags & SHIM_FLAG_RUNTIME_API))
        S->ConnectionsOpened.push_back({Peer, Z.site(P, R)});
      break;
    }
    case SHIM_REC_DNS:
      if (S)
        ++S->DnsLookups;
      break;
    case SHIM_REC_STACK: {
      BlockedCall B;
      B.Tid = R.tid;
      B.Site = Z.site(P, R, &B.Stack);
      if (R.call) {
        B.Call = callName(R.call);
        B.BlockedMs = R.aux;
      } else {
        B.Call = Z.topFunction(P, R);
        B.BlockedMs = -1;
      }
      A.DeadlineStacks.push_back(B);
      // One entry per thread per invocation: the emulator's request and the
      // shim's own deadline capture may both have fired.
      if (S && Z.hasUserFrame(P, R) && SeenStack.insert({Inv, R.tid}).second) {
        if (B.BlockedMs < 0 && InvokeStartNs && R.mono_ns > InvokeStartNs)
          B.BlockedMs = -1; // unknown: not in an interposed call
        S->BlockedPastDeadline.push_back(B);
      }
      break;
    }
    default:
      break;
    }
  }
  snapshotUpTo(TermState);
  A.OpenAtExit = toList();
  if (Opts.Sigterm && !A.SawSigterm) {
    A.SawSigterm = true;
    A.OpenAtSigterm = A.OpenAtExit;
  }
  if (Opts.Sigkill && !A.SawSigkill) {
    A.SawSigkill = true;
    A.OpenAtSigkill = A.OpenAtExit;
  }

  // Growth after warm-up, leak sites, connection sites.
  int W = std::max(0, Opts.WarmupInvocations);
  if (NInv >= uint64_t(W) + 2) {
    // Least-squares slope of fds_open_after over invocations W+1..N.
    double N = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
    for (uint64_t I = W; I < NInv; ++I) {
      double X = double(I + 1), Y = A.Invocations[I].FdsOpenAfter;
      N += 1, Sx += X, Sy += Y, Sxx += X * X, Sxy += X * Y;
    }
    double Den = N * Sxx - Sx * Sx;
    A.FdsPerInvocation = Den != 0 ? (N * Sxy - Sx * Sy) / Den : 0;
    if (std::fabs(A.FdsPerInvocation) < 1e-9)
      A.FdsPerInvocation = 0;
    uint64_t Span = NInv - uint64_t(W);
    int Last = A.Invocations.back().FdsOpenAfter;
    if (A.FdsPerInvocation > 0.05 && uint64_t(Last) < A.FdLimit)
      A.EmfileAt = NInv + uint64_t(std::ceil((double(A.FdLimit) - Last) / A.FdsPerInvocation));
    // Leak sites: still open at the end of the last invocation, acquired in
    // an invocation after warm-up.
    std::map<std::pair<std::string, std::string>, int> Sites;
    std::vector<LiveFd> AtEnd;
    {
      // Re-derive the table at the end of the last invocation.
      std::map<int, LiveFd> L2;
      uint64_t Limit = SHIM_STATE(NInv, SHIM_PHASE_INVOKE);
      uint64_t Prev = 0;
      for (size_t Idx = 0; Idx < P.Records.size(); ++Idx) {
        const ShimRecord &R = P.Records[Idx];
        uint64_t St = std::max(R.state, Prev);
        Prev = St;
        if (St > Limit)
          break;
        if (R.type == SHIM_REC_ACQUIRE || R.type == SHIM_REC_INHERITED) {
          LiveFd F;
          F.Fd = R.fd;
          F.Kind = kindName(R.kind);
          F.Invocation = SHIM_STATE_INV(St);
          F.Phase = SHIM_STATE_PHASE(St);
          F.RecordIndex = Idx;
          F.Call = R.type == SHIM_REC_ACQUIRE ? "acquire" : "inherited";
          L2[R.fd] = F;
        } else if (R.type == SHIM_REC_RELEASE) {
          int Lst = R.fd2 >= R.fd ? R.fd2 : R.fd;
          for (auto It = L2.lower_bound(R.fd); It != L2.end() && It->first <= Lst;)
            It = L2.erase(It);
        } else if (R.type == SHIM_REC_CONNECT && (R.flags & SHIM_FLAG_RUNTIME_API)) {
          auto It = L2.find(R.fd);
          if (It != L2.end())
            It->second.RuntimeApi = true;
        }
      }
      for (auto &[Fd, F] : L2)
        if (F.Call == "acquire" && F.Phase == SHIM_PHASE_INVOKE && F.Invocation > uint64_t(W) && !F.RuntimeApi)
          ++Sites[{Z.site(P, P.Records[F.RecordIndex]), F.Kind}];
    }
    for (auto &[K, C] : Sites)
      A.LeakSites.push_back({K.first, K.second, double(C) / double(Span), C});
    std::sort(A.LeakSites.begin(), A.LeakSites.end(),
              [](const LeakSite &X, const LeakSite &Y) { return X.Count > Y.Count; });
  }
  {
    std::map<std::pair<std::string, std::string>, int> Conns;
    uint64_t From = NInv > uint64_t(W) ? uint64_t(W) : 0;
    for (uint64_t I = From; I < NInv; ++I)
      for (auto &C : A.Invocations[I].ConnectionsOpened)
        ++Conns[{C.Peer, C.Site}];
    uint64_t Span = NInv - From;
    for (auto &[K, C] : Conns)
      if (Span && double(C) / double(Span) >= 0.5)
        A.ConnectionSites.push_back({K.first, K.second, double(C) / double(Span)});
  }
  return A;
}

} // namespace serverless::shim
