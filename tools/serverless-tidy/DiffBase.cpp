//===--- DiffBase.cpp - check -p --diff-base REF: what changed since REF --===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "DiffBase.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include <optional>

namespace serverless::tool {

using llvm::StringRef;
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace {

struct Run {
  int Status = -1;
  std::string Out, Err;
};

/// Runs \p Argv (Argv[0] found on PATH unless absolute) with stdout and
/// stderr captured through temporary files (removed after).
Run run(std::vector<std::string> Argv) {
  Run R;
  std::string Program = Argv[0];
  if (!path::is_absolute(Program)) {
    auto Found = llvm::sys::findProgramByName(Program);
    if (!Found) {
      R.Err = "cannot find '" + Program + "' on PATH";
      return R;
    }
    Program = *Found;
  }
  llvm::SmallString<128> OutFile, ErrFile;
  if (fs::createTemporaryFile("serverless-tidy-diff", "out", OutFile) ||
      fs::createTemporaryFile("serverless-tidy-diff", "err", ErrFile)) {
    R.Err = "cannot create a temporary file";
    return R;
  }
  std::vector<StringRef> Args(Argv.begin(), Argv.end());
  std::optional<StringRef> Redirects[] = {StringRef(""), StringRef(OutFile), StringRef(ErrFile)};
  std::string ExecErr;
  R.Status = llvm::sys::ExecuteAndWait(Program, Args, std::nullopt, Redirects, 0, 0, &ExecErr);
  if (auto B = llvm::MemoryBuffer::getFile(OutFile))
    R.Out = (*B)->getBuffer().str();
  if (auto B = llvm::MemoryBuffer::getFile(ErrFile))
    R.Err = (*B)->getBuffer().str();
  if (!ExecErr.empty())
    R.Err += ExecErr;
  fs::remove(OutFile);
  fs::remove(ErrFile);
  return R;
}

std::string lastLine(StringRef S) {
  S = S.trim();
  size_t NL = S.rfind('\n');
  return (NL == StringRef::npos ? S : S.substr(NL + 1)).str();
}

bool under(StringRef Path, StringRef Dir) {
  if (Dir.empty())
    return false;
  return Path == Dir || (Path.starts_with(Dir) && Path.size() > Dir.size() && Path[Dir.size()] == '/');
}

/// Replaces every occurrence of the directory \p From in \p S by \p To,
/// except where the occurrence is (under) \p Keep.
std::string remap(StringRef S, StringRef From, StringRef To, StringRef Keep) {
  std::string Out;
  size_t I = 0;
  while (I < S.size()) {
    size_t At = S.find(From, I);
    if (At == StringRef::npos) {
      Out += S.substr(I).str();
      break;
    }
    StringRef Rest = S.substr(At);
    bool Boundary = Rest.size() == From.size() || Rest[From.size()] == '/';
    if (Boundary && !under(Rest.take_until([](char C) { return C == ' ' || C == '"' || C == '\''; }), Keep)) {
      Out += S.substr(I, At - I).str() + To.str();
      I = At + From.size();
    } else {
      Out += S.substr(I, At - I + From.size()).str();
      I = At + From.size();
    }
  }
  return Out;
}

} // namespace

void parseUnifiedDiff(StringRef Diff, const std::string &Top, report::DiffBase &Out) {
  std::string File;
  for (StringRef Line : llvm::split(Diff, '\n')) {
    if (Line.starts_with("+++ ")) {
      StringRef P = Line.drop_front(4).rtrim();
      if (P == "/dev/null") {
        File.clear();
      } else {
        P.consume_front("b/");
        llvm::SmallString<256> Abs(Top);
        path::append(Abs, P);
        File = std::string(Abs);
      }
      continue;
    }
    if (!Line.starts_with("@@ ") || File.empty())
      continue;
    // @@ -a[,b] +c[,d] @@
    StringRef Plus = Line.drop_front(3).split(' ').second.split(' ').first;
    if (!Plus.consume_front("+"))
      continue;
    auto [StartS, CountS] = Plus.split(',');
    unsigned Start = 0, Count = 1;
    if (StartS.getAsInteger(10, Start) || (!CountS.empty() && CountS.getAsInteger(10, Count)))
      continue;
    auto &Ranges = Out.Changed[File];
    if (Count == 0) // Lines deleted after line Start: both sides of the cut.
      Ranges.push_back({Start ? Start : 1, Start + 1});
    else
      Ranges.push_back({Start, Start + Count - 1});
  }
}

bool prepareDiffBase(const DiffBaseRequest &R, report::DiffBase &Out, std::string &Error) {
  Out.Ref = R.Ref;
  // The repository and the commit.
  Run Top = run({"git", "-C", R.SourceRoot, "rev-parse", "--show-toplevel"});
  if (Top.Status != 0) {
    Error = "--diff-base: '" + R.SourceRoot + "' is not in a git work tree (" + lastLine(Top.Err) + ")";
    return false;
  }
  std::string TopDir = StringRef(Top.Out).trim().str();
  Run Commit = run({"git", "-C", TopDir, "rev-parse", "--verify", "--quiet", R.Ref + "^{commit}"});
  if (Commit.Status != 0) {
    Error = "--diff-base: '" + R.Ref + "' is not a commit of the git repository at '" + TopDir + "'";
    return false;
  }
  Out.Commit = StringRef(Commit.Out).trim().str();

  // What changed since: tracked files (the work tree, staged or not, against
  // the commit) and untracked files.
  Run Diff = run({"git", "-C", TopDir, "diff", "--no-color", "--no-ext-diff", "--no-renames", "--unified=0",
                  Out.Commit, "--"});
  if (Diff.Status != 0) {
    Error = "--diff-base: git diff against '" + R.Ref + "' failed: " + lastLine(Diff.Err);
    return false;
  }
  parseUnifiedDiff(Diff.Out, TopDir, Out);
  Run Untracked = run({"git", "-C", TopDir, "ls-files", "--others", "--exclude-standard", "-z"});
  if (Untracked.Status == 0)
    for (StringRef P : llvm::split(StringRef(Untracked.Out), '\0'))
      if (!P.empty()) {
        llvm::SmallString<256> Abs(TopDir);
        path::append(Abs, P);
        Out.WholeFiles.insert(std::string(Abs));
      }

  // The tree at the commit, once per commit.
  llvm::SmallString<256> Dir(R.BuildPath);
  path::append(Dir, ".serverless-tidy-cache", "diff-base", Out.Commit);
  llvm::SmallString<256> Src(Dir), Marker(Dir), Build(Dir), Tar(Dir), Findings(Dir);
  path::append(Src, "src");
  path::append(Marker, "src.complete");
  path::append(Build, "build");
  path::append(Tar, "src.tar");
  path::append(Findings, "findings.json");
  if (!fs::exists(Marker)) {
    fs::remove_directories(Src);
    if (auto EC = fs::create_directories(Src)) {
      Error = "--diff-base: cannot create '" + std::string(Src) + "': " + EC.message();
      return false;
    }
    Run Archive = run({"git", "-C", TopDir, "archive", "--format=tar", "-o", std::string(Tar), Out.Commit});
    Run Extract = Archive.Status == 0 ? run({"tar", "-xf", std::string(Tar), "-C", std::string(Src)}) : Archive;
    fs::remove(Tar);
    if (Extract.Status != 0) {
      fs::remove_directories(Src);
      Error = "--diff-base: cannot extract the tree of '" + R.Ref + "': " + lastLine(Extract.Err);
      return false;
    }
    std::error_code EC;
    llvm::raw_fd_ostream(Marker, EC) << Out.Commit << "\n";
  }

  // The compilation database, pointed into that tree. Paths under the build
  // directory (generated headers) stay where they are; TUs that do not exist
  // at the commit are left out.
  llvm::SmallString<256> DBFile(R.BuildPath);
  path::append(DBFile, "compile_commands.json");
  auto DBText = llvm::MemoryBuffer::getFile(DBFile);
  if (!DBText) {
    Error = "--diff-base: cannot read '" + std::string(DBFile) + "'";
    return false;
  }
  llvm::Expected<llvm::json::Value> DB = llvm::json::parse((*DBText)->getBuffer());
  if (!DB || !DB->getAsArray()) {
    if (!DB)
      llvm::consumeError(DB.takeError());
    Error = "--diff-base: '" + std::string(DBFile) + "' is not a compilation database";
    return false;
  }
  auto Map = [&](StringRef S) { return remap(S, TopDir, Src, R.BuildPath); };
  llvm::json::Array Rewritten;
  for (const llvm::json::Value &V : *DB->getAsArray()) {
    const llvm::json::Object *E = V.getAsObject();
    if (!E)
      continue;
    llvm::json::Object N;
    std::string Directory = E->getString("directory").value_or("").str();
    std::string File = E->getString("file").value_or("").str();
    N["directory"] = Map(Directory);
    llvm::SmallString<256> AbsFile(File);
    if (path::is_relative(AbsFile)) {
      AbsFile = Directory;
      path::append(AbsFile, File);
    }
    std::string MappedFile = Map(AbsFile);
    if (!fs::exists(MappedFile))
      continue; // Added since the commit.
    N["file"] = MappedFile;
    if (const llvm::json::Array *Args = E->getArray("arguments")) {
      llvm::json::Array A;
      for (const llvm::json::Value &Arg : *Args)
        A.push_back(Map(Arg.getAsString().value_or("")));
      N["arguments"] = std::move(A);
    } else if (std::optional<StringRef> Command = E->getString("command")) {
      N["command"] = Map(*Command);
    }
    if (std::optional<StringRef> Output = E->getString("output"))
      N["output"] = Output->str();
    Rewritten.push_back(std::move(N));
  }
  const size_t BaseTUs = Rewritten.size();
  if (auto EC = fs::create_directories(Build)) {
    Error = "--diff-base: cannot create '" + std::string(Build) + "': " + EC.message();
    return false;
  }
  {
    llvm::SmallString<256> NewDB(Build);
    path::append(NewDB, "compile_commands.json");
    std::error_code EC;
    llvm::raw_fd_ostream OS(NewDB, EC);
    if (EC) {
      Error = "--diff-base: cannot write '" + std::string(NewDB) + "': " + EC.message();
      return false;
    }
    OS << llvm::json::Value(std::move(Rewritten));
  }

  // The findings at the commit, by this tool; paths relative to the same
  // root inside the commit's tree, so the fingerprints compare.
  std::string RefRoot = remap(R.SourceRoot, TopDir, Src, "");
  if (BaseTUs == 0)
    return true; // Nothing existed at the commit: every finding is new.
  std::vector<std::string> Argv = {R.Self, "check", "-p", std::string(Build), "--format=json",
                                   "-o", std::string(Findings), "--source-root", RefRoot,
                                   "--no-progress", "--quiet"};
  if (R.Jobs)
    Argv.push_back("-j" + std::to_string(R.Jobs));
  Argv.insert(Argv.end(), R.Forwarded.begin(), R.Forwarded.end());
  if (!R.Quiet)
    llvm::errs() << "serverless-tidy: --diff-base: analysing " << R.Ref << " (" << Out.Commit.substr(0, 12)
                 << ")\n";
  Run Base = run(Argv);
  if (Base.Status != 0 && Base.Status != 1) {
    Error = "--diff-base: the analysis of '" + R.Ref + "' failed: " + lastLine(Base.Err);
    return false;
  }
  auto Text = llvm::MemoryBuffer::getFile(Findings);
  llvm::Expected<llvm::json::Value> Doc =
      Text ? llvm::json::parse((*Text)->getBuffer())
           : llvm::Expected<llvm::json::Value>(llvm::createStringError("unreadable"));
  const llvm::json::Object *Root = Doc ? Doc->getAsObject() : nullptr;
  const llvm::json::Array *List = Root ? Root->getArray("findings") : nullptr;
  if (!List) {
    if (!Doc)
      llvm::consumeError(Doc.takeError());
    Error = "--diff-base: no findings document from the analysis of '" + R.Ref + "'";
    return false;
  }
  for (const llvm::json::Value &F : *List)
    if (const llvm::json::Object *O = F.getAsObject())
      if (std::optional<StringRef> Fp = O->getString("fingerprint"))
        Out.Fingerprints.insert(Fp->str());
  return true;
}

} // namespace serverless::tool
