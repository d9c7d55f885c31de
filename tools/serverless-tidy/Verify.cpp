//===--- Verify.cpp - `serverless-tidy verify` ----------------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Three steps, each a library call:
//   1. static: WholeProgram.cpp's `check -p` run, stopped before its output
//      step (wholeProgramCheck with a WholeProgramResult), the findings
//      prepared by lib/Report as `check -p --format=json` would write them;
//      each finding's resource kind and call read from its message through
//      the API models (the same words the checks used).
//   2. runtime: lib/Runtime's runCommandWithObservers with a fresh
//      ShimObserver (the ledger) and a VerifyObserver that learns each
//      process's ledger directory and invocation numbering, and turns the
//      ledger's records into verify::RuntimeEvents while the directory
//      still exists (at the end of the run). Program counters are
//      symbolized here with LLVM's symbolizer (inline chains, absolute
//      paths): the join needs the user's frames as Sites, not display text.
//   3. the join and the reports: lib/Verify.
//
//===----------------------------------------------------------------------===//
#include "Verify.h"

#include "WholeProgram.h"

#include "Core/Core.h"
#include "Core/ResourceKind.h"
#include "Model/ApiModel.h"
#include "Report/Report.h"
#include "Verify/Verify.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/DebugInfo/Symbolize/Symbolize.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#ifdef SERVERLESS_HAVE_RUNTIME
#include "Runtime/RunCommand.h"
#include "Runtime/RunObserver.h"
#endif
#ifdef SERVERLESS_HAVE_SHIM
#include "LedgerReader.h"
#include "ShimObserver.h"
#include "ShimProtocol.h"
#endif

using llvm::StringRef;

namespace serverless::tool {
namespace {

const char *const VerifyUsage =
    "usage: serverless-tidy verify -p <build-dir> [options] <function-binary> [args...]\n"
    "\n"
    "Runs the whole-program checks over the compilation database, then the\n"
    "function under the emulated Lambda lifecycle with the resource ledger,\n"
    "and gives each finding a verdict: confirmed (with the evidence), not\n"
    "reproduced (with what was tried) or not exercised (its code never ran);\n"
    "runtime evidence no check flagged is listed as runtime only.\n"
    "\n"
    "static:  -p DIR (required), --checks, --config, --config-file, -j N,\n"
    "         --header-filter, --extra-arg, --cache-dir, --no-cache, --source-root DIR\n"
    "run:     --event FILE | --events FILE, --invocations N (default 5, or one per\n"
    "         --events line, at least 3), --timeout S, --memory MB, --max-fds N,\n"
    "         --idle MS, --concurrency K, --env K=V, --shutdown-grace MS,\n"
    "         --init-timeout S, --function-name, --handler, --freeze=, --memory-method=\n"
    "verify:  --fail-on confirmed|any|none (default confirmed), --max-seconds S\n"
    "         (default 600), --json FILE, --sarif FILE, --html FILE, --run-log FILE,\n"
    "         --quiet\n"
    "\n"
    "Exit: 0 nothing to fail on, 1 findings to fail on (--fail-on), 2 bad\n"
    "input, 3 the function could not be run or a report not written. docs/verify.md\n";

std::string error(const std::string &Msg) { return "serverless-tidy: error: " + Msg; }

struct VerifyOptions {
  std::string BuildPath;
  std::vector<std::string> StaticArgs; // forwarded to check -p
  std::vector<std::string> RunArgs;    // forwarded to run
  std::string Binary;
  std::vector<std::string> BinaryArgs;
  std::string FailOn = "confirmed";
  double MaxSeconds = 600;
  std::string JsonFile, SarifFile, HtmlFile, RunLog, SourceRoot;
  bool Quiet = false;
  int64_t Invocations = -1;
  std::string EventsFile;
  double TimeoutS = 3;
};

bool takeValue(llvm::ArrayRef<const char *> Args, size_t &I, StringRef Name, std::string &Out) {
  StringRef A = Args[I];
  for (std::string Prefix : {"--" + Name.str(), "-" + Name.str()}) {
    if (A == Prefix) {
      if (I + 1 >= Args.size())
        throw std::runtime_error(Prefix + " needs a value");
      Out = Args[++I];
      return true;
    }
    if (A.starts_with(Prefix + "=")) {
      Out = A.substr(Prefix.size() + 1).str();
      return true;
    }
  }
  return false;
}

std::string parseVerifyOptions(llvm::ArrayRef<const char *> Args, VerifyOptions &O, bool &Help) {
  try {
    for (size_t I = 1; I < Args.size(); ++I) {
      StringRef A = Args[I];
      std::string V;
      if (A == "-h" || A == "--help" || A == "-help") {
        Help = true;
        return "";
      }
      if (!A.starts_with("-")) {
        O.Binary = A.str();
        for (size_t J = I + 1; J < Args.size(); ++J)
          O.BinaryArgs.push_back(Args[J]);
        break;
      }
      if (takeValue(Args, I, "p", V)) {
        O.BuildPath = V;
        continue;
      }
      bool Matched = false;
      for (const char *S : {"checks", "config", "config-file", "header-filter", "extra-arg", "extra-arg-before",
                            "cache-dir", "j"})
        if (takeValue(Args, I, S, V)) {
          O.StaticArgs.push_back(std::string(S == std::string("j") ? "-j" : "--") +
                                 (S == std::string("j") ? "" : S));
          O.StaticArgs.push_back(V);
          Matched = true;
          break;
        }
      if (Matched)
        continue;
      if (A == "--no-cache") {
        O.StaticArgs.push_back("--no-cache");
        continue;
      }
      if (takeValue(Args, I, "source-root", V)) {
        O.SourceRoot = V;
        continue;
      }
      for (const char *S : {"event", "events", "invocations", "timeout", "memory", "max-fds", "idle", "concurrency",
                            "env", "shutdown-grace", "init-timeout", "function-name", "handler", "freeze",
                            "memory-method", "extension"})
        if (takeValue(Args, I, S, V)) {
          std::string Name = S;
          if (Name == "invocations") {
            O.Invocations = std::stoll(V);
            if (O.Invocations < 1)
              throw std::runtime_error("--invocations: expected a positive number, got '" + V + "'");
            Matched = true;
            break;
          }
          if (Name == "events")
            O.EventsFile = V;
          if (Name == "timeout")
            O.TimeoutS = std::stod(V);
          O.RunArgs.push_back("--" + Name);
          O.RunArgs.push_back(V);
          Matched = true;
          break;
        }
      if (Matched)
        continue;
      if (takeValue(Args, I, "fail-on", V)) {
        if (V != "confirmed" && V != "any" && V != "none")
          throw std::runtime_error("--fail-on: expected confirmed, any or none, got '" + V + "'");
        O.FailOn = V;
        continue;
      }
      if (takeValue(Args, I, "max-seconds", V)) {
        O.MaxSeconds = std::stod(V);
        if (!(O.MaxSeconds > 0))
          throw std::runtime_error("--max-seconds: expected a positive number, got '" + V + "'");
        continue;
      }
      if (takeValue(Args, I, "json", V)) {
        O.JsonFile = V;
        continue;
      }
      if (takeValue(Args, I, "sarif", V)) {
        O.SarifFile = V;
        continue;
      }
      if (takeValue(Args, I, "html", V)) {
        O.HtmlFile = V;
        continue;
      }
      if (takeValue(Args, I, "run-log", V)) {
        O.RunLog = V;
        continue;
      }
      if (A == "--quiet" || A == "-q") {
        O.Quiet = true;
        continue;
      }
      throw std::runtime_error("unknown option '" + A.str() + "' (see serverless-tidy verify --help)");
    }
  } catch (const std::invalid_argument &) {
    return "a numeric option got something that is not a number";
  } catch (const std::out_of_range &) {
    return "a numeric option is out of range";
  } catch (const std::runtime_error &E) {
    return E.what();
  }
  if (O.BuildPath.empty())
    return "verify needs -p <build-dir> (the compilation database of the function's sources)";
  if (O.Binary.empty())
    return "verify needs the function binary";
  return "";
}

std::string absolutePath(StringRef P) {
  llvm::SmallString<256> S(P);
  llvm::sys::fs::make_absolute(S);
  llvm::sys::path::remove_dots(S, true);
  return S.str().str();
}

//===----------------------------------------------------------------------===//
// Static findings
//===----------------------------------------------------------------------===//

/// The quoted names of a message and the `(KIND from CALL)` of a shutdown
/// finding, in order.
std::vector<std::string> namesIn(const std::string &Msg) {
  std::vector<std::string> Out;
  for (size_t I = 0; I < Msg.size(); ++I) {
    if (Msg[I] == '\'') {
      size_t J = Msg.find('\'', I + 1);
      if (J == std::string::npos)
        break;
      Out.push_back(Msg.substr(I + 1, J - I - 1));
      I = J;
    } else if (Msg[I] == '(') {
      size_t From = Msg.find(" from ", I);
      size_t Close = Msg.find(')', I);
      if (From != std::string::npos && Close != std::string::npos && From < Close) {
        Out.push_back(Msg.substr(I + 1, From - I - 1));
        Out.push_back(Msg.substr(From + 6, Close - From - 6));
      }
    }
  }
  return Out;
}

/// The finding's resource kind word and call, from the names its message
/// quotes, through the models (so a user's model kinds work the same).
void kindAndCall(const model::ApiModel &M, const std::string &Msg, std::string &Kind, std::string &Call) {
  for (const std::string &N : namesIn(Msg)) {
    if (N.empty() || N.find(' ') != std::string::npos)
      continue;
    if (Kind.empty() && core::resourceKind(N)) {
      Kind = N;
      continue;
    }
    if (const model::Factory *F = M.factory(N)) {
      if (Kind.empty() && !F->Kind.empty())
        Kind = F->Kind;
      if (Call.empty())
        Call = N;
      continue;
    }
    auto [R, Spec] = M.acquisition(N);
    if (R) {
      if (Kind.empty())
        Kind = R->Kind;
      if (Call.empty())
        Call = N;
      continue;
    }
    if (const model::ClientType *C = M.clientType(N)) {
      if (Kind.empty())
        Kind = C->Kind;
      continue;
    }
    if (M.blocking(N) && Call.empty())
      Call = N;
  }
}

bool isVerifiedCheck(const std::string &C) {
  return C == verify::HandlerScopeClient || C == verify::UnclosedResource || C == verify::MissingDeadline ||
         C == verify::MissingShutdownHook;
}

std::string selfPath() {
  return llvm::sys::fs::getMainExecutable("serverless-tidy", reinterpret_cast<void *>(&selfPath));
}

//===----------------------------------------------------------------------===//
// Runtime evidence
//===----------------------------------------------------------------------===//

#if defined(SERVERLESS_HAVE_RUNTIME) && defined(SERVERLESS_HAVE_SHIM)

bool isSystemObject(const std::string &P) {
  for (const char *Pre : {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/libexec/"})
    if (P.rfind(Pre, 0) == 0)
      return true;
  return P.find("libserverless-shim") != std::string::npos;
}

bool isSystemSource(const std::string &F) {
  if (F.empty() || F == "<invalid>" || F[0] != '/')
    return true;
  for (const char *Pre : {"/usr/include/", "/usr/lib/", "/usr/local/include/", "/usr/src/"})
    if (F.rfind(Pre, 0) == 0)
      return true;
  return false;
}

/// Turns a ledger record's return addresses into the user's frames.
class FrameSymbolizer {
public:
  FrameSymbolizer() : Sym(makeOptions()) {}

  std::vector<core::Site> userFrames(const shim::ProcessLedger &P, const ShimRecord &R) {
    std::vector<core::Site> Out;
    for (int I = 0; I < R.nframes && I < SHIM_MAX_FRAMES; ++I) {
      bool Exact = I == 0 && (R.flags & SHIM_FLAG_SIGNAL_FRAME);
      uint64_t Pc = R.frames[I];
      if (!Pc)
        continue;
      uint64_t Adj = Exact ? Pc : Pc - 1;
      auto [Obj, Addr] = locate(P, Adj);
      if (Obj.empty() || isSystemObject(Obj))
        continue;
      for (const core::Site &S : chain(Obj, Addr))
        if (Out.empty() || !(Out.back() == S))
          Out.push_back(S);
    }
    return Out;
  }

  /// Has the record a frame in the user's objects (whatever its line info)?
  bool hasUserObject(const shim::ProcessLedger &P, const ShimRecord &R) {
    for (int I = 0; I < R.nframes && I < SHIM_MAX_FRAMES; ++I) {
      if (!R.frames[I])
        continue;
      bool Exact = I == 0 && (R.flags & SHIM_FLAG_SIGNAL_FRAME);
      std::string Obj = locate(P, Exact ? R.frames[I] : R.frames[I] - 1).first;
      if (!Obj.empty() && !isSystemObject(Obj))
        return true;
    }
    return false;
  }

private:
  static llvm::symbolize::LLVMSymbolizer::Options makeOptions() {
    llvm::symbolize::LLVMSymbolizer::Options O;
    O.Demangle = true;
    O.UseSymbolTable = true;
    O.PathStyle = llvm::DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath;
    return O;
  }

  std::pair<std::string, uint64_t> locate(const shim::ProcessLedger &P, uint64_t Adj) {
    for (const shim::MapEntry &M : P.Maps) {
      if (Adj < M.Start || Adj >= M.End)
        continue;
      uint64_t Base = M.Start - M.Offset;
      for (const shim::MapEntry &M2 : P.Maps)
        if (M2.Path == M.Path && M2.Offset == 0 && M2.Start <= M.Start) {
          Base = M2.Start;
          break;
        }
      if (isEtExec(M.Path))
        Base = 0;
      return {M.Path, Adj - Base};
    }
    return {"", 0};
  }

  bool isEtExec(const std::string &Obj) {
    auto It = EtExec.find(Obj);
    if (It != EtExec.end())
      return It->second;
    bool R = false;
    if (FILE *F = fopen(Obj.c_str(), "rb")) {
      unsigned char H[18];
      if (fread(H, 1, sizeof(H), F) == sizeof(H) && !memcmp(H, "\x7f" "ELF", 4))
        R = (H[16] | (H[17] << 8)) == 2;
      fclose(F);
    }
    return EtExec[Obj] = R;
  }

  const std::vector<core::Site> &chain(const std::string &Obj, uint64_t Addr) {
    auto Key = std::make_pair(Obj, Addr);
    auto It = Cache.find(Key);
    if (It != Cache.end())
      return It->second;
    std::vector<core::Site> &Out = Cache[Key];
    auto Info = Sym.symbolizeInlinedCode(Obj, {Addr, llvm::object::SectionedAddress::UndefSection});
    if (!Info) {
      llvm::consumeError(Info.takeError());
      return Out;
    }
    for (uint32_t I = 0; I < Info->getNumberOfFrames(); ++I) {
      const llvm::DILineInfo &L = Info->getFrame(I);
      if (isSystemSource(L.FileName) || !L.Line)
        continue;
      core::Site S;
      S.Path = L.FileName;
      S.Line = L.Line;
      S.Column = L.Column;
      S.Function = L.FunctionName == llvm::DILineInfo::BadString ? "" : L.FunctionName;
      Out.push_back(std::move(S));
    }
    return Out;
  }

  llvm::symbolize::LLVMSymbolizer Sym;
  std::map<std::pair<std::string, uint64_t>, std::vector<core::Site>> Cache;
  std::map<std::string, bool> EtExec;
};

core::Phase phaseOf(uint64_t State) {
  switch (SHIM_STATE_PHASE(State)) {
  case SHIM_PHASE_INVOKE: return core::Phase::Invoke;
  case SHIM_PHASE_IDLE: return core::Phase::Idle;
  case SHIM_PHASE_SHUTDOWN:
  case SHIM_PHASE_KILLED: return core::Phase::Shutdown;
  default: return core::Phase::Init;
  }
}

/// Learns where each function process's ledger is and how its invocations
/// are numbered, and reads the ledgers at the end of the run.
class VerifyObserver : public runtime::RunObserver {
public:
  struct Proc {
    int Env = 0;
    std::string Dir;
    pid_t Pid = 0;
    uint64_t Local = 0;
    std::map<uint64_t, uint64_t> LocalToIndex; // local (1-based) -> run-wide (1-based)
    bool Sigterm = false, Sigkill = false;
  };

  /// The emulator has installed its signal handling (onRunStart comes
  /// after it): a SIGINT now ends the run in order.
  void onRunStart(const runtime::RunOptions &, nlohmann::json &) override { Started = true; }

  void onEnvironmentSpawn(int EnvId, std::vector<std::string> &Vars) override {
    const std::string Key = std::string(SHIM_ENV_LEDGER) + "=";
    for (const std::string &V : Vars)
      if (V.rfind(Key, 0) == 0) {
        Procs.push_back({EnvId, V.substr(Key.size())});
        Current[EnvId] = Procs.size() - 1;
      }
  }
  void onEnvironmentStarted(int EnvId, pid_t Pid) override {
    if (Proc *P = current(EnvId))
      P->Pid = Pid;
  }
  void onInvocationStart(int EnvId, int64_t Index, int64_t) override {
    if (Proc *P = current(EnvId))
      P->LocalToIndex[++P->Local] = uint64_t(Index) + 1;
  }
  void onShutdownSignal(int EnvId, int Sig, nlohmann::json &) override {
    if (Proc *P = current(EnvId)) {
      P->Sigterm |= Sig == SIGTERM || Sig == SIGKILL;
      P->Sigkill |= Sig == SIGKILL;
    }
  }
  void onRunEnd(nlohmann::json &Run, std::ostream &) override { finish(Run, false); }
  void onRunAborted(nlohmann::json &Run, const std::string &Reason) override {
    Facts.Warnings.push_back("the run was interrupted: " + Reason);
    finish(Run, true);
  }

  verify::RuntimeFacts Facts;
  bool Finished = false;
  std::atomic<bool> Started{false};

private:
  Proc *current(int EnvId) {
    auto It = Current.find(EnvId);
    return It == Current.end() ? nullptr : &Procs[It->second];
  }

  void finish(nlohmann::json &Run, bool Aborted) {
    Finished = true;
    Facts.Incomplete = Aborted;
    std::map<uint64_t, verify::InvocationInfo *> ByIndex;
    if (Run.contains("invocations") && Run["invocations"].is_array())
      for (const auto &J : Run["invocations"]) {
        verify::InvocationInfo I;
        I.Index = J.value("index", int64_t(0)) + 1;
        I.RequestId = J.value("request_id", "");
        I.Status = J.value("status", "");
        I.Environment = J.value("environment", 0);
        I.Cold = J.value("cold", false);
        if (J.contains("max_rss_mb") && J["max_rss_mb"].is_number())
          I.MaxRssMb = J["max_rss_mb"].get<double>();
        Facts.Invocations.push_back(I);
      }
    for (verify::InvocationInfo &I : Facts.Invocations)
      ByIndex[I.Index] = &I;
    if (Run.contains("shutdown") && Run["shutdown"].is_array())
      for (const auto &S : Run["shutdown"]) {
        if (S.value("signal", "") == "SIGTERM")
          Facts.SigtermSent = true;
        if (Facts.ShutdownRule.empty()) {
          Facts.ShutdownRule = S.value("rule", "");
          Facts.GraceMs = S.value("grace_ms", int64_t(-1));
        }
      }
    if (Run.contains("config")) {
      Facts.FdLimit = Run["config"].value("max_fds", uint64_t(1024));
      Facts.Concurrency = Run["config"].value("concurrency", 1);
    }
    FrameSymbolizer Sym;
    size_t Read = 0;
    for (const Proc &P : Procs)
      Read += readProcess(P, Sym, ByIndex);
    Facts.LedgerRead = Read > 0;
    if (!Facts.LedgerRead)
      Facts.Warnings.push_back("the shim recorded nothing (a static binary, or the shim did not load)");
    // Descriptors were made in the function's own code (the user's
    // objects), yet no stack has a source line: no debug information.
    bool Frames = false;
    for (const verify::RuntimeEvent &E : Facts.Events)
      Frames |= !E.Frames.empty();
    if (Facts.LedgerRead && !Frames && UserObjectRecords) {
      Facts.LineInfo = false;
      Facts.Warnings.push_back("no line information in the ledger's stacks: build the function with -g");
    }
  }
  size_t UserObjectRecords = 0;

  bool readProcess(const Proc &P, FrameSymbolizer &Sym, std::map<uint64_t, verify::InvocationInfo *> &ByIndex) {
    shim::AnalysisOptions O;
    O.Symbolize = false;
    O.MainPid = P.Pid;
    O.Invocations = P.Local;
    std::string Err;
    auto A = shim::analyzeLedgerDir(P.Dir + "", O, &Err);
    if (!A || !A->Main) {
      Facts.Warnings.push_back("ledger of environment " + std::to_string(P.Env) + ": " +
                               (Err.empty() ? "no ledger" : Err));
      return false;
    }
    const shim::ProcessLedger &L = *A->Main;
    std::vector<verify::RuntimeEvent> Events;
    std::map<int, size_t> Live; // fd -> index in Events (Acquire); SIZE_MAX: untracked (inherited)
    std::set<size_t> RuntimeApi;
    const size_t Untracked = size_t(-1);
    uint64_t Last = 0;
    std::set<std::pair<uint64_t, int>> SeenStack;
    auto Index = [&](uint64_t State) -> uint64_t {
      auto It = P.LocalToIndex.find(SHIM_STATE_INV(State));
      return It == P.LocalToIndex.end() ? 0 : It->second;
    };
    auto EndInvocation = [&](uint64_t State) {
      uint64_t Inv = Index(State);
      for (auto &[Fd, I] : Live)
        if (I != Untracked && Events[I].Invocation == Inv && Events[I].Phase == core::Phase::Invoke)
          Events[I].OpenAfterInvocation = true;
      auto It = ByIndex.find(Inv);
      if (It != ByIndex.end()) {
        int N = 0;
        for (auto &[Fd, I] : Live)
          N += I == Untracked || !RuntimeApi.count(I);
        It->second->FdsOpenAfter = N;
      }
    };
    // Library handles (curl_easy_init) by address, to the run-wide id of
    // their creation: an address reused after curl_easy_cleanup is a new
    // handle from its new creation record on.
    std::map<uint64_t, uint64_t> Handles;
    auto HandleOf = [&](const ShimRecord &R) -> uint64_t {
      if (!(R.flags & SHIM_FLAG_HANDLE))
        return 0;
      auto It = Handles.find(uint64_t(R.aux) | (uint64_t(R.reserved) << 32));
      return It == Handles.end() ? 0 : It->second;
    };
    bool SawSigterm = false;
    auto MarkSigterm = [&] {
      SawSigterm = true;
      for (auto &[Fd, I] : Live)
        if (I != Untracked)
          Events[I].OpenAtSigterm = true;
    };
    for (const ShimRecord &R : L.Records) {
      uint64_t St = std::max<uint64_t>(R.state, Last);
      if (SHIM_STATE_PHASE(Last) == SHIM_PHASE_INVOKE &&
          (SHIM_STATE_PHASE(St) != SHIM_PHASE_INVOKE || SHIM_STATE_INV(St) != SHIM_STATE_INV(Last)))
        EndInvocation(Last);
      if (!SawSigterm && SHIM_STATE_PHASE(St) >= SHIM_PHASE_SHUTDOWN)
        MarkSigterm();
      Last = St;
      verify::RuntimeEvent E;
      E.Environment = P.Env;
      E.Pid = L.Header.pid;
      E.Phase = phaseOf(St);
      E.Invocation = E.Phase == core::Phase::Invoke ? Index(St) : 0;
      E.Fd = R.fd;
      switch (R.type) {
      case SHIM_REC_INHERITED:
        Live[R.fd] = Untracked;
        break;
      case SHIM_REC_ACQUIRE: {
        UserObjectRecords += Sym.hasUserObject(L, R);
        E.T = verify::RuntimeEvent::Acquire;
        E.Kind = shim::kindName(R.kind);
        E.Call = shim::callName(R.call);
        E.Peer = shim::formatPeer(R);
        if ((R.call == SHIM_CALL_dup || R.call == SHIM_CALL_dup2 || R.call == SHIM_CALL_dup3) && Live.count(R.fd2) &&
            Live[R.fd2] != Untracked) {
          E.Kind = Events[Live[R.fd2]].Kind;
          E.Peer = Events[Live[R.fd2]].Peer;
        }
        E.Frames = Sym.userFrames(L, R);
        E.Handle = HandleOf(R);
        Events.push_back(std::move(E));
        Live[R.fd] = Events.size() - 1;
        break;
      }
      case SHIM_REC_HANDLE: {
        E.T = verify::RuntimeEvent::Create;
        E.Call = shim::callName(R.call);
        E.Handle = ++NextHandle;
        Handles[uint64_t(R.aux) | (uint64_t(R.reserved) << 32)] = E.Handle;
        E.Frames = Sym.userFrames(L, R);
        if (!E.Frames.empty())
          Events.push_back(std::move(E));
        break;
      }
      case SHIM_REC_RELEASE: {
        int LastFd = R.fd2 >= R.fd ? R.fd2 : R.fd;
        for (auto It = Live.lower_bound(R.fd); It != Live.end() && It->first <= LastFd;)
          It = Live.erase(It);
        break;
      }
      case SHIM_REC_CONNECT: {
        auto It = Live.find(R.fd);
        std::string Peer = shim::formatPeer(R);
        if (R.flags & SHIM_FLAG_RUNTIME_API) {
          if (It != Live.end() && It->second != Untracked)
            RuntimeApi.insert(It->second);
          break;
        }
        if (It != Live.end() && It->second != Untracked)
          Events[It->second].Peer = Peer;
        if (R.err != 0 && !(R.flags & SHIM_FLAG_INPROGRESS))
          break;
        E.T = verify::RuntimeEvent::Connect;
        E.Kind = It != Live.end() && It->second != Untracked ? Events[It->second].Kind : "socket";
        E.Call = "connect";
        E.Peer = Peer;
        E.Handle = HandleOf(R);
        E.Frames = Sym.userFrames(L, R);
        Events.push_back(std::move(E));
        break;
      }
      case SHIM_REC_STACK: {
        uint64_t Inv = Index(St);
        if (!SeenStack.insert({Inv, R.tid}).second)
          break;
        E.T = verify::RuntimeEvent::Blocked;
        E.Invocation = Inv;
        E.Phase = core::Phase::Invoke;
        E.Call = R.call ? shim::callName(R.call) : "";
        // `reserved` of a STACK record: the thread's unbroken run of
        // blocking calls (the whole call, not its last poll slice), when
        // the shim records it; else the interposed call in flight.
        E.BlockedMs = R.call ? int64_t(R.reserved ? R.reserved : R.aux) : -1;
        auto It = ByIndex.find(Inv);
        E.TimedOut = It != ByIndex.end() && It->second->Status == "timeout";
        E.Frames = Sym.userFrames(L, R);
        if (!E.Frames.empty())
          Events.push_back(std::move(E));
        break;
      }
      default:
        break;
      }
    }
    if (SHIM_STATE_PHASE(Last) == SHIM_PHASE_INVOKE)
      EndInvocation(Last);
    if (!SawSigterm && (P.Sigterm || P.Sigkill))
      MarkSigterm();
    for (auto &[Fd, I] : Live)
      if (I != Untracked)
        Events[I].OpenAtEnd = true;
    for (size_t I = 0; I < Events.size(); ++I)
      if (!RuntimeApi.count(I))
        Facts.Events.push_back(std::move(Events[I]));
    return true;
  }

  std::vector<Proc> Procs;
  std::map<int, size_t> Current;
  uint64_t NextHandle = 0; // run-wide ids of library handles (RuntimeEvent::Handle)
};

/// Redirects standard output (the emulator's START/END/REPORT lines and the
/// function's own output) to a file or /dev/null while it lives.
class StdoutRedirect {
public:
  explicit StdoutRedirect(const std::string &Path) {
    fflush(stdout);
    llvm::outs().flush();
    Saved = dup(1);
    int Fd = open(Path.empty() ? "/dev/null" : Path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (Fd >= 0) {
      dup2(Fd, 1);
      close(Fd);
    }
  }
  ~StdoutRedirect() {
    std::fflush(stdout);
    std::cout.flush();
    if (Saved >= 0) {
      dup2(Saved, 1);
      close(Saved);
    }
  }

private:
  int Saved = -1;
};

/// Runs the function once under the emulator with the ledger. \p Deadline
/// bounds it: the run is interrupted (SIGINT to ourselves, which the
/// emulator handles by ending the run in order) when it passes.
int runScenario(const VerifyOptions &O, const std::string &Scenario, const std::vector<std::string> &Extra,
                std::chrono::steady_clock::time_point Deadline, verify::RuntimeFacts &Facts, std::string &Err) {
  llvm::SmallString<128> JsonPath;
  if (llvm::sys::fs::createTemporaryFile("serverless-verify-run", "json", JsonPath)) {
    Err = "cannot create a temporary file";
    return 3;
  }
  std::vector<std::string> Argv = {"run", "--json", JsonPath.str().str(), "--quiet", "--fail-on", "none"};
  Argv.insert(Argv.end(), Extra.begin(), Extra.end());
  Argv.insert(Argv.end(), O.RunArgs.begin(), O.RunArgs.end());
  Argv.push_back(O.Binary);
  Argv.insert(Argv.end(), O.BinaryArgs.begin(), O.BinaryArgs.end());
  std::vector<const char *> CArgv;
  for (const std::string &S : Argv)
    CArgv.push_back(S.c_str());

  auto Shim = std::make_shared<shim::ShimObserver>();
  if (Shim->shimPath().empty()) {
    Err = "libserverless-shim.so not found (set SERVERLESS_SHIM_PATH)";
    llvm::sys::fs::remove(JsonPath);
    return 3;
  }
  auto Obs = std::make_shared<VerifyObserver>();
  std::mutex M;
  std::condition_variable CV;
  bool Done = false;
  std::atomic<bool> Cut{false};
  std::thread Watchdog([&] {
    // The emulator takes SIGINT on its signal thread (sigwait); this thread
    // must not be where the kernel delivers it.
    sigset_t Set;
    sigemptyset(&Set);
    for (int S : {SIGINT, SIGTERM, SIGHUP})
      sigaddset(&Set, S);
    pthread_sigmask(SIG_BLOCK, &Set, nullptr);
    std::unique_lock<std::mutex> L(M);
    if (CV.wait_until(L, Deadline, [&] { return Done; }))
      return;
    // Not before the emulator can take it (else SIGINT's default action).
    while (!Obs->Started && !CV.wait_for(L, std::chrono::milliseconds(20), [&] { return Done; }))
      ;
    if (!Done) {
      Cut = true;
      kill(getpid(), SIGINT); // the emulator ends the run in order
    }
  });
  int Status;
  {
    StdoutRedirect R(O.RunLog);
    Status = runtime::runCommandWithObservers(int(CArgv.size()), CArgv.data(), {Shim, Obs});
  }
  {
    std::lock_guard<std::mutex> L(M);
    Done = true;
  }
  CV.notify_all();
  Watchdog.join();
  Shim.reset();
  llvm::sys::fs::remove(JsonPath);
  Facts = std::move(Obs->Facts);
  Facts.Scenario = Scenario;
  if (Cut)
    Facts.Warnings.push_back("--max-seconds reached: the run was cut short");
  if (Status >= 128 && !Cut) {
    // Interrupted from outside (Ctrl-C): the emulator has cleaned up; stop.
    Err = "interrupted";
    return Status;
  }
  if (Status == 2 || (!Obs->Finished && !Cut)) {
    Err = "the emulator could not run '" + O.Binary + "' (exit " + std::to_string(Status) + ")";
    return Status == 2 ? 2 : 3;
  }
  return 0;
}


/// A loopback peer that accepts connections and never answers: the fault
/// `verify` injects for missing-deadline findings. Bounded: at most 64
/// connections are held (later ones are closed at once), all closed when
/// it goes away.
class Tarpit {
public:
  bool start() {
    Listen = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (Listen < 0)
      return false;
    sockaddr_in A{};
    A.sin_family = AF_INET;
    A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t L = sizeof(A);
    if (bind(Listen, reinterpret_cast<sockaddr *>(&A), sizeof(A)) != 0 || listen(Listen, 64) != 0 ||
        getsockname(Listen, reinterpret_cast<sockaddr *>(&A), &L) != 0) {
      close(Listen);
      Listen = -1;
      return false;
    }
    Port = ntohs(A.sin_port);
    Thread = std::thread([this] {
      while (!Stop) {
        pollfd P{Listen, POLLIN, 0};
        if (poll(&P, 1, 100) <= 0)
          continue;
        int C = accept4(Listen, nullptr, nullptr, SOCK_CLOEXEC);
        if (C < 0)
          continue;
        if (Held.size() < 64)
          Held.push_back(C); // accepted, never read, never answered
        else
          close(C);
      }
    });
    return true;
  }
  ~Tarpit() {
    Stop = true;
    if (Thread.joinable())
      Thread.join();
    for (int C : Held)
      close(C);
    if (Listen >= 0)
      close(Listen);
  }
  int port() const { return Port; }

private:
  int Listen = -1, Port = 0;
  std::atomic<bool> Stop{false};
  std::thread Thread;
  std::vector<int> Held;
};

/// Replaces the port \p From by \p To where it stands alone in \p Value
/// (`6379`, `127.0.0.1:6379`, `port=6379`, `redis://h:6379/0`).
bool replacePort(std::string &Value, const std::string &From, const std::string &To) {
  bool Changed = false;
  size_t I = 0;
  while ((I = Value.find(From, I)) != std::string::npos) {
    size_t E = I + From.size();
    bool Before = I == 0 || !isdigit(static_cast<unsigned char>(Value[I - 1]));
    bool After = E == Value.size() || !isdigit(static_cast<unsigned char>(Value[E]));
    if (Before && After) {
      Value.replace(I, From.size(), To);
      I += To.size();
      Changed = true;
    } else {
      ++I;
    }
  }
  return Changed;
}

/// The loopback ports the blocking calls of \p F talked to in \p Main: the
/// peers of connects made at its site or elsewhere in its function.
std::set<std::string> loopbackPorts(const verify::StaticFinding &F, const verify::RuntimeFacts &Main) {
  std::set<std::string> Ports;
  for (const verify::RuntimeEvent &E : Main.Events) {
    if (E.T != verify::RuntimeEvent::Connect || E.Peer.rfind("127.0.0.1:", 0) != 0)
      continue;
    bool Near = false;
    for (const core::Site &Fr : E.Frames) {
      core::Site W = F.Where;
      W.Line = Fr.Line; // same file and function, any line
      Near |= verify::sameSite(W, Fr) && !F.Where.Function.empty() && !Fr.Function.empty();
    }
    if (Near)
      Ports.insert(E.Peer.substr(10));
  }
  return Ports;
}

#endif

int countLines(const std::string &Path) {
  std::ifstream In(Path);
  int N = 0;
  std::string L;
  while (std::getline(In, L))
    N += L.find_first_not_of(" \t\r") != std::string::npos;
  return N;
}

} // namespace

int verifyCommand(llvm::ArrayRef<const char *> Args) {
  VerifyOptions O;
  bool Help = false;
  std::string Err = parseVerifyOptions(Args, O, Help);
  if (Help) {
    llvm::outs() << VerifyUsage;
    return 0;
  }
  if (!Err.empty()) {
    llvm::errs() << error(Err) << "\n";
    return 2;
  }
#if !defined(SERVERLESS_HAVE_RUNTIME) || !defined(SERVERLESS_HAVE_SHIM)
  llvm::errs() << error("this build has no runtime emulator or shim: verify needs both") << "\n";
  return 2;
#else
  auto Start = std::chrono::steady_clock::now();
  auto Deadline = Start + std::chrono::milliseconds(int64_t(O.MaxSeconds * 1000));
  if (!llvm::sys::fs::exists(O.Binary) || llvm::sys::fs::is_directory(O.Binary)) {
    llvm::errs() << error("no such function binary: '" + O.Binary + "'") << "\n";
    return 2;
  }
  // Reports are refused before the work starts.
  for (const std::string &F : {O.JsonFile, O.SarifFile, O.HtmlFile})
    if (!F.empty()) {
      std::error_code EC;
      llvm::raw_fd_ostream OS(F, EC);
      if (EC) {
        llvm::errs() << error("cannot write '" + F + "': " + EC.message()) << "\n";
        return 2;
      }
    }

  // 1. Static.
  std::vector<std::string> CheckArgv = {"check", "-p", O.BuildPath, "--quiet"};
  CheckArgv.insert(CheckArgv.end(), O.StaticArgs.begin(), O.StaticArgs.end());
  std::vector<const char *> CArgs;
  for (const std::string &S : CheckArgv)
    CArgs.push_back(S.c_str());
  WholeProgramResult WP;
  int StaticStatus = wholeProgramCheck(CArgs, &WP);
  if (StaticStatus == 2)
    return 2;
  if (StaticStatus == 1)
    llvm::errs() << "serverless-tidy: verify: some translation units could not be analysed (see above); "
                    "their findings are missing\n";
  llvm::SmallString<256> Cwd;
  llvm::sys::fs::current_path(Cwd);
  std::string Root = O.SourceRoot.empty() ? report::defaultSourceRoot(Cwd.str().str()) : absolutePath(O.SourceRoot);
  report::SourceFiles Src;
  std::vector<summary::Diagnostic> Diags;
  for (const summary::Diagnostic &D : WP.Diagnostics)
    if (isVerifiedCheck(D.Check) && D.Level != "remark")
      Diags.push_back(D);
  std::vector<report::Finding> Prepared = report::prepare(Diags, WP.FunctionNames, Root, Src);
  model::ApiModel Model = model::ApiModel::withDefaults();
  std::vector<verify::StaticFinding> Static;
  for (const report::Finding &F : Prepared) {
    verify::StaticFinding S;
    S.Check = F.D.Check;
    S.Level = F.Level;
    S.Where.Path = absolutePath(F.D.Loc.Path);
    S.Where.Line = F.D.Loc.Line;
    S.Where.Column = F.D.Loc.Column;
    S.Where.FunctionUsr = F.D.FunctionUsr;
    S.Where.Function = F.Function;
    S.Message = F.D.Message;
    S.Path = F.Path;
    S.Fingerprint = F.Fingerprint;
    kindAndCall(Model, F.D.Message, S.Kind, S.Call);
    // A blocking call that also returns a value the models track
    // (redisCommand's reply) blocks on its connection, not on that value.
    if (S.Check == verify::MissingDeadline)
      if (const core::ResourceKind *K = core::resourceKind(S.Kind); K && K->Runtime.empty())
        S.Kind.clear();
    Static.push_back(std::move(S));
  }
  if (!O.Quiet) {
    char B[32];
    snprintf(B, sizeof B, "%.1f", std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count());
    llvm::errs() << "serverless-tidy: verify: " << WP.TranslationUnits << " translation unit"
                 << (WP.TranslationUnits == 1 ? "" : "s") << ", " << Static.size() << " finding"
                 << (Static.size() == 1 ? "" : "s") << " in " << B << " s; running '" << O.Binary << "'\n";
  }

  // 2. Runtime: warm invocations, SIGTERM + grace at shutdown (a simulated
  // external extension), the events as given.
  std::vector<verify::RuntimeFacts> Runs;
  int64_t N = O.Invocations;
  if (N < 0)
    N = O.EventsFile.empty() || O.EventsFile == "-" ? 5 : std::max(3, countLines(O.EventsFile));
  std::vector<std::string> Extra = {"--invocations", std::to_string(N), "--extension", "serverless-tidy-verify"};
  verify::RuntimeFacts Main;
  if (std::chrono::steady_clock::now() >= Deadline) {
    llvm::errs() << "serverless-tidy: verify: warning: --max-seconds reached during the static analysis; "
                    "the function was not run\n";
    verify::VerifyResult R = verify::join(Static, {});
    llvm::outs() << verify::renderText(R);
    if (!O.JsonFile.empty()) {
      std::string E;
      if (!report::writeOutput(O.JsonFile, verify::toJson(R).dump(2) + "\n", E)) {
        llvm::errs() << error(E) << "\n";
        return 3;
      }
    }
    return verify::failStatus(R, O.FailOn);
  }
  int RunStatus = runScenario(O, "warm", Extra, Deadline, Main, Err);
  if (RunStatus != 0) {
    llvm::errs() << error(Err) << "\n";
    return RunStatus;
  }
  for (const std::string &W : Main.Warnings)
    llvm::errs() << "serverless-tidy: verify: warning: " << W << "\n";
  Runs.push_back(std::move(Main));

  // Fault injection for missing-deadline findings the warm run did not
  // confirm: their loopback peer, as configured through --env, is replaced
  // by a tarpit for another run (a cold and a warm invocation), one run per
  // peer port (so one stuck call does not hide the next), at most 3.
  {
    verify::VerifyResult First = verify::join(Static, Runs);
    std::map<std::string, std::vector<std::string>> SitesByPort;
    for (const verify::VerifiedFinding &V : First.Findings)
      if (V.F.Check == verify::MissingDeadline && V.V != verify::Verdict::Confirmed)
        for (const std::string &Port : loopbackPorts(V.F, Runs[0])) {
          bool Configured = false;
          for (size_t I = 0; I + 1 < O.RunArgs.size(); I += 2)
            if (O.RunArgs[I] == "--env") {
              std::string Value = O.RunArgs[I + 1];
              Configured |= replacePort(Value, Port, "0");
            }
          if (Configured)
            SitesByPort[Port].push_back(V.F.Where.Path + ":" + std::to_string(V.F.Where.Line));
        }
    size_t Done = 0;
    for (auto &[Port, Sites] : SitesByPort) {
      if (++Done > 3 || std::chrono::steady_clock::now() >= Deadline)
        break;
      Tarpit Pit;
      if (!Pit.start()) {
        llvm::errs() << "serverless-tidy: verify: warning: no loopback tarpit (socket, bind or listen failed)\n";
        break;
      }
      VerifyOptions T = O;
      std::string To = std::to_string(Pit.port());
      for (size_t I = 0; I + 1 < T.RunArgs.size(); I += 2)
        if (T.RunArgs[I] == "--env")
          replacePort(T.RunArgs[I + 1], Port, To);
      std::vector<std::string> TExtra = {"--invocations", "2", "--extension", "serverless-tidy-verify"};
      verify::RuntimeFacts Fault;
      if (runScenario(T, "tarpit", TExtra, Deadline, Fault, Err) == 0) {
        Fault.TarpitSites = Sites;
        Fault.TarpitPeer = "127.0.0.1:" + To + " (in place of 127.0.0.1:" + Port + ")";
        for (const std::string &W : Fault.Warnings)
          llvm::errs() << "serverless-tidy: verify: warning (tarpit run): " << W << "\n";
        Runs.push_back(std::move(Fault));
      } else if (Err == "interrupted") {
        llvm::errs() << error("interrupted") << "\n";
        return 130;
      } else {
        llvm::errs() << "serverless-tidy: verify: warning: the tarpit run failed: " << Err << "\n";
      }
    }
  }

  // 3. Join and report.
  verify::VerifyResult R = verify::join(Static, Runs);
  std::string Text = verify::renderText(R);
  llvm::outs() << Text;
  llvm::outs().flush();
  int Status = 0;
  if (!O.JsonFile.empty()) {
    std::string E;
    if (!report::writeOutput(O.JsonFile, verify::toJson(R).dump(2) + "\n", E)) {
      llvm::errs() << error(E) << "\n";
      Status = 3;
    }
  }
  if (!O.SarifFile.empty()) {
    report::RunInfo Info;
    Info.SourceRoot = Root;
    Info.DocsDir = report::docsDirFor(selfPath());
    Info.TranslationUnits = WP.TranslationUnits;
    std::vector<report::Finding> Ordered;
    for (const verify::VerifiedFinding &V : R.Findings)
      for (const report::Finding &F : Prepared)
        if (F.Fingerprint == V.F.Fingerprint) {
          Ordered.push_back(F);
          break;
        }
    nlohmann::json Sarif = nlohmann::json::parse(report::renderSarif(Ordered, Info, Src), nullptr, false);
    if (Sarif.is_discarded()) {
      llvm::errs() << error("internal error: the SARIF writer's output does not parse") << "\n";
      Status = 3;
    } else {
      verify::annotateSarif(Sarif, R);
      std::string E;
      if (!report::writeOutput(O.SarifFile, Sarif.dump(2) + "\n", E)) {
        llvm::errs() << error(E) << "\n";
        Status = 3;
      }
    }
  }
  if (!O.HtmlFile.empty()) {
    verify::SnippetFn Snippet = [&Src](const std::string &Path, unsigned Line) {
      std::pair<unsigned, std::vector<std::string>> Out{Line > 3 ? Line - 3 : 1, {}};
      for (unsigned N = Out.first; N <= Line + 3; ++N) {
        std::optional<std::string> L = Src.line(Path, N);
        if (!L)
          break;
        Out.second.push_back(*L);
      }
      return Out;
    };
    std::string E;
    if (!report::writeOutput(O.HtmlFile, verify::renderHtml(R, Runs, Snippet), E)) {
      llvm::errs() << error(E) << "\n";
      Status = 3;
    }
  }
  if (!O.Quiet) {
    double Secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
    char B[64];
    snprintf(B, sizeof B, "%.1f", Secs);
    llvm::errs() << "serverless-tidy: verify: " << R.Scenarios.size() << " scenario"
                 << (R.Scenarios.size() == 1 ? "" : "s") << " (";
    for (size_t I = 0; I < R.Scenarios.size(); ++I)
      llvm::errs() << (I ? "; " : "") << R.Scenarios[I];
    llvm::errs() << ") in " << B << " s\n";
  }
  if (Status)
    return Status;
  return verify::failStatus(R, O.FailOn);
#endif
}

} // namespace serverless::tool
