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
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <set>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

#ifdef SERVERLESS_LEDGER_LLVM_SYMBOLIZER
#include <llvm/DebugInfo/DIContext.h>
#include <llvm/DebugInfo/Symbolize/Symbolize.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/Error.h>
#include <memory>
#endif

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

/// One frame of a PC's inline chain as the symbolizer gave it.
struct LineFrame {
  std::string File, Function;
  int Line = 0, Column = 0;
};

struct Symbolizer {
  std::string Tool; // the subprocess fallback (no LLVM library linked)
  // (object, vaddr) -> the PC's frames, innermost (inlined) first
  std::map<std::pair<std::string, uint64_t>, std::vector<LineFrame>> Cache;
  std::map<std::string, bool> IsExec;
#ifdef SERVERLESS_LEDGER_LLVM_SYMBOLIZER
  std::unique_ptr<llvm::symbolize::LLVMSymbolizer> Lib;
#endif

  bool available() const {
#ifdef SERVERLESS_LEDGER_LLVM_SYMBOLIZER
    return true;
#else
    return !Tool.empty();
#endif
  }

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

  static std::string clean(const std::string &S) {
    return S == "<invalid>" || S == "??" ? std::string() : S;
  }
  // "/usr/lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/future" ->
  // "/usr/include/c++/12/future".
  static std::string cleanPath(const std::string &S) {
    std::string C = clean(S);
    if (C.empty() || C.find("/.") == std::string::npos)
      return C;
    return std::filesystem::path(C).lexically_normal().string();
  }

  void run(const std::string &Obj, const std::vector<uint64_t> &Addrs) {
    if (Addrs.empty())
      return;
#ifdef SERVERLESS_LEDGER_LLVM_SYMBOLIZER
    if (!Lib) {
      llvm::symbolize::LLVMSymbolizer::Options O;
      O.PrintFunctions = llvm::DILineInfoSpecifier::FunctionNameKind::LinkageName;
      O.Demangle = true;
      O.UseSymbolTable = true;
      O.RelativeAddresses = false;
      Lib = std::make_unique<llvm::symbolize::LLVMSymbolizer>(O);
    }
    for (uint64_t A : Addrs) {
      auto R = Lib->symbolizeInlinedCode(
          Obj, {A, llvm::object::SectionedAddress::UndefSection});
      std::vector<LineFrame> &V = Cache[{Obj, A}];
      if (!R) {
        llvm::consumeError(R.takeError());
        continue;
      }
      for (uint32_t I = 0; I < R->getNumberOfFrames(); ++I) {
        const llvm::DILineInfo &L = R->getFrame(I);
        V.push_back({cleanPath(L.FileName), clean(L.FunctionName), int(L.Line), int(L.Column)});
      }
    }
#else
    runTool(Obj, Addrs);
#endif
  }

  void runTool(const std::string &Obj, const std::vector<uint64_t> &Addrs) {
    if (Tool.empty())
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
    std::string Cmd = Quote(Tool) + " --output-style=JSON --inlines --functions=linkage --demangle --obj=" +
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
        std::vector<LineFrame> &V = Cache[{Obj, Addrs[I++]}];
        if (J.contains("Symbol") && J["Symbol"].is_array())
          for (const auto &S : J["Symbol"])
            if (S.is_object())
              V.push_back({cleanPath(S.value("FileName", "")), clean(S.value("FunctionName", "")),
                           S.value("Line", 0), S.value("Column", 0)});
      }
    }
    unlink(Tmp);
  }
};

std::string baseName(const std::string &P) { return P.substr(P.rfind('/') + 1); }

std::string shortFunction(std::string F) {
  // "ns::handler(aws::lambda_runtime::invocation_request const&)" -> "ns::handler";
  // "(anonymous namespace)::handler(int)" -> "(anonymous namespace)::handler".
  if (F.find("operator()") != std::string::npos)
    return F.substr(0, F.find("operator()") + 10);
  static const std::string Anon = "(anonymous namespace)";
  size_t Depth = 0;
  for (size_t I = 0; I < F.size(); ++I) {
    if (F.compare(I, Anon.size(), Anon) == 0) {
      I += Anon.size() - 1;
      continue;
    }
    if (F[I] == '<' || F[I] == '{')
      ++Depth;
    else if ((F[I] == '>' || F[I] == '}') && Depth)
      --Depth;
    else if (F[I] == '(' && !Depth && I > 0) {
      F = F.substr(0, I);
      break;
    }
  }
  // A function template's demangled name starts with its return type:
  // "void std::this_thread::sleep_for<long, ...>" -> "std::this_thread::sleep_for<long, ...>".
  Depth = 0;
  size_t Cut = std::string::npos;
  for (size_t I = 0; I < F.size(); ++I) {
    if (F.compare(I, Anon.size(), Anon) == 0) {
      I += Anon.size() - 1;
      continue;
    }
    if (F[I] == '<' || F[I] == '{' || F[I] == '(')
      ++Depth;
    else if ((F[I] == '>' || F[I] == '}' || F[I] == ')') && Depth)
      --Depth;
    else if (F[I] == ' ' && !Depth)
      Cut = I;
  }
  return Cut == std::string::npos ? F : F.substr(Cut + 1);
}

/// Source files of the toolchain and the system (a libstdc++ header inlined
/// into the user's binary is not the user's line).
bool isSystemSource(const std::string &F) {
  static const char *Prefixes[] = {"/usr/include/", "/usr/lib/", "/usr/local/lib/gcc", "/usr/src/"};
  for (const char *Pre : Prefixes)
    if (F.rfind(Pre, 0) == 0)
      return true;
  return false;
}

bool isLibraryFunction(const std::string &Fn) {
  static const char *Prefixes[] = {"std::", "__gnu_cxx::", "__cxxabiv1::", "__", "void std::",
                                   "_GLOBAL__"};
  for (const char *Pre : Prefixes)
    if (Fn.rfind(Pre, 0) == 0)
      return true;
  return false;
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
    if (!Sym.available()) {
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

  // Frame I of R, its inline chain expanded: innermost (inlined) first.
  std::vector<SymbolizedFrame> frames(const ProcessLedger &P, const ShimRecord &R, int I) {
    auto Loc = locate(P, R, I);
    std::vector<SymbolizedFrame> Out;
    auto It = Sym.Cache.find(Loc);
    std::string Fallback;
    {
      char B[40];
      if (Loc.first.empty())
        snprintf(B, sizeof B, "0x%llx", (unsigned long long)R.frames[I]);
      else
        snprintf(B, sizeof B, "+0x%llx", (unsigned long long)Loc.second);
      Fallback = Loc.first.empty() ? std::string(B) : baseName(Loc.first) + B;
    }
    if (It != Sym.Cache.end())
      for (size_t K = 0; K < It->second.size(); ++K) {
        const LineFrame &L = It->second[K];
        SymbolizedFrame F;
        F.Pc = R.frames[I];
        F.ObjectPath = Loc.first;
        F.Function = L.Function;
        F.File = L.File;
        F.Line = L.Line;
        F.Column = L.Column;
        F.Inlined = K + 1 < It->second.size();
        F.Object = F.File.empty() ? Fallback : Loc.first;
        Out.push_back(F);
      }
    if (Out.empty()) {
      SymbolizedFrame F;
      F.Pc = R.frames[I];
      F.ObjectPath = Loc.first;
      F.Object = Fallback;
      Out.push_back(F);
    }
    return Out;
  }

  std::vector<SymbolizedFrame> stack(const ProcessLedger &P, const ShimRecord &R) {
    std::vector<SymbolizedFrame> Out;
    for (int I = 0; I < R.nframes && I < SHIM_MAX_FRAMES; ++I)
      for (auto &F : frames(P, R, I))
        Out.push_back(std::move(F));
    return Out;
  }

  bool userObject(const ProcessLedger &P, const std::string &Obj) const {
    return !Obj.empty() && (Obj == std::string(P.Header.exe) || !isSystemObject(Obj)) &&
           !isRuntimeObject(Obj);
  }

  // The user's frame among expanded frames: in a user object, not a system
  // header's line, not a library function without a line.
  bool userFrame(const ProcessLedger &P, const SymbolizedFrame &F) const {
    if (!userObject(P, F.ObjectPath))
      return false;
    if (!F.File.empty())
      return !isSystemSource(F.File);
    return F.Function.empty() || !isLibraryFunction(F.Function);
  }

  // The site of a record: the first frame in the function's own code (the main
  // executable or a non-system object; inlined frames included, system
  // headers' lines skipped), else the first frame outside the C/C++ runtime,
  // else the first frame.
  SiteInfo where(const ProcessLedger &P, const ShimRecord &R, std::vector<std::string> *Full = nullptr) {
    SiteInfo W;
    auto S = stack(P, R);
    if (Full)
      for (auto &F : S)
        Full->push_back(F.text());
    if (S.empty())
      return W;
    size_t Pick = S.size();
    for (size_t I = 0; I < S.size() && Pick == S.size(); ++I)
      if (userFrame(P, S[I]))
        Pick = I;
    for (size_t I = 0; I < S.size() && Pick == S.size(); ++I)
      if (!S[I].ObjectPath.empty() && !isRuntimeObject(S[I].ObjectPath))
        Pick = I;
    if (Pick == S.size())
      Pick = 0;
    const SymbolizedFrame &F = S[Pick];
    W.Path = F.File;
    W.Line = F.Line;
    W.Column = F.Column;
    W.Function = F.Function;
    W.Object = F.ObjectPath;
    W.DebugInfo = !F.File.empty() && F.Line > 0;
    for (auto &G : S)
      if (G.Pc == F.Pc)
        W.Inline.push_back(G);
    // The call the user's frame made: the next frame inward with a name.
    for (size_t I = Pick; I-- > 0;)
      if (!S[I].Function.empty()) {
        W.Entry = shortFunction(S[I].Function);
        break;
      }
    if (!W.DebugInfo && userObject(P, F.ObjectPath))
      NoDebug.insert(F.ObjectPath);
    return W;
  }

  std::string site(const ProcessLedger &P, const ShimRecord &R, std::vector<std::string> *Full = nullptr) {
    return siteText(where(P, R, Full));
  }
  std::string siteText(const SiteInfo &W) {
    if (W.Inline.empty())
      return "";
    for (auto &F : W.Inline)
      if (F.File == W.Path && F.Line == W.Line && F.Function == W.Function)
        return F.text();
    return W.Inline.back().text();
  }

  /// The Runtime API client owning a descriptor made at \p W, or "".
  static std::string runtimeClientOf(const SiteInfo &W) { return shim::runtimeClientOf(W); }

  std::string topFunction(const ProcessLedger &P, const ShimRecord &R) {
    for (auto &F : stack(P, R))
      if (!F.Function.empty())
        return shortFunction(F.Function);
    return "?";
  }

  bool hasUserFrame(const ProcessLedger &P, const ShimRecord &R) {
    for (int I = 0; I < R.nframes; ++I)
      if (userObject(P, locate(P, R, I).first))
        return true;
    return false;
  }

  Symbolizer Sym;
  std::set<std::string> NoDebug;

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

const std::vector<RuntimeClientSignature> &runtimeClientSignatures() {
  // The first frame in the user's code that made the descriptor is one of
  // the client's own functions: the `next`/response connection (curl's
  // socket), libcurl's internal wakeup socket pair, made inside get_next and
  // the posts. The handler is called from run_handler, so a descriptor the
  // handler makes has the handler (or a function it calls) as that frame.
  static const std::vector<RuntimeClientSignature> Sigs = {
      {"aws-lambda-cpp", "aws::lambda_runtime::runtime::",
       "the Runtime API connection and libcurl's wakeup socket pair (runtime::get_next, "
       "runtime::post_success, runtime::post_failure, runtime::do_post)"},
      // Node.js (npm aws-lambda-ric, whose native client is aws-lambda-cpp
      // with its own libcurl: its connection is recognised as the Runtime
      // API's): libuv's own descriptors, made inside the node executable
      // (libuv is linked into it) by functions that only libuv's machinery
      // calls. A handler's sockets and files come from other libuv functions
      // (uv__fs_open, uv__socket, uv_pipe_connect...) and stay the user's.
      {"aws-lambda-ric (Node.js/libuv)", "uv__platform_loop_init",
       "each event loop's epoll descriptor", "node", true},
      {"aws-lambda-ric (Node.js/libuv)", "uv__async_start",
       "each event loop's wakeup eventfd (uv_async)", "node", true},
      {"aws-lambda-ric (Node.js/libuv)", "uv_pipe",
       "libuv's signal pipes (the process-wide lock pipe, each loop's signal pipe); JavaScript "
       "cannot make an anonymous pipe itself",
       "node", true},
      {"aws-lambda-ric (Node.js/libuv)", "uv__open_cloexec",
       "the spare descriptor each loop keeps for EMFILE (/dev/null, uv__stream_init); "
       "fs.open goes through uv__fs_open",
       "node", true},
  };
  return Sigs;
}

static std::string objectBase(const std::string &Path) {
  return Path.substr(Path.rfind('/') + 1);
}

std::string runtimeClientOf(const SiteInfo &W) {
  for (const auto &Sig : runtimeClientSignatures()) {
    bool Name = Sig.Exact ? W.Function == Sig.FunctionPrefix
                          : W.Function.rfind(Sig.FunctionPrefix, 0) == 0;
    if (!Name)
      continue;
    if (Sig.Object) {
      std::string Base = objectBase(W.Object);
      if (Base != Sig.Object && Base != std::string(Sig.Object) + "js")
        continue;
    }
    return Sig.Client;
  }
  return "";
}

bool isRuntimeClientObject(const std::string &Path) {
  std::string Base = objectBase(Path);
  return Base == "node" || Base == "nodejs" || Base == "rapid-client.node";
}

nlohmann::json SiteInfo::toJson() const {
  auto Frame = [](const std::string &Path, int Line, int Column, const std::string &Fn) {
    nlohmann::json J = {{"path", Path.empty() ? nlohmann::json(nullptr) : nlohmann::json(Path)},
                        {"line", Line > 0 ? nlohmann::json(Line) : nlohmann::json(nullptr)},
                        {"column", Column > 0 ? nlohmann::json(Column) : nlohmann::json(nullptr)},
                        {"function", Fn.empty() ? nlohmann::json(nullptr) : nlohmann::json(Fn)}};
    return J;
  };
  nlohmann::json J = Frame(Path, Line, Column, Function);
  J["object"] = Object.empty() ? nlohmann::json(nullptr) : nlohmann::json(Object);
  J["debug_info"] = DebugInfo;
  J["inline_chain"] = nlohmann::json::array();
  for (const auto &F : Inline)
    J["inline_chain"].push_back(Frame(F.File, F.Line, F.Column, F.Function));
  if (!Entry.empty())
    J["entry"] = Entry;
  return J;
}

static nlohmann::json fdJson(const LiveFd &F) {
  nlohmann::json J = {{"fd", F.Fd}, {"kind", F.Kind}, {"peer", F.Peer}, {"site", F.Site}, {"call", F.Call},
                      {"invocation", F.Invocation}};
  if (!F.Where.Inline.empty())
    J["site_location"] = F.Where.toJson();
  if (!F.RuntimeClient.empty())
    J["runtime_client"] = F.RuntimeClient;
  return J;
}

static bool userFd(const LiveFd &F) { return !F.RuntimeApi && F.RuntimeClient.empty(); }

/// Opened in an invocation that timed out: held by the call in flight.
static bool inFlight(const Analysis &A, const LiveFd &F) {
  return F.Phase == SHIM_PHASE_INVOKE && F.Invocation >= 1 && F.Invocation <= A.Invocations.size() &&
         A.Invocations[F.Invocation - 1].TimedOut;
}

/// What was open at the first shutdown signal, less what a timed-out call
/// held (reported as in flight instead).
static std::vector<LiveFd> openAtShutdown(const Analysis &A) {
  std::vector<LiveFd> V;
  if (A.openFdsUnknown())
    return V; // the closes may be among the dropped records
  for (const auto &F : A.OpenAtSigterm)
    if (!inFlight(A, F))
      V.push_back(F);
  return V;
}

static nlohmann::json blockedJson(const BlockedCall &B) {
  nlohmann::json J = {{"call", B.Call},         {"site", B.Site}, {"blocked_ms", B.BlockedMs},
                      {"call_ms", B.CallMs},     {"tid", B.Tid},   {"stack", B.Stack}};
  if (!B.Where.Inline.empty()) {
    J["site_location"] = B.Where.toJson();
    if (!B.Where.Entry.empty())
      J["entry"] = B.Where.Entry;
  }
  return J;
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
  for (auto &C : S.ConnectionsOpened) {
    nlohmann::json CJ = {{"peer", C.Peer}, {"site", C.Site}};
    if (!C.Where.Inline.empty())
      CJ["site_location"] = C.Where.toJson();
    J["connections_opened"].push_back(CJ);
  }
  J["dns_lookups"] = S.DnsLookups;
  J["blocked_past_deadline"] = nlohmann::json::array();
  for (auto &B : S.BlockedPastDeadline)
    J["blocked_past_deadline"].push_back(blockedJson(B));
  if (S.TimedOut) {
    J["in_flight_at_timeout"] = nlohmann::json::array();
    for (auto &F : S.InFlightAtTimeout)
      J["in_flight_at_timeout"].push_back(fdJson(F));
  }
  if (S.Incomplete)
    J["ledger_incomplete"] = droppedText(); // the numbers above are lower bounds
  return J;
}

std::string Analysis::droppedText() const {
  std::string T = MainTorn == MainDropped
                      ? std::to_string(MainTorn) + " record(s) were being written when the process died"
                      : "the ledger dropped " + std::to_string(MainDropped) + " records";
  if (!Invocations.empty())
    T += LastCompleteInvocation ? " after invocation " + std::to_string(IndexLabels.count(LastCompleteInvocation)
                                                                            ? IndexLabels.at(LastCompleteInvocation)
                                                                            : int64_t(LastCompleteInvocation))
                                : " before the first invocation ended";
  return T;
}

nlohmann::json Analysis::shutdownJson() const {
  nlohmann::json J = nlohmann::json::object();
  J["open_fds"] = nlohmann::json::array();
  // Records were dropped before the signal: a descriptor's close may be
  // among them, so none is claimed open.
  if (openFdsUnknown())
    J["open_fds_unknown"] = droppedText();
  for (auto &F : OpenAtSigterm)
    if (userFd(F) && !openFdsUnknown()) {
      J["open_fds"].push_back(fdJson(F));
      if (inFlight(*this, F))
        J["open_fds"].back()["in_flight_at_timeout"] = true;
    }
  // Which signal "open_fds" was taken at: SIGKILL when no SIGTERM was sent.
  J["open_fds_at"] = SigtermSent ? "SIGTERM" : "SIGKILL";
  if (SawSigkill) {
    J["open_fds_at_sigkill"] = nlohmann::json::array();
    for (auto &F : OpenAtSigkill)
      if (userFd(F) && !openFdsUnknown())
        J["open_fds_at_sigkill"].push_back(fdJson(F));
  }
  return J;
}

nlohmann::json Analysis::toJson(bool WithInvocations) const {
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
                              {"torn", P.Torn},
                              {"ring", bool(P.Header.flags & SHIM_LEDGER_FLAG_RING)},
                              {"ring_waits", P.Header.ring_waits},
                              {"unwind_fallbacks", P.Header.unwind_slow},
                              {"unwind_mismatches", P.Header.unwind_mismatch},
                              {"main", &P == Main}});
  // Without them (the run document has its own invocations[]): one JSON
  // object per invocation would be built only to be thrown away.
  J["invocations"] = nlohmann::json::array();
  for (auto &S : Invocations) {
    if (!WithInvocations)
      break;
    auto I = invocationJson(S.Index);
    I["index"] = S.Index;
    J["invocations"].push_back(I);
  }
  J["fds_per_invocation"] = FdsPerInvocation;
  J["emfile_projected_at"] = EmfileAt ? nlohmann::json(*EmfileAt) : nlohmann::json(nullptr);
  J["leak_sites"] = nlohmann::json::array();
  for (auto &L : LeakSites) {
    nlohmann::json LJ = {{"site", L.Site}, {"kind", L.Kind}, {"per_invocation", L.PerInvocation}, {"count", L.Count}};
    if (!L.Where.Inline.empty())
      LJ["site_location"] = L.Where.toJson();
    J["leak_sites"].push_back(LJ);
  }
  J["connection_sites"] = nlohmann::json::array();
  for (auto &C : ConnectionSites) {
    nlohmann::json CJ = {{"peer", C.Peer}, {"site", C.Site}, {"per_invocation", C.PerInvocation}};
    if (!C.Where.Inline.empty())
      CJ["site_location"] = C.Where.toJson();
    J["connection_sites"].push_back(CJ);
  }
  J["open_at_exit"] = nlohmann::json::array();
  if (openFdsUnknown())
    J["open_at_exit_unknown"] = droppedText();
  for (auto &F : OpenAtExit)
    if (!openFdsUnknown() || !userFd(F))
      J["open_at_exit"].push_back(fdJson(F));
  J["runtime_client_fds"] = nlohmann::json::array();
  for (auto &F : RuntimeClientFds)
    J["runtime_client_fds"].push_back(fdJson(F));
  if (SawSigterm)
    J["shutdown"] = shutdownJson();
  J["deadline_stacks"] = nlohmann::json::array();
  for (auto &B : DeadlineStacks)
    J["deadline_stacks"].push_back(blockedJson(B));
  J["fds_opened_total"] = TotalOpened;
  J["fds_closed_total"] = TotalClosed;
  J["records_dropped"] = Dropped;
  if (MainTorn)
    J["records_torn"] = MainTorn;
  if (MainDropped)
    J["last_complete_invocation"] = LastCompleteInvocation;
  J["no_debug_info"] = NoDebugInfo;
  J["evidence"] = nlohmann::json::array();
  for (auto &E : evidence())
    J["evidence"].push_back({{"kind", E.Kind}, {"text", E.Text}});
  J["warnings"] = Warnings;
  if (!Spans.empty())
    J["shared_sites"] = sharedSitesJson(*this);
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

/// Descriptors grouped by (kind, peer, site): "fd 5 tcp 1.2.3.4:80 from x.c:3"
/// or "3 fds file /etc/hostname from x.c:3".
static std::vector<std::string> groupFds(const std::vector<LiveFd> &Fds) {
  std::map<std::string, std::vector<int>> Groups;
  std::vector<std::string> Order, Out;
  for (auto &F : Fds)
    if (userFd(F) && F.Kind != "unknown" && !F.Site.empty()) {
      std::string Key = F.Kind + (F.Peer.empty() ? "" : " " + F.Peer) + " from " + F.Site;
      if (!Groups.count(Key))
        Order.push_back(Key);
      Groups[Key].push_back(F.Fd);
    }
  for (const std::string &Key : Order) {
    const std::vector<int> &V = Groups[Key];
    Out.push_back(V.size() == 1 ? "fd " + std::to_string(V[0]) + " " + Key
                                : std::to_string(V.size()) + " fds " + Key);
  }
  return Out;
}

std::vector<Evidence> Analysis::evidence() const {
  std::vector<Evidence> E;
  if (!LeakSites.empty() || FdsPerInvocation > 0.05)
    E.push_back({"fd-growth", fmtRate(FdsPerInvocation) + " fd/invocation" +
                                  (LeakSites.empty() ? "" : " from " + LeakSites.front().Site)});
  if (EmfileAt)
    E.push_back({"emfile-projected", "EMFILE projected at invocation " + withCommas(*EmfileAt)});
  for (auto &C : ConnectionSites)
    E.push_back({"connection-per-invocation", "new connection per invocation to " + C.Peer + " from " + C.Site});
  for (auto &S : Invocations)
    for (auto &B : S.BlockedPastDeadline)
      E.push_back({"blocked-at-deadline", "invocation " + std::to_string(IndexLabels.count(S.Index) ? IndexLabels.at(S.Index) : int64_t(S.Index)) + " blocked at the deadline at " + B.Site});
  if (SawSigterm)
    for (auto &G : groupFds(openAtShutdown(*this)))
      E.push_back({"open-at-shutdown", std::string("open at ") + (SigtermSent ? "SIGTERM" : "SIGKILL") + ": " + G});
  sharedSitesEvidence(*this, E);
  return E;
}

std::vector<std::string> Analysis::summaryLines() const {
  std::vector<std::string> L;
  auto Label = [&](uint64_t Local) {
    auto It = IndexLabels.find(Local);
    return "invocation " + std::to_string(It == IndexLabels.end() ? int64_t(Local) : It->second);
  };
  if (!Invocations.empty()) {
    std::string EM = EmfileAt ? "; EMFILE projected at invocation " + withCommas(*EmfileAt) : "";
    if (LeakSites.empty() && FdsPerInvocation > 0.05)
      L.push_back(fmtRate(FdsPerInvocation) + " fd/invocation" + EM);
    bool First = true;
    for (auto &S : LeakSites) {
      L.push_back(fmtRate(S.PerInvocation) + " fd/invocation from " + S.Site + (First ? EM : ""));
      First = false;
    }
    // A rate needs invocations after warm-up that did not time out (their
    // descriptors are in flight, not open after): at least two.
    if (LeakSites.empty() && FdsPerInvocation <= 0.05) {
      uint64_t LastN = MainDropped ? LastCompleteInvocation : Invocations.size();
      if (GrowthMeasured && LastN)
        L.push_back("0 fd growth per invocation after warm-up (" +
                    std::to_string(Invocations[LastN - 1].FdsOpenAfter) + " open)");
      else
        L.push_back("fd growth not measured: " + std::to_string(Invocations.size()) +
                    " invocation(s), " + std::to_string(GrowthPoints) + " after warm-up without a timeout" +
                    (MainDropped ? " recorded whole" : "") + " (2 needed)");
    }
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
      L.push_back(std::to_string(Dns) + " DNS lookup" + (Dns == 1 ? "" : "s") + " in " +
                  std::to_string(Invocations.size()) + " invocation" + (Invocations.size() == 1 ? "" : "s"));
    for (auto &S : Invocations)
      for (auto &B : S.BlockedPastDeadline) {
        std::string In = B.Where.Entry.empty() || B.Where.Entry == B.Call
                             ? B.Call
                             : B.Where.Entry + " (" + B.Call + ")";
        L.push_back(Label(S.Index) + " still blocked at the deadline in " + In +
                    (B.BlockedMs >= 0 ? " for " + withCommas(uint64_t(B.BlockedMs)) + " ms" : "") + " at " +
                    B.Site);
      }
    for (auto &S : Invocations)
      if (S.TimedOut && !S.Incomplete)
        for (auto &G : groupFds(S.InFlightAtTimeout))
          L.push_back("in flight at the timeout of " + Label(S.Index) + " (not a leak): " + G);
  } else if (openFdsUnknown()) {
    // The closes of what looks open may be among the dropped records.
    L.push_back(std::to_string(TotalOpened) + " fds opened, " + std::to_string(TotalClosed) +
                " closed (recorded); open at exit: unknown (" + droppedText() + ")");
  } else {
    L.push_back(std::to_string(TotalOpened) + " fds opened, " + std::to_string(TotalClosed) + " closed, " +
                std::to_string(OpenAtExit.size()) + " open at exit");
    std::map<std::string, int> BySite;
    for (auto &F : OpenAtExit)
      if (userFd(F) && (F.Invocation || !F.Site.empty()))
        ++BySite[F.Site + " (" + F.Kind + ")"];
    for (auto &[S, N] : BySite)
      L.push_back("  " + std::to_string(N) + " open at exit from " + S);
  }
  if (SawSigterm) {
    // One line per (kind, peer, site): a leak per invocation is one line
    // with a count, not one line per descriptor.
    std::string When = SigtermSent ? "at SIGTERM" : "at SIGKILL (no SIGTERM was sent)";
    auto Groups = groupFds(openAtShutdown(*this));
    for (const std::string &G : Groups)
      L.push_back("open " + When + ": " + G);
    if (openFdsUnknown())
      L.push_back("open " + When + ": unknown (" + droppedText() + ")");
    else if (Groups.empty())
      L.push_back("nothing the function opened was still open " + When);
  }
  if (!RuntimeClientFds.empty()) {
    std::map<std::string, int> ByClient;
    for (auto &F : RuntimeClientFds)
      ++ByClient[F.RuntimeClient.empty() ? "runtime-api-connection" : F.RuntimeClient];
    std::string T;
    for (auto &[C, N] : ByClient)
      T += (T.empty() ? "" : ", ") + std::to_string(N) + " of " + C;
    L.push_back("not counted: the Runtime API client's own descriptors (" + T + ")");
  }
  sharedSitesLines(*this, L);
  for (auto &O : NoDebugInfo)
    L.push_back("hint: no line information for the sites in " + O +
                " (built without -g): sites are function names; build with -g for file:line");
  if (MainDropped && MainTorn == MainDropped)
    L.push_back("warning: " + droppedText() + ": what was open after that is unknown");
  else if (MainDropped && !Invocations.empty())
    L.push_back("warning: " + droppedText() + " (its file was full): later invocations are left out of the "
                "rates and sites, and what was open after that is unknown (raise SERVERLESS_SHIM_CAPACITY)");
  else if (MainDropped)
    L.push_back("warning: " + droppedText() + " (its file was full; raise SERVERLESS_SHIM_CAPACITY)");
  if (Dropped > MainDropped - MainTorn)
    L.push_back("warning: " + std::to_string(Dropped - (MainDropped - MainTorn)) +
                " ledger records of child processes dropped (raise SERVERLESS_SHIM_CAPACITY)");
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
    // In chunks straight into the records (no second copy of the file).
    In.seekg(SHIM_LEDGER_HEADER_SIZE);
    P.Records.reserve(N2);
    constexpr uint64_t ChunkRecs = 4096;
    std::vector<ShimRecord> Chunk(ChunkRecs);
    for (uint64_t Done = 0; Done < N2;) {
      uint64_t Want = std::min<uint64_t>(ChunkRecs, N2 - Done);
      In.read(reinterpret_cast<char *>(Chunk.data()), std::streamsize(Want * SHIM_RECORD_SIZE));
      uint64_t Got = uint64_t(In.gcount()) / SHIM_RECORD_SIZE;
      for (uint64_t I = 0; I < Got; ++I) {
        if (Chunk[I].commit != SHIM_RECORD_COMMITTED) {
          ++P.Torn;
          continue;
        }
        P.Records.push_back(Chunk[I]);
      }
      Done += Got;
      if (Got < Want)
        break;
    }
    A.Dropped += P.Header.dropped;
    // Drained from a ring (ShimProtocol.h, "Ring mode"): the drainer took the
    // segments (one per thread) in turn, so the records are in drain order;
    // the global order is mono_ns (taken where the flat ledger reserved its
    // slot: a close before the open that reuses its number). Sorted through
    // an index (no second copy of the records), stable: a thread's own
    // records keep their order on equal times.
    if (P.Header.flags & SHIM_LEDGER_FLAG_RING) {
      P.Torn += P.Header.torn;
      std::vector<std::pair<uint64_t, uint32_t>> Key(P.Records.size());
      bool Sorted = true;
      for (size_t I = 0; I < P.Records.size(); ++I) {
        Key[I] = {P.Records[I].mono_ns, uint32_t(I)};
        if (I && Key[I].first < Key[I - 1].first)
          Sorted = false;
      }
      if (!Sorted) {
        std::stable_sort(Key.begin(), Key.end(),
                         [](const auto &X, const auto &Y) { return X.first < Y.first; });
        // Apply the permutation in place, cycle by cycle.
        std::vector<bool> Done(Key.size());
        for (size_t I = 0; I < Key.size(); ++I) {
          if (Done[I] || Key[I].second == I)
            continue;
          ShimRecord Tmp = P.Records[I];
          size_t J = I;
          while (Key[J].second != I) {
            P.Records[J] = P.Records[Key[J].second];
            Done[J] = true;
            J = Key[J].second;
          }
          P.Records[J] = Tmp;
          Done[J] = true;
        }
      }
    }
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
  // A full ledger drops its tail: every record after the last one kept.
  // Invocations whose end came after that point are incomplete.
  // A drained ring drops only once its drainer is gone; a slot reserved but
  // never committed (the process died mid-record) may have been anything:
  // both make what was open after them unknown.
  A.MainTorn = P.Torn;
  A.MainDropped = ((P.Header.flags & SHIM_LEDGER_FLAG_RING) || P.Header.cursor > P.Header.capacity
                       ? P.Header.dropped
                       : 0) +
                  P.Torn;
  A.LastCompleteInvocation = NInv;
  if (A.MainDropped) {
    uint64_t EndState = 0;
    for (auto &R : P.Records)
      EndState = std::max<uint64_t>(EndState, R.state);
    uint64_t K = 0;
    while (K < NInv && SHIM_STATE(K + 1, SHIM_PHASE_INVOKE) < EndState)
      ++K;
    A.LastCompleteInvocation = K;
    for (uint64_t I = K; I < NInv; ++I)
      A.Invocations[I].Incomplete = true;
  }
  std::set<uint64_t> TimedOut;
  for (uint64_t T : Opts.TimedOut)
    if (T >= 1 && T <= NInv) {
      TimedOut.insert(T);
      A.Invocations[T - 1].TimedOut = true;
    }

  // Replay.
  std::map<int, LiveFd> Live;
  uint64_t SnapInv = 1; // next invocation whose end we snapshot
  const uint64_t TermState = ~uint64_t(0);
  auto countLive = [&]() { return int(Live.size()); };
  auto snapshotUpTo = [&](uint64_t State) {
    // Every invocation N whose INVOKE phase ended before State.
    while (SnapInv <= NInv && SHIM_STATE(SnapInv, SHIM_PHASE_INVOKE) < State) {
      InvocationStats &S = A.Invocations[SnapInv - 1];
      S.FdsOpenAfter = countLive();
      if (S.TimedOut)
        for (auto &[Fd, F] : Live)
          if (F.Invocation == SnapInv && F.Phase == SHIM_PHASE_INVOKE && F.Call != "inherited" && userFd(F))
            S.InFlightAtTimeout.push_back(F);
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
      A.SawSigterm = true; // the first shutdown signal (SIGTERM, or SIGKILL alone)
      A.SigtermSent = SHIM_STATE_PHASE(St) == SHIM_PHASE_SHUTDOWN;
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
        F.Where = Z.where(P, R);
        F.Site = Z.siteText(F.Where);
        F.RuntimeClient = Analyzer::runtimeClientOf(F.Where);
        ++A.TotalOpened;
        if (S)
          ++S->FdsOpened;
        if ((R.call == SHIM_CALL_dup || R.call == SHIM_CALL_dup2 || R.call == SHIM_CALL_dup3) && Live.count(R.fd2)) {
          const LiveFd &Src = Live[R.fd2];
          F.Kind = Src.Kind;
          F.Peer = Src.Peer;
          F.RuntimeApi = Src.RuntimeApi;
          if (F.RuntimeClient.empty())
            F.RuntimeClient = Src.RuntimeClient;
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
      bool Client = false;
      if (It != Live.end()) {
        It->second.Peer = Peer;
        if (R.flags & SHIM_FLAG_RUNTIME_API)
          It->second.RuntimeApi = true;
        Client = !userFd(It->second);
      }
      if (Ok && S && !(R.flags & SHIM_FLAG_RUNTIME_API) && !Client) {
        ConnectionInfo C{Peer, "", Z.where(P, R)};
        C.Site = Z.siteText(C.Where);
        if (Analyzer::runtimeClientOf(C.Where).empty())
          S->ConnectionsOpened.push_back(C);
      }
      break;
    }
    case SHIM_REC_DNS:
      // A lookup is a name that needs resolving: not an address literal,
      // not an empty node (a passive/bind lookup).
      if (S) {
        size_t Len = strnlen(reinterpret_cast<const char *>(R.peer), sizeof(R.peer));
        std::string Node(reinterpret_cast<const char *>(R.peer), Len);
        unsigned char Buf[sizeof(in6_addr)];
        bool Literal = Node.empty() || inet_pton(AF_INET, Node.c_str(), Buf) == 1 ||
                       inet_pton(AF_INET6, Node.c_str(), Buf) == 1;
        if (!Literal)
          ++S->DnsLookups;
      }
      break;
    case SHIM_REC_STACK: {
      BlockedCall B;
      B.Tid = R.tid;
      B.Where = Z.where(P, R, &B.Stack);
      B.Site = Z.siteText(B.Where);
      if (R.call) {
        B.Call = callName(R.call);
        B.CallMs = R.aux;
        // reserved: ms since the first of this thread's unbroken run of
        // blocking calls (0 from shims that did not record it).
        B.BlockedMs = R.reserved > R.aux ? R.reserved : R.aux;
        // Never longer than the invocation (a run of waits may have begun
        // in the runtime's own `next`).
        if (InvokeStartNs && R.mono_ns > InvokeStartNs && SHIM_STATE_PHASE(St) == SHIM_PHASE_INVOKE) {
          int64_t Cap = int64_t((R.mono_ns - InvokeStartNs) / 1000000);
          B.BlockedMs = std::max<int64_t>(B.CallMs, std::min<int64_t>(B.BlockedMs, Cap));
        }
      } else {
        B.Call = Z.topFunction(P, R);
        B.BlockedMs = -1;
      }
      A.DeadlineStacks.push_back(B);
      // One entry per thread per invocation: the emulator's request and the
      // shim's own deadline capture may both have fired. A thread in the
      // Runtime API client (waiting in `next`) is not the user's.
      if (S && Z.hasUserFrame(P, R) && Analyzer::runtimeClientOf(B.Where).empty() &&
          SeenStack.insert({Inv, R.tid}).second) {
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
  for (auto &F : A.OpenAtExit)
    if (!userFd(F))
      A.RuntimeClientFds.push_back(F);
  if ((Opts.Sigterm || Opts.Sigkill) && !A.SawSigterm) {
    A.SawSigterm = true;
    A.SigtermSent = Opts.Sigterm;
    A.OpenAtSigterm = A.OpenAtExit;
  }
  if (Opts.Sigterm)
    A.SigtermSent = true;
  if (Opts.Sigkill && !A.SawSigkill) {
    A.SawSigkill = true;
    A.OpenAtSigkill = A.OpenAtExit;
  }
  for (const auto &O : Z.NoDebug)
    if (!isRuntimeClientObject(O))
      A.NoDebugInfo.push_back(O);

  // Growth after warm-up, leak sites, connection sites. Invocations that
  // timed out are left out: what they hold is in flight, not open after.
  int W = std::max(0, Opts.WarmupInvocations);
  {
    double N = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
    for (uint64_t I = uint64_t(W); I < NInv; ++I) {
      if (TimedOut.count(I + 1) || A.Invocations[I].Incomplete)
        continue;
      double X = double(I + 1), Y = A.Invocations[I].FdsOpenAfter;
      N += 1, Sx += X, Sy += Y, Sxx += X * X, Sxy += X * Y;
    }
    A.GrowthPoints = int(N);
    A.GrowthMeasured = N >= 2;
    double Den = N * Sxx - Sx * Sx;
    if (A.GrowthMeasured)
      A.FdsPerInvocation = Den != 0 ? (N * Sxy - Sx * Sy) / Den : 0;
    if (std::fabs(A.FdsPerInvocation) < 1e-9)
      A.FdsPerInvocation = 0;
  }
  if (A.GrowthMeasured) {
    uint64_t Span = NInv - uint64_t(W);
    uint64_t Span2 = 0;
    for (uint64_t I = uint64_t(W); I < NInv; ++I)
      Span2 += TimedOut.count(I + 1) || A.Invocations[I].Incomplete ? 0 : 1;
    Span = Span2 ? Span2 : Span;
    uint64_t LastOk = A.LastCompleteInvocation ? A.LastCompleteInvocation : NInv;
    while (LastOk > 1 && TimedOut.count(LastOk))
      --LastOk;
    int Last = A.Invocations[LastOk - 1].FdsOpenAfter;
    if (A.FdsPerInvocation > 0.05 && uint64_t(Last) < A.FdLimit)
      A.EmfileAt = LastOk + uint64_t(std::ceil((double(A.FdLimit) - Last) / A.FdsPerInvocation));
    // Leak sites: still open at the end of the last invocation, acquired in
    // an invocation after warm-up that did not time out.
    std::map<std::pair<std::string, std::string>, std::pair<int, size_t>> Sites;
    {
      // Re-derive the table at the end of the last invocation.
      std::map<int, LiveFd> L2;
      // (With dropped records: the last invocation recorded whole.)
      uint64_t Limit = SHIM_STATE(A.MainDropped ? A.LastCompleteInvocation : NInv, SHIM_PHASE_INVOKE);
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
          if ((R.call == SHIM_CALL_dup || R.call == SHIM_CALL_dup2 || R.call == SHIM_CALL_dup3) &&
              L2.count(R.fd2))
            F.RuntimeApi = L2[R.fd2].RuntimeApi;
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
        if (F.Call == "acquire" && F.Phase == SHIM_PHASE_INVOKE && F.Invocation > uint64_t(W) && !F.RuntimeApi &&
            !TimedOut.count(F.Invocation)) {
          SiteInfo Where = Z.where(P, P.Records[F.RecordIndex]);
          if (!Analyzer::runtimeClientOf(Where).empty())
            continue;
          auto &Slot = Sites[{Z.siteText(Where), F.Kind}];
          if (!Slot.first)
            Slot.second = F.RecordIndex;
          ++Slot.first;
        }
    }
    for (auto &[K, C] : Sites)
      A.LeakSites.push_back({K.first, K.second, double(C.first) / double(Span), C.first,
                             Z.where(P, P.Records[C.second])});
    std::sort(A.LeakSites.begin(), A.LeakSites.end(),
              [](const LeakSite &X, const LeakSite &Y) { return X.Count > Y.Count; });
  }
  {
    std::map<std::pair<std::string, std::string>, std::pair<int, SiteInfo>> Conns;
    uint64_t Upto = A.MainDropped ? A.LastCompleteInvocation : NInv;
    uint64_t From = Upto > uint64_t(W) ? uint64_t(W) : 0;
    for (uint64_t I = From; I < Upto; ++I)
      for (auto &C : A.Invocations[I].ConnectionsOpened) {
        auto &Slot = Conns[{C.Peer, C.Site}];
        if (!Slot.first)
          Slot.second = C.Where;
        ++Slot.first;
      }
    uint64_t Span = Upto - From;
    for (auto &[K, C] : Conns)
      if (Span && double(C.first) / double(Span) >= 0.5)
        A.ConnectionSites.push_back({K.first, K.second, double(C.first) / double(Span), C.second});
  }
  // run --max-concurrency: descriptors used by invocations that overlapped.
  if (!Opts.Spans.empty()) {
    A.Spans = Opts.Spans;
    A.SharedSites = findSharedSites(
        A, Opts.Spans, [&](const ProcessLedger &P, const ShimRecord &R) { return Z.where(P, R); },
        [&](const SiteInfo &W) { return Z.siteText(W); });
    attributeDeadlineStacks(A, Opts.Spans);
  }
  return A;

}

} // namespace serverless::shim
