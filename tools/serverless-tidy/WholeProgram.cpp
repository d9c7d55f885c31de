//===--- WholeProgram.cpp - `serverless-tidy check -p` and `merge` --------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The map step (one child process per TU: clang-tidy's own runClangTidy with
// a summary::Collector installed) and the reduce step (summary::judge) of
// whole-program mode. Children isolate the TUs from each other: a TU that
// does not parse, or crashes the compiler, is reported and the rest is still
// analysed.
//
//===----------------------------------------------------------------------===//
#include "WholeProgram.h"

#include "Analysis/FunctionTimeout.h"
#include "Model/ConfigLocator.h"
#include "DiffBase.h"
#include "Summary/Collector.h"
#include "Summary/Facts.h"
#include "Report/Report.h"
#include "clang-tidy/ClangTidy.h"
#include "clang-tidy/ClangTidyDiagnosticConsumer.h"
#include "clang-tidy/ClangTidyOptions.h"
#include "clang-tidy/GlobList.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CommonOptionsParser.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>

using llvm::StringRef;
namespace summary = serverless::summary;

namespace serverless::tool {

namespace {

const char *const CheckNames[] = {"serverless-handler-scope-client", "serverless-unclosed-resource",
                                  "serverless-missing-deadline", "serverless-missing-shutdown-hook"};

/// Options of `check -p` / `merge` / the internal summarise step.
struct Options {
  std::string BuildPath;
  std::vector<std::string> Files;
  unsigned Jobs = 0;
  std::string Checks, Config, ConfigFile, WarningsAsErrors, HeaderFilter;
  bool HaveChecks = false, HaveConfig = false, HaveConfigFile = false, HaveWAE = false,
       HaveHeaderFilter = false;
  std::vector<std::string> ExtraArgs, ExtraArgsBefore;
  unsigned ShardIndex = 0, ShardCount = 0; // 1-based index; 0 = no sharding.
  std::string FactsDir;                    // Write fact files here (and do not judge).
  std::string CacheDir;                    // Default: BUILD/.serverless-tidy-cache
  bool NoCache = false;
  bool Quiet = false;
  std::optional<bool> Progress;
  std::string Out; // __summarize: the fact file to write.
  std::string Derived; // __summarize: derived functions of the program (second pass).
  std::vector<std::string> Positional;
  // Outputs of the judged result (docs/ci.md).
  std::string Format = "text", OutputFile, SourceRoot, WriteBaseline, BaselineFile;
  std::optional<report::Baseline> LoadedBaseline; // --baseline, read before the analysis.
  std::string DiffBaseRef;                         // --diff-base REF
  std::optional<report::DiffBase> Diff;            // Prepared before the analysis.
};

std::string error(StringRef Msg) { return ("serverless-tidy: error: " + Msg).str(); }

/// Parses `-x=v`, `--x=v`, `-x v`, `--x v`.
bool takeValue(llvm::ArrayRef<const char *> Args, size_t &I, StringRef Name, std::string &Out) {
  StringRef A = Args[I];
  for (StringRef Prefix : {"--", "-"}) {
    std::string Flag = (Prefix + Name).str();
    if (A == Flag) {
      if (I + 1 >= Args.size())
        return false;
      Out = Args[++I];
      return true;
    }
    if (A.starts_with(Flag + "=")) {
      Out = A.substr(Flag.size() + 1).str();
      return true;
    }
  }
  return false;
}

bool isFlag(StringRef A, StringRef Name) { return A == "-" + Name.str() || A == "--" + Name.str(); }

/// Returns an error line, or "" on success.
std::string parseOptions(llvm::ArrayRef<const char *> Args, Options &O) {
  for (size_t I = 1; I < Args.size(); ++I) {
    StringRef A = Args[I];
    std::string V;
    if (takeValue(Args, I, "p", V))
      O.BuildPath = V;
    else if (takeValue(Args, I, "j", V) || (A.starts_with("-j") && A.size() > 2 && (V = A.substr(2).str(), true))) {
      if (!llvm::to_integer(V, O.Jobs) || O.Jobs == 0 || O.Jobs > 256)
        return error("-j: expected a number of jobs from 1 to 256, got '" + V + "'");
    } else if (takeValue(Args, I, "checks", V))
      O.Checks = V, O.HaveChecks = true;
    else if (takeValue(Args, I, "config-file", V))
      O.ConfigFile = V, O.HaveConfigFile = true;
    else if (takeValue(Args, I, "config", V))
      O.Config = V, O.HaveConfig = true;
    else if (takeValue(Args, I, "warnings-as-errors", V))
      O.WarningsAsErrors = V, O.HaveWAE = true;
    else if (takeValue(Args, I, "header-filter", V))
      O.HeaderFilter = V, O.HaveHeaderFilter = true;
    else if (takeValue(Args, I, "extra-arg-before", V))
      O.ExtraArgsBefore.push_back(V);
    else if (takeValue(Args, I, "extra-arg", V))
      O.ExtraArgs.push_back(V);
    else if (takeValue(Args, I, "shard", V)) {
      auto [L, R] = StringRef(V).split('/');
      if (!llvm::to_integer(L, O.ShardIndex) || !llvm::to_integer(R, O.ShardCount) || O.ShardCount == 0 ||
          O.ShardIndex == 0 || O.ShardIndex > O.ShardCount)
        return error("--shard: expected I/N with 1 <= I <= N, got '" + V + "'");
    } else if (takeValue(Args, I, "facts-dir", V))
      O.FactsDir = V;
    else if (takeValue(Args, I, "cache-dir", V))
      O.CacheDir = V;
    else if (takeValue(Args, I, "out", V))
      O.Out = V;
    else if (takeValue(Args, I, "format", V)) {
      if (!report::parseFormat(V))
        return error("--format: expected text, json or sarif, got '" + V + "'");
      O.Format = V;
    } else if (takeValue(Args, I, "o", V) || takeValue(Args, I, "output", V))
      O.OutputFile = V;
    else if (takeValue(Args, I, "source-root", V) || takeValue(Args, I, "sarif-root", V))
      O.SourceRoot = V;
    else if (takeValue(Args, I, "write-baseline", V))
      O.WriteBaseline = V;
    else if (takeValue(Args, I, "baseline", V)) {
      report::Baseline B;
      std::string E;
      if (!report::readBaseline(V, B, E))
        return error(E);
      O.BaselineFile = V;
      O.LoadedBaseline = std::move(B);
    }
    else if (takeValue(Args, I, "diff-base", V)) {
      if (V.empty())
        return error("--diff-base: expected a git commit (a branch, tag or hash)");
      O.DiffBaseRef = V;
    }
    else if (takeValue(Args, I, "derived", V))
      O.Derived = V;
    else if (isFlag(A, "no-cache"))
      O.NoCache = true;
    else if (isFlag(A, "quiet"))
      O.Quiet = true;
    else if (isFlag(A, "progress"))
      O.Progress = true;
    else if (isFlag(A, "no-progress"))
      O.Progress = false;
    else if (isFlag(A, "use-color") || isFlag(A, "use-color=false"))
      continue;
    else if (A.starts_with("-"))
      return error("unknown option '" + A.str() + "' in whole-program mode (see serverless-tidy check --help)");
    else
      O.Positional.push_back(A.str());
  }
  return "";
}

std::string absolute(StringRef P, StringRef Base = "") {
  llvm::SmallString<256> S(P);
  if (!llvm::sys::path::is_absolute(S)) {
    if (!Base.empty()) {
      llvm::SmallString<256> B(Base);
      llvm::sys::path::append(B, S);
      S = B;
    } else {
      llvm::sys::fs::make_absolute(S);
    }
  }
  llvm::sys::path::remove_dots(S, /*remove_dot_dot=*/true);
  return std::string(S);
}

std::string selfPath() {
  static int Anchor;
  return llvm::sys::fs::getMainExecutable("serverless-tidy", &Anchor);
}

std::string sha256Hex(StringRef Data) {
  std::array<uint8_t, 32> H = llvm::SHA256::hash(llvm::arrayRefFromStringRef(Data));
  return llvm::toHex(H, /*LowerCase=*/true);
}

/// Size and modification time, for cache validation.
bool statFile(StringRef Path, unsigned long long &Size, long long &MTimeNs) {
  llvm::sys::fs::file_status St;
  if (llvm::sys::fs::status(Path, St))
    return false;
  Size = St.getSize();
  MTimeNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                St.getLastModificationTime().time_since_epoch())
                .count();
  return true;
}

/// The options forwarded to the summarise step; also part of the cache key.
std::vector<std::string> forwardedOptions(const Options &O) {
  std::vector<std::string> A;
  if (O.HaveChecks)
    A.push_back("--checks=" + O.Checks);
  if (O.HaveConfig)
    A.push_back("--config=" + O.Config);
  if (O.HaveConfigFile)
    A.push_back("--config-file=" + absolute(O.ConfigFile));
  if (O.HaveWAE)
    A.push_back("--warnings-as-errors=" + O.WarningsAsErrors);
  if (O.HaveHeaderFilter)
    A.push_back("--header-filter=" + O.HeaderFilter);
  for (const std::string &E : O.ExtraArgsBefore)
    A.push_back("--extra-arg-before=" + E);
  for (const std::string &E : O.ExtraArgs)
    A.push_back("--extra-arg=" + E);
  return A;
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

class SourceCache {
public:
  /// The text of line \p Line of \p Path (without the newline), if readable.
  std::optional<std::string> line(const std::string &Path, unsigned Line) {
    auto &Lines = load(Path);
    if (Line == 0 || Line > Lines.size())
      return std::nullopt;
    return Lines[Line - 1];
  }
  /// Line and column of byte \p Offset.
  std::pair<unsigned, unsigned> lineCol(const std::string &Path, unsigned Offset) {
    auto &Lines = load(Path);
    unsigned Seen = 0;
    for (unsigned L = 0; L < Lines.size(); ++L) {
      unsigned Len = Lines[L].size() + 1;
      if (Offset < Seen + Len)
        return {L + 1, Offset - Seen + 1};
      Seen += Len;
    }
    return {0, 0};
  }

private:
  std::vector<std::string> &load(const std::string &Path) {
    auto It = Files.find(Path);
    if (It != Files.end())
      return It->second;
    std::vector<std::string> &Lines = Files[Path];
    if (auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false)) {
      StringRef Text = (*Buf)->getBuffer();
      while (!Text.empty()) {
        auto [L, R] = Text.split('\n');
        Lines.push_back(L.str());
        Text = R;
      }
    }
    return Lines;
  }
  std::map<std::string, std::vector<std::string>> Files;
};

void printLocated(llvm::raw_ostream &OS, SourceCache &Src, const summary::Location &L, StringRef Level,
                  StringRef Message, StringRef Check) {
  if (!L.Path.empty()) {
    OS << L.Path << ":" << L.Line << ":" << L.Column << ": ";
  }
  OS << Level << ": " << Message;
  if (!Check.empty())
    OS << " [" << Check << "]";
  OS << "\n";
  if (L.Path.empty() || L.Line == 0)
    return;
  if (std::optional<std::string> Text = Src.line(L.Path, L.Line)) {
    std::string Num = std::to_string(L.Line);
    std::string Pad(Num.size() < 5 ? 5 - Num.size() : 0, ' ');
    OS << Pad << Num << " | " << *Text << "\n";
    OS << std::string(Pad.size() + Num.size(), ' ') << " | ";
    // Keep tabs so the caret lines up.
    for (unsigned C = 1; C < L.Column && C - 1 < Text->size(); ++C)
      OS << ((*Text)[C - 1] == '\t' ? '\t' : ' ');
    OS << "^\n";
  }
}

/// Prints the judged findings; returns the number of errors (compiler
/// errors and warnings-as-errors).
unsigned printDiagnostics(llvm::raw_ostream &OS, const std::vector<summary::Diagnostic> &Diags,
                          unsigned &Warnings) {
  SourceCache Src;
  unsigned Errors = 0;
  Warnings = 0;
  for (const summary::Diagnostic &D : Diags) {
    std::string Level = D.Level;
    std::string Check = D.Check;
    if (D.WarningAsError) {
      Level = "error";
      Check += ",-warnings-as-errors";
    }
    printLocated(OS, Src, D.Loc, Level, D.Message, Check);
    for (size_t I = 0; I < D.Notes.size(); ++I)
      if (!report::handlerNoteOnly(D.Notes, I))
        printLocated(OS, Src, D.Notes[I].Loc, "note", D.Notes[I].Message, "");
    if (Level == "error")
      ++Errors;
    else if (Level == "warning")
      ++Warnings;
  }
  return Errors;
}

//===----------------------------------------------------------------------===//
// The summarise step (one TU, in a child process)
//===----------------------------------------------------------------------===//

bool enablesServerless(const clang::tidy::ClangTidyOptions &Opts) {
  if (!Opts.Checks)
    return false;
  clang::tidy::GlobList G(*Opts.Checks);
  for (const char *C : CheckNames)
    if (G.contains(C))
      return true;
  return false;
}

std::unique_ptr<clang::tidy::ClangTidyOptionsProvider>
makeProvider(const Options &O, const clang::tidy::ClangTidyOptions &Override, std::string &Err) {
  using namespace clang::tidy;
  ClangTidyGlobalOptions Global;
  ClangTidyOptions Defaults = ClangTidyOptions::getDefaults();
  // As `serverless-tidy check` without a configuration: our checks only.
  Defaults.Checks = "-*,serverless-*";
  if (O.HaveConfig || O.HaveConfigFile) {
    std::string Text = O.Config;
    if (O.HaveConfigFile) {
      auto Buf = llvm::MemoryBuffer::getFile(O.ConfigFile);
      if (!Buf) {
        Err = error("--config-file: cannot read '" + O.ConfigFile + "'");
        return nullptr;
      }
      Text = (*Buf)->getBuffer().str();
    }
    auto Parsed = parseConfiguration(llvm::MemoryBufferRef(Text, O.HaveConfigFile ? O.ConfigFile : "--config"));
    if (!Parsed) {
      Err = error("invalid configuration (" + std::string(O.HaveConfigFile ? O.ConfigFile : "--config") +
                  "): " + Parsed.getError().message());
      return nullptr;
    }
    return std::make_unique<ConfigOptionsProvider>(Global, Defaults, std::move(*Parsed), Override);
  }
  return std::make_unique<FileOptionsProvider>(Global, Defaults, Override,
                                               llvm::vfs::getRealFileSystem());
}

} // namespace

int summarizeCommand(llvm::ArrayRef<const char *> Args) {
  using namespace clang::tidy;
  Options O;
  std::string Err = parseOptions(Args, O);
  if (Err.empty() && (O.Positional.size() != 1 || O.Out.empty() || O.BuildPath.empty()))
    Err = error("usage: serverless-tidy __summarize -p BUILD --out FACTS [options] FILE");
  if (!Err.empty()) {
    llvm::errs() << Err << "\n";
    return 2;
  }
  const std::string File = O.Positional.front();
  std::string DBErr;
  std::unique_ptr<clang::tooling::CompilationDatabase> DB =
      clang::tooling::CompilationDatabase::loadFromDirectory(O.BuildPath, DBErr);
  if (!DB) {
    llvm::errs() << error("cannot load the compilation database in '" + O.BuildPath + "': " + DBErr) << "\n";
    return 2;
  }
  std::unique_ptr<clang::tooling::CompilationDatabase> Adjusted;
  if (!O.ExtraArgs.empty() || !O.ExtraArgsBefore.empty()) {
    auto *Args = new clang::tooling::ArgumentsAdjustingCompilations(std::move(DB));
    Args->appendArgumentsAdjuster(clang::tooling::getInsertArgumentAdjuster(
        O.ExtraArgsBefore, clang::tooling::ArgumentInsertPosition::BEGIN));
    Args->appendArgumentsAdjuster(
        clang::tooling::getInsertArgumentAdjuster(O.ExtraArgs, clang::tooling::ArgumentInsertPosition::END));
    Adjusted.reset(Args);
  } else {
    Adjusted = std::move(DB);
  }

  ClangTidyOptions Override;
  if (O.HaveChecks)
    Override.Checks = O.Checks;
  if (O.HaveWAE)
    Override.WarningsAsErrors = O.WarningsAsErrors;
  if (O.HaveHeaderFilter)
    Override.HeaderFilterRegex = O.HeaderFilter;
  auto Provider = makeProvider(O, Override, Err);
  if (!Provider) {
    llvm::errs() << Err << "\n";
    return 2;
  }
  summary::Collector C;
  if (!O.Derived.empty()) {
    if (!summary::readDerived(O.Derived, C.DerivedIn, Err)) {
      llvm::errs() << error(Err) << "\n";
      return 2;
    }
    C.Facts.UsedDerived = true;
  }
  // The repository's configuration may enable none of our checks: run them
  // anyway (the point of this command), and say so once (the parent does).
  if (!enablesServerless(Provider->getOptions(File))) {
    ClangTidyOptions More = Override;
    More.Checks = (Override.Checks ? *Override.Checks + "," : std::string()) + "serverless-*";
    if (!Override.Checks)
      More.Checks = *Provider->getOptions(File).Checks + ",serverless-*";
    Provider = makeProvider(O, More, Err);
    C.Facts.ForcedServerlessChecks = true;
  }
  std::vector<std::string> ConfigFiles;
  for (const auto &Src : Provider->getRawOptions(File))
    if (llvm::sys::fs::is_regular_file(Src.second))
      ConfigFiles.push_back(absolute(Src.second));
  ClangTidyOptions FileOpts = Provider->getOptions(File);

  // serverless-missing-deadline: the function timeout from template.yaml /
  // serverless.yml above the source.
  std::vector<StringRef> Sources{File};
  exportFunctionTimeout(Sources);

  ClangTidyContext Context(std::move(Provider));
  C.Facts.File = absolute(File);
  std::vector<clang::tooling::CompileCommand> Cmds = Adjusted->getCompileCommands(File);
  C.Facts.Directory = Cmds.empty() ? "" : Cmds.front().Directory;
  llvm::IntrusiveRefCntPtr<llvm::vfs::OverlayFileSystem> FS(
      new llvm::vfs::OverlayFileSystem(llvm::vfs::getRealFileSystem()));
  summary::Collector::setActive(&C);
  std::vector<ClangTidyError> Errors = runClangTidy(Context, *Adjusted, {File}, FS, /*ApplyAnyFix=*/false);
  summary::Collector::setActive(nullptr);

  SourceCache Src;
  auto Loc = [&](const clang::tooling::DiagnosticMessage &M, StringRef BuildDir) {
    summary::Location L;
    if (M.FilePath.empty())
      return L;
    L.Path = absolute(M.FilePath, BuildDir);
    L.Offset = M.FileOffset;
    std::tie(L.Line, L.Column) = Src.lineCol(L.Path, M.FileOffset);
    return L;
  };
  for (const ClangTidyError &E : Errors) {
    summary::Diagnostic D;
    D.Check = E.DiagnosticName;
    D.Level = E.DiagLevel == clang::tooling::Diagnostic::Error     ? "error"
              : E.DiagLevel == clang::tooling::Diagnostic::Remark ? "remark"
                                                                   : "warning";
    D.Message = E.Message.Message;
    D.Loc = Loc(E.Message, E.BuildDirectory);
    D.WarningAsError = E.IsWarningAsError;
    for (const auto &N : E.Notes) {
      summary::Note NT{N.Message, Loc(N, E.BuildDirectory), {}};
      for (const auto &FileFix : N.Fix)
        for (const clang::tooling::Replacement &R : FileFix.second)
          NT.Fixes.push_back({absolute(R.getFilePath(), E.BuildDirectory), R.getOffset(),
                              R.getLength(), R.getReplacementText().str()});
      D.Notes.push_back(std::move(NT));
    }
    for (const auto &FileFix : E.Message.Fix)
      for (const clang::tooling::Replacement &R : FileFix.second)
        D.Fixes.push_back({absolute(R.getFilePath(), E.BuildDirectory), R.getOffset(), R.getLength(),
                           R.getReplacementText().str()});
    summary::Collector::Tag T;
    if (C.takeTag(D.Check, E.Message.FilePath, E.Message.FileOffset, T)) {
      D.Condition = T.Condition;
      D.FunctionUsr = T.FunctionUsr;
      D.UnknownIfHooksElsewhere = T.UnknownIfHooksElsewhere;
      D.Unseen = T.Unseen;
      D.ConfiguredBy = T.ConfiguredBy;
      D.ShutdownOf = T.ShutdownOf;
    }
    if (D.Check == "clang-diagnostic-error")
      C.Facts.CompilerErrors = true;
    C.Facts.Diagnostics.push_back(std::move(D));
  }
  C.finishHandlers();
  // What the result depends on: every file the TU read (recorded while the
  // AST was alive), the configuration files, the user model files.
  std::set<std::string> InputPaths(C.Facts.Inputs.size() ? std::set<std::string>() : std::set<std::string>());
  // Installed headers (/usr) change only with packages: the cache key holds
  // the dpkg database's modification time for them, which keeps fact files
  // small (a TU reads hundreds of system headers).
  for (const summary::Input &I : C.Facts.Inputs)
    if (!StringRef(I.Path).starts_with("/usr/"))
      InputPaths.insert(I.Path);
  InputPaths.insert(C.Facts.File);
  for (const std::string &F : ConfigFiles)
    InputPaths.insert(F);
  // The model files as the checks resolve them (Model/ConfigLocator.h).
  for (const auto &[Key, Value] : FileOpts.CheckOptions)
    if (StringRef(Key).ends_with(".ModelFiles") || Key == "ModelFiles")
      for (const serverless::model::ResolvedPath &M :
           serverless::model::resolveOptionPaths(File, {std::string(Key)}, Value.Value, /*WithClangd=*/false))
        InputPaths.insert(M.Path);
  C.Facts.Inputs.clear();
  for (const std::string &P : InputPaths) {
    summary::Input I;
    I.Path = P;
    if (!statFile(P, I.Size, I.MTimeNs))
      I.Size = ~0ull; // Missing now: any later state differs.
    C.Facts.Inputs.push_back(I);
  }
  if (!summary::writeFacts(O.Out, C.Facts, Err)) {
    llvm::errs() << error(Err) << "\n";
    return 2;
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// The parent: schedule, cache, judge, print
//===----------------------------------------------------------------------===//

namespace {

struct Job {
  std::string File;
  std::string Key;
  std::string FactsPath;
  std::string LogPath;
  llvm::sys::ProcessInfo PI;
  bool Cached = false;
  std::vector<std::string> Extra; // Arguments of the second pass.
};

bool cacheValid(const summary::TUFacts &F) {
  for (const summary::Input &I : F.Inputs) {
    unsigned long long Size;
    long long MTime;
    if (!statFile(I.Path, Size, MTime)) {
      if (I.Size != ~0ull)
        return false;
      continue;
    }
    if (Size != I.Size || MTime != I.MTimeNs)
      return false;
  }
  return true;
}

std::string formatSeconds(double S) {
  char Buf[32];
  if (S < 60)
    snprintf(Buf, sizeof Buf, "%.0fs", S);
  else
    snprintf(Buf, sizeof Buf, "%dm%02ds", int(S) / 60, int(S) % 60);
  return Buf;
}

std::string lastLines(const std::string &Path, unsigned N) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return "";
  llvm::SmallVector<StringRef, 64> Lines;
  StringRef((*Buf)->getBuffer()).trim().split(Lines, '\n');
  std::string Out;
  for (size_t I = Lines.size() > N ? Lines.size() - N : 0; I < Lines.size(); ++I)
    Out += (Out.empty() ? "" : "\n") + Lines[I].str();
  return Out;
}

std::string sourceRootOf(const Options &O) {
  llvm::SmallString<256> Cwd;
  llvm::sys::fs::current_path(Cwd);
  return O.SourceRoot.empty() ? report::defaultSourceRoot(Cwd.str().str()) : absolute(O.SourceRoot);
}

int judgeAndPrint(std::vector<summary::TUFacts> &TUs, const Options &O) {
  std::sort(TUs.begin(), TUs.end(),
            [](const summary::TUFacts &A, const summary::TUFacts &B) { return A.File < B.File; });
  if (std::any_of(TUs.begin(), TUs.end(), [](const summary::TUFacts &F) { return F.ForcedServerlessChecks; }))
    llvm::errs() << "serverless-tidy: note: the .clang-tidy configuration enables no serverless-* check; "
                    "running them anyway (add 'serverless-*' to its Checks to say so)\n";
  std::vector<summary::Diagnostic> Diags = summary::judge(TUs);
  // Configuration problems (a model file that cannot be read or parsed, an
  // invalid option value) are bad input, not findings: said once (the judge
  // merged the TUs' copies), not counted, exit 2 after the findings, which
  // were computed with the built-in models.
  std::vector<std::string> ConfigErrors;
  Diags.erase(std::remove_if(Diags.begin(), Diags.end(),
                             [&](const summary::Diagnostic &D) {
                               if (D.Check != "clang-tidy-config")
                                 return false;
                               ConfigErrors.push_back(D.Message);
                               return true;
                             }),
              Diags.end());
  for (const std::string &M : ConfigErrors)
    llvm::errs() << error("configuration: " + M) << "\n";

  // The output step (lib/Report, docs/ci.md): format, -o, baselines.
  report::EmitOptions E;
  E.Fmt = *report::parseFormat(O.Format);
  E.OutputFile = O.OutputFile;
  E.SourceRoot = sourceRootOf(O);
  E.DocsDir = report::docsDirFor(selfPath());
  E.WriteBaseline = O.WriteBaseline;
  E.Base = O.LoadedBaseline ? &*O.LoadedBaseline : nullptr;
  E.BaselinePath = O.BaselineFile;
  E.Diff = O.Diff ? &*O.Diff : nullptr;
  E.TranslationUnits = TUs.size();
  E.FunctionNames = report::functionNames(TUs);
  E.RenderText = [](const std::vector<summary::Diagnostic> &Ds) {
    std::string S;
    llvm::raw_string_ostream OS(S);
    unsigned W = 0;
    printDiagnostics(OS, Ds, W);
    OS.flush();
    return S;
  };
  report::EmitResult R = report::emit(Diags, E);
  for (const std::string &Line : R.ErrorLines)
    llvm::errs() << error(Line) << "\n";
  if (R.Status == 2)
    return 2;
  auto Plural = [](size_t N, const char *One, const char *Many) {
    return std::to_string(N) + " " + (N == 1 ? One : Many);
  };
  if (!O.Quiet && !O.WriteBaseline.empty())
    llvm::errs() << "serverless-tidy: wrote " << Plural(R.BaselineWritten, "finding", "findings") << " to baseline '"
                 << O.WriteBaseline << "'\n";
  if (!O.Quiet && E.Base) {
    llvm::errs() << "serverless-tidy: baseline '" << O.BaselineFile << "': "
                 << Plural(R.Suppressed, "finding", "findings") << " suppressed, "
                 << Plural(R.Stale.size(), "entry", "entries") << " stale (no longer found)\n";
    for (size_t I = 0; I < R.Stale.size() && I < 10; ++I)
      llvm::errs() << "serverless-tidy: note: stale baseline entry: " << R.Stale[I].Path << ":" << R.Stale[I].Line
                   << ": " << R.Stale[I].Message << " [" << R.Stale[I].Check << "]\n";
    if (R.Stale.size() > 10)
      llvm::errs() << "serverless-tidy: note: ... and " << (R.Stale.size() - 10) << " more stale entries\n";
  }
  if (!O.Quiet && O.Diff)
    llvm::errs() << "serverless-tidy: --diff-base " << O.Diff->Ref << " (" << O.Diff->Commit.substr(0, 12)
                 << "): " << Plural(R.Unchanged, "finding", "findings")
                 << " already there and untouched since, not reported\n";
  if (!O.Quiet)
    llvm::errs() << "serverless-tidy: " << TUs.size() << " translation unit" << (TUs.size() == 1 ? "" : "s")
                 << ", " << R.Warnings << " warning" << (R.Warnings == 1 ? "" : "s") << ", " << R.Errors
                 << " error" << (R.Errors == 1 ? "" : "s")
                 << (ConfigErrors.empty() ? std::string()
                                          : ", " + Plural(ConfigErrors.size(), "configuration error",
                                                          "configuration errors"))
                 << "\n";
  return ConfigErrors.empty() ? R.Status : 2;
}

} // namespace

bool isWholeProgramCheck(llvm::ArrayRef<const char *> Args) {
  bool HasP = false;
  for (size_t I = 1; I < Args.size(); ++I) {
    StringRef A = Args[I];
    if (A == "--")
      return false;
    if (A == "-p" || A == "--p" || A.starts_with("-p=") || A.starts_with("--p="))
      HasP = true;
    for (StringRef Driver : {"fix", "fix-errors", "fix-notes", "export-fixes", "list-checks", "dump-config",
                             "explain-config", "help", "version", "store-check-profile", "enable-check-profile",
                             "verify-config", "vfsoverlay", "line-filter", "format-style", "system-headers",
                             "load", "exclude-header-filter", "allow-enabling-analyzer-alpha-checkers",
                             "enable-module-headers-parsing"})
      if (A == "-" + Driver.str() || A == "--" + Driver.str() || A.starts_with("-" + Driver.str() + "=") ||
          A.starts_with("--" + Driver.str() + "="))
        return false;
  }
  return HasP;
}

int wholeProgramCheck(llvm::ArrayRef<const char *> Args) { return wholeProgramCheck(Args, nullptr); }

int wholeProgramCheck(llvm::ArrayRef<const char *> Args, WholeProgramResult *Result) {
  Options O;
  std::string Err = parseOptions(Args, O);
  if (!Err.empty()) {
    llvm::errs() << Err << "\n";
    return 2;
  }
  // The compilation database.
  llvm::SmallString<256> DBFile(O.BuildPath);
  llvm::sys::path::append(DBFile, "compile_commands.json");
  if (!llvm::sys::fs::exists(DBFile)) {
    llvm::errs() << error("no compilation database: '" + DBFile.str().str() +
                          "' does not exist (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)")
                 << "\n";
    return 2;
  }
  std::string DBErr;
  auto DB = clang::tooling::JSONCompilationDatabase::loadFromFile(
      DBFile, DBErr, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (!DB) {
    llvm::errs() << error("cannot read the compilation database '" + DBFile.str().str() + "': " + DBErr) << "\n";
    return 2;
  }
  std::vector<std::string> Files;
  if (O.Positional.empty()) {
    Files = DB->getAllFiles();
  } else {
    std::set<std::string> Known;
    for (const std::string &F : DB->getAllFiles())
      Known.insert(absolute(F));
    for (const std::string &F : O.Positional) {
      std::string A = absolute(F);
      if (!llvm::sys::fs::exists(A)) {
        llvm::errs() << error("no such file: '" + F + "'") << "\n";
        return 2;
      }
      if (!Known.count(A)) {
        llvm::errs() << error("'" + F + "' is not in the compilation database '" + DBFile.str().str() + "'")
                     << "\n";
        return 2;
      }
      Files.push_back(A);
    }
  }
  for (std::string &F : Files)
    F = absolute(F);
  std::sort(Files.begin(), Files.end());
  Files.erase(std::unique(Files.begin(), Files.end()), Files.end());
  if (O.ShardCount) {
    std::vector<std::string> Mine;
    for (size_t I = 0; I < Files.size(); ++I)
      if (I % O.ShardCount == O.ShardIndex - 1)
        Mine.push_back(Files[I]);
    Files.swap(Mine);
  }
  if (Files.empty() && !O.ShardCount) {
    llvm::errs() << error("the compilation database '" + DBFile.str().str() + "' lists no files") << "\n";
    return 2;
  }

  // --diff-base: the findings at the base commit, first (a bad ref fails
  // in a second, before the analysis).
  if (!O.DiffBaseRef.empty()) {
    if (!O.FactsDir.empty()) {
      llvm::errs() << error("--diff-base needs the judged report: not with --facts-dir (pass it to merge's "
                            "caller's check run instead)")
                   << "\n";
      return 2;
    }
    DiffBaseRequest Req;
    Req.Ref = O.DiffBaseRef;
    Req.SourceRoot = sourceRootOf(O);
    Req.BuildPath = absolute(O.BuildPath);
    Req.Self = selfPath();
    Req.Forwarded = forwardedOptions(O);
    Req.Jobs = O.Jobs;
    Req.Quiet = O.Quiet;
    report::DiffBase D;
    std::string DErr;
    if (!prepareDiffBase(Req, D, DErr)) {
      llvm::errs() << error(DErr) << "\n";
      return 2;
    }
    O.Diff = std::move(D);
  }

  // Where fact files go: the cache (default), or --facts-dir for shards.
  std::string CacheDir = O.CacheDir.empty() ? (O.BuildPath + "/.serverless-tidy-cache") : O.CacheDir;
  CacheDir = absolute(CacheDir);
  if (auto EC = llvm::sys::fs::create_directories(CacheDir)) {
    llvm::errs() << error("cannot create the fact cache '" + CacheDir + "': " + EC.message()) << "\n";
    return 2;
  }
  if (!O.FactsDir.empty())
    if (auto EC = llvm::sys::fs::create_directories(O.FactsDir)) {
      llvm::errs() << error("cannot create --facts-dir '" + O.FactsDir + "': " + EC.message()) << "\n";
      return 2;
    }

  // The cache key: this tool, the options, the compile command.
  const std::string Self = selfPath();
  unsigned long long SelfSize = 0;
  long long SelfMTime = 0;
  statFile(Self, SelfSize, SelfMTime);
  std::vector<std::string> Fwd = forwardedOptions(O);
  std::string Common = Self + "\n" + std::to_string(SelfSize) + "\n" + std::to_string(SelfMTime) + "\n" +
                       std::to_string(summary::FactsVersion) + "\n" + llvm::join(Fwd, "\n") + "\n";
  {
    unsigned long long Size = 0;
    long long MTime = 0;
    if (statFile("/var/lib/dpkg/status", Size, MTime))
      Common += "dpkg=" + std::to_string(MTime) + "\n";
  }
  if (const char *T = getenv("SERVERLESS_TIDY_FUNCTION_TIMEOUT_MS"))
    Common += std::string("timeout=") + T + "\n";

  // .clang-tidy files above a source are part of its key: one created or
  // edited since the last run changes the checks or their options.
  std::map<std::string, std::string> ConfigByDir;
  std::function<std::string(StringRef)> ConfigsAbove = [&](StringRef Dir) -> std::string {
    if (Dir.empty())
      return "";
    auto It = ConfigByDir.find(Dir.str());
    if (It != ConfigByDir.end())
      return It->second;
    std::string Here;
    llvm::SmallString<256> Cfg(Dir);
    llvm::sys::path::append(Cfg, ".clang-tidy");
    if (auto Buf = llvm::MemoryBuffer::getFile(Cfg))
      Here = Cfg.str().str() + "\n" + (*Buf)->getBuffer().str() + "\n";
    StringRef Parent = llvm::sys::path::parent_path(Dir);
    std::string All = Here + (Parent == Dir ? "" : ConfigsAbove(Parent));
    ConfigByDir[Dir.str()] = All;
    return All;
  };

  std::vector<Job> Jobs;
  for (const std::string &F : Files) {
    Job J;
    J.File = F;
    std::string Cmd = ConfigsAbove(llvm::sys::path::parent_path(F));
    for (const clang::tooling::CompileCommand &C : DB->getCompileCommands(F))
      Cmd += C.Directory + "\n" + llvm::join(C.CommandLine, "\x1f") + "\n";
    J.Key = sha256Hex(Common + F + "\n" + Cmd);
    J.FactsPath = CacheDir + "/" + J.Key + ".facts.json";
    J.LogPath = CacheDir + "/" + J.Key + ".log";
    Jobs.push_back(std::move(J));
  }

  std::vector<summary::TUFacts> TUs(Jobs.size());
  std::vector<bool> Have(Jobs.size(), false);
  std::vector<size_t> Todo;
  for (size_t I = 0; I < Jobs.size(); ++I) {
    std::string E;
    if (!O.NoCache && llvm::sys::fs::exists(Jobs[I].FactsPath) && summary::readFacts(Jobs[I].FactsPath, TUs[I], E) &&
        cacheValid(TUs[I])) {
      Have[I] = true;
      Jobs[I].Cached = true;
      continue;
    }
    TUs[I] = summary::TUFacts();
    Todo.push_back(I);
  }

  unsigned JobsN = O.Jobs ? O.Jobs : std::max(1u, std::thread::hardware_concurrency());
  const bool TTY = O.Progress.value_or(llvm::sys::Process::StandardErrIsDisplayed());
  const bool LineProgress = O.Progress.value_or(false) && !llvm::sys::Process::StandardErrIsDisplayed();
  auto Start = std::chrono::steady_clock::now();
  size_t Done = Jobs.size() - Todo.size(), Findings = 0, Failed = 0;
  for (size_t I = 0; I < Jobs.size(); ++I)
    if (Have[I])
      Findings += TUs[I].Diagnostics.size();
  auto ShowProgress = [&](bool Final) {
    if (!TTY || O.Quiet || LineProgress)
      return;
    double El = std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
    size_t Parsed = Done - (Jobs.size() - Todo.size());
    std::string Eta = "";
    if (Parsed && Done < Jobs.size())
      Eta = ", ETA " + formatSeconds(El / Parsed * (Jobs.size() - Done));
    llvm::errs() << "\r\x1b[K[" << Done << "/" << Jobs.size() << " TUs] " << Findings << " candidate finding"
                 << (Findings == 1 ? "" : "s") << ", " << formatSeconds(El) << " elapsed" << Eta;
    if (Final)
      llvm::errs() << "\r\x1b[K";
    llvm::errs().flush();
  };
  if (!O.Quiet && !Todo.empty() && (TTY || LineProgress))
    llvm::errs() << "serverless-tidy: analysing " << Todo.size() << " of " << Jobs.size()
                 << " translation units (" << (Jobs.size() - Todo.size()) << " cached) with -j" << JobsN << "\n";

  // Runs the summarise step over \p Todo, -j at a time.
  auto RunAll = [&](const std::vector<size_t> &Todo) {
    std::vector<size_t> Running;
    size_t Next = 0;
    auto Launch = [&](size_t I) {
      Job &J = Jobs[I];
      std::vector<std::string> Argv{Self, "__summarize", "-p", O.BuildPath, "--out", J.FactsPath};
      Argv.insert(Argv.end(), Fwd.begin(), Fwd.end());
      Argv.insert(Argv.end(), J.Extra.begin(), J.Extra.end());
      Argv.push_back(J.File);
      std::vector<StringRef> ArgvRef(Argv.begin(), Argv.end());
      std::optional<StringRef> Redirects[] = {StringRef("/dev/null"), StringRef(J.LogPath), StringRef(J.LogPath)};
      std::string ErrMsg;
      llvm::sys::fs::remove(J.FactsPath);
      J.PI = llvm::sys::ExecuteNoWait(Self, ArgvRef, std::nullopt, Redirects, 0, &ErrMsg);
      if (J.PI.Pid == llvm::sys::ProcessInfo::InvalidPid) {
        llvm::errs() << error("cannot start the analysis of '" + J.File + "': " + ErrMsg) << "\n";
        return false;
      }
      return true;
    };
    ShowProgress(false);
    while (Next < Todo.size() || !Running.empty()) {
      while (Running.size() < JobsN && Next < Todo.size()) {
        size_t I = Todo[Next++];
        if (Launch(I))
          Running.push_back(I);
        else
          ++Failed, ++Done, Have[I] = false;
      }
      bool Progressed = false;
      for (size_t R = 0; R < Running.size();) {
        Job &J = Jobs[Running[R]];
        std::string ErrMsg;
        llvm::sys::ProcessInfo W = llvm::sys::Wait(J.PI, 0u, &ErrMsg);
        if (W.Pid == 0) {
          ++R;
          continue;
        }
        size_t I = Running[R];
        Running.erase(Running.begin() + R);
        Progressed = true;
        ++Done;
        std::string E;
        summary::TUFacts F;
        if (W.ReturnCode == 0 && summary::readFacts(J.FactsPath, F, E)) {
          TUs[I] = std::move(F);
          Have[I] = true;
          Findings += TUs[I].Diagnostics.size();
          if (LineProgress && !O.Quiet)
            llvm::errs() << "[" << Done << "/" << Jobs.size() << "] " << J.File << "\n";
        } else {
          ++Failed;
          Have[I] = false;
          if (TTY)
            llvm::errs() << "\r\x1b[K";
          std::string Why = W.ReturnCode < 0 ? "crashed" : "failed with exit code " + std::to_string(W.ReturnCode);
          std::string Tail = lastLines(J.LogPath, 3);
          llvm::errs() << error("analysis of '" + J.File + "' " + Why + (Tail.empty() ? "" : ":\n" + Tail)) << "\n";
        }
      }
      ShowProgress(false);
      if (!Progressed && !Running.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ShowProgress(true);
  };
  RunAll(Todo);

  // Second pass: functions that return a fresh handle or release a
  // parameter act as model entries in the TUs that call them without their
  // bodies; those TUs are summarised again with them (usually few).
  if (!O.ShardCount) {
    std::vector<summary::TUFacts> Pass1;
    for (size_t I = 0; I < Jobs.size(); ++I)
      if (Have[I])
        Pass1.push_back(TUs[I]);
    std::vector<summary::DerivedFunction> Derived = summary::mergeDerived(Pass1);
    if (!Derived.empty()) {
      std::string Text = summary::derivedJson(Derived).dump(1);
      std::string DerivedPath = CacheDir + "/derived-" + sha256Hex(Text).substr(0, 16) + ".json";
      {
        std::error_code EC;
        llvm::raw_fd_ostream OS(DerivedPath, EC);
        if (EC) {
          llvm::errs() << error("cannot write '" + DerivedPath + "': " + EC.message()) << "\n";
          return 2;
        }
        OS << Text << "\n";
      }
      std::vector<size_t> Todo2;
      for (size_t I = 0; I < Jobs.size(); ++I) {
        if (!Have[I] || !summary::callsDerivedElsewhere(TUs[I], Derived))
          continue;
        Job &J = Jobs[I];
        J.Key = sha256Hex(J.Key + "\n" + Text);
        J.FactsPath = CacheDir + "/" + J.Key + ".facts.json";
        J.LogPath = CacheDir + "/" + J.Key + ".log";
        J.Extra = {"--derived", DerivedPath};
        summary::TUFacts F;
        std::string E;
        if (!O.NoCache && llvm::sys::fs::exists(J.FactsPath) && summary::readFacts(J.FactsPath, F, E) &&
            cacheValid(F)) {
          TUs[I] = std::move(F);
          continue;
        }
        Todo2.push_back(I);
      }
      if (!Todo2.empty()) {
        if (!O.Quiet && (TTY || LineProgress))
          llvm::errs() << "serverless-tidy: analysing " << Todo2.size()
                       << " translation units again with the summaries of functions defined elsewhere\n";
        Done = Jobs.size() - Todo2.size();
        RunAll(Todo2);
      }
    }
  }

  std::vector<summary::TUFacts> Ok;
  for (size_t I = 0; I < Jobs.size(); ++I)
    if (Have[I]) {
      if (!O.FactsDir.empty()) {
        std::string Path = O.FactsDir + "/" + sha256Hex(Jobs[I].File).substr(0, 16) + "." +
                           llvm::sys::path::filename(Jobs[I].File).str() + ".facts.json";
        std::string E;
        summary::TUFacts Shard = TUs[I];
        Shard.Inputs.clear(); // Cache validation is local to this machine.
        if (!summary::writeFacts(Path, Shard, E)) {
          llvm::errs() << error(E) << "\n";
          return 2;
        }
      }
      Ok.push_back(std::move(TUs[I]));
    }
  if (!O.FactsDir.empty()) {
    if (!O.Quiet)
      llvm::errs() << "serverless-tidy: wrote facts of " << Ok.size() << " translation unit"
                   << (Ok.size() == 1 ? "" : "s") << " to '" << O.FactsDir
                   << "'; run 'serverless-tidy merge' over every shard's facts\n";
    return Failed ? 1 : 0;
  }
  if (Result) {
    // `verify`: the judged findings themselves, no output step.
    std::sort(Ok.begin(), Ok.end(),
              [](const summary::TUFacts &A, const summary::TUFacts &B) { return A.File < B.File; });
    Result->Diagnostics = summary::judge(Ok);
    Result->FunctionNames = report::functionNames(Ok);
    Result->TranslationUnits = Ok.size();
    return Failed ? 1 : 0;
  }
  int Status = judgeAndPrint(Ok, O);
  return Status == 2 ? 2 : Failed ? 1 : Status;
}

int mergeCommand(llvm::ArrayRef<const char *> Args) {
  Options O;
  std::string Err = parseOptions(Args, O);
  if (!Err.empty()) {
    llvm::errs() << Err << "\n";
    return 2;
  }
  if (O.Positional.empty()) {
    llvm::errs() << error("'merge' needs fact files or directories (written by check --shard I/N --facts-dir DIR)")
                 << "\n";
    return 2;
  }
  std::vector<std::string> Paths;
  for (const std::string &P : O.Positional) {
    if (llvm::sys::fs::is_directory(P)) {
      std::error_code EC;
      for (llvm::sys::fs::directory_iterator It(P, EC), End; It != End && !EC; It.increment(EC))
        if (StringRef(It->path()).ends_with(".facts.json"))
          Paths.push_back(It->path());
      if (EC) {
        llvm::errs() << error("cannot read directory '" + P + "': " + EC.message()) << "\n";
        return 2;
      }
    } else if (llvm::sys::fs::exists(P)) {
      Paths.push_back(P);
    } else {
      llvm::errs() << error("no such file: '" + P + "'") << "\n";
      return 2;
    }
  }
  std::sort(Paths.begin(), Paths.end());
  std::vector<summary::TUFacts> TUs;
  std::set<std::string> Seen;
  for (const std::string &P : Paths) {
    summary::TUFacts F;
    if (!summary::readFacts(P, F, Err)) {
      llvm::errs() << error(Err) << "\n";
      return 2;
    }
    if (!Seen.insert(F.File).second)
      continue; // The same TU from two shards' overlapping inputs.
    TUs.push_back(std::move(F));
  }
  return judgeAndPrint(TUs, O);
}

} // namespace serverless::tool
