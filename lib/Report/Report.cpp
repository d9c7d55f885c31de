//===--- Report.cpp - CI outputs of the whole-program result ---------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Report/Report.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace serverless::report {

namespace fs = std::filesystem;

std::optional<Format> parseFormat(const std::string &S) {
  if (S == "text")
    return Format::Text;
  if (S == "json")
    return Format::Json;
  if (S == "sarif")
    return Format::Sarif;
  return std::nullopt;
}

std::map<std::string, std::string> functionNames(const std::vector<summary::TUFacts> &TUs) {
  std::map<std::string, std::string> Names;
  for (const summary::TUFacts &TU : TUs)
    for (const summary::FunctionFact &F : TU.Functions)
      if (!F.Name.empty())
        Names.emplace(F.Usr, F.Name);
  return Names;
}

std::string defaultSourceRoot(const std::string &Cwd) {
  std::error_code EC;
  fs::path Dir = fs::path(Cwd).lexically_normal();
  for (fs::path P = Dir; !P.empty(); P = P.parent_path()) {
    if (fs::exists(P / ".git", EC))
      return P.string();
    if (P == P.parent_path())
      break;
  }
  std::string S = Dir.string();
  while (S.size() > 1 && S.back() == '/')
    S.pop_back();
  return S;
}

static bool startsWith(const std::string &S, const std::string &P) { return S.compare(0, P.size(), P) == 0; }
static bool endsWith(const std::string &S, const std::string &P) {
  return S.size() >= P.size() && S.compare(S.size() - P.size(), P.size(), P) == 0;
}

NoteKind classifyNote(const std::string &M) {
  if (startsWith(M, "handler '") && endsWith(M, "' is defined here"))
    return NoteKind::Handler;
  if (startsWith(M, "'") && endsWith(M, " here") && M.find(" is called from ") != std::string::npos)
    return NoteKind::Call;
  if (startsWith(M, "(") && M.find(" more call") != std::string::npos &&
      M.find("on the way from handler '") != std::string::npos)
    return NoteKind::Elided;
  return NoteKind::Plain;
}

size_t chainStart(const std::vector<summary::Note> &Notes) {
  for (size_t I = Notes.size(); I-- > 0;)
    if (classifyNote(Notes[I].Message) == NoteKind::Handler)
      return I;
  return Notes.size();
}

bool handlerNoteOnly(const std::vector<summary::Note> &Notes, size_t I) {
  return I + 1 == Notes.size() && classifyNote(Notes[I].Message) == NoteKind::Handler;
}

std::vector<Finding> prepare(const std::vector<summary::Diagnostic> &Diags,
                             const std::map<std::string, std::string> &FunctionNames,
                             const std::string &SourceRoot, SourceFiles &Src) {
  std::vector<Finding> Out;
  std::vector<std::string> Hashes;
  for (const summary::Diagnostic &D : Diags) {
    Finding F;
    F.D = D;
    F.Level = D.WarningAsError ? "error" : D.Level;
    if (std::optional<std::string> Rel = relativeTo(D.Loc.Path, SourceRoot)) {
      F.Path = *Rel;
      F.UnderRoot = true;
    } else {
      F.Path = D.Loc.Path;
    }
    auto It = FunctionNames.find(D.FunctionUsr);
    if (!D.FunctionUsr.empty() && It != FunctionNames.end())
      F.Function = It->second;
    size_t Chain = chainStart(D.Notes);
    if (Chain < D.Notes.size()) {
      const std::string &M = D.Notes[Chain].Message;
      const std::string Head = "handler '", Tail = "' is defined here";
      F.Handler = M.substr(Head.size(), M.size() - Head.size() - Tail.size());
    }
    F.Baselinable = !startsWith(D.Check, "clang-diagnostic-");
    std::string Line = Src.line(D.Loc.Path, D.Loc.Line).value_or("");
    Hashes.push_back(fingerprintHash(D.Check, F.Path, F.Function, D.Message, Line));
    Out.push_back(std::move(F));
  }
  std::vector<std::string> Fps = withOrdinals(Hashes);
  for (size_t I = 0; I < Out.size(); ++I)
    Out[I].Fingerprint = Fps[I];
  return Out;
}

bool writeOutput(const std::string &Path, const std::string &Text, std::string &Error) {
  if (Path.empty() || Path == "-") {
    std::fwrite(Text.data(), 1, Text.size(), stdout);
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      Error = "cannot write to standard output: " + std::string(std::strerror(errno));
      return false;
    }
    return true;
  }
  std::ofstream Out(Path, std::ios::binary | std::ios::trunc);
  if (!Out) {
    Error = "cannot write '" + Path + "': " + std::strerror(errno);
    return false;
  }
  Out << Text;
  Out.flush();
  if (!Out.good()) {
    Error = "cannot write '" + Path + "': write failed";
    return false;
  }
  return true;
}

static std::string defaultText(const std::vector<summary::Diagnostic> &Diags) {
  std::string S;
  auto Loc = [](const summary::Location &L) {
    return L.Path.empty() ? std::string()
                          : L.Path + ":" + std::to_string(L.Line) + ":" + std::to_string(L.Column) + ": ";
  };
  for (const summary::Diagnostic &D : Diags) {
    S += Loc(D.Loc) + (D.WarningAsError ? std::string("error") : D.Level) + ": " + D.Message + " [" + D.Check +
         (D.WarningAsError ? ",-warnings-as-errors" : "") + "]\n";
    for (size_t I = 0; I < D.Notes.size(); ++I)
      if (!handlerNoteOnly(D.Notes, I))
        S += Loc(D.Notes[I].Loc) + "note: " + D.Notes[I].Message + "\n";
  }
  return S;
}

bool DiffBase::touches(const std::string &Path, unsigned Line) const {
  if (Path.empty() || !Line)
    return false;
  if (WholeFiles.count(Path))
    return true;
  auto It = Changed.find(Path);
  if (It == Changed.end())
    return false;
  for (const auto &[First, Last] : It->second)
    if (First <= Line && Line <= Last)
      return true;
  return false;
}

EmitResult emit(const std::vector<summary::Diagnostic> &Diags, const EmitOptions &O) {
  EmitResult R;
  SourceFiles Src;
  std::vector<Finding> All = prepare(Diags, O.FunctionNames, O.SourceRoot, Src);

  if (!O.WriteBaseline.empty()) {
    Baseline B;
    for (const Finding &F : All) {
      if (!F.Baselinable)
        continue;
      BaselineEntry E;
      E.Fingerprint = F.Fingerprint;
      E.Check = F.D.Check;
      E.Path = F.Path;
      E.Function = F.Function;
      E.Message = F.D.Message;
      E.Line = F.D.Loc.Line;
      B.Entries.push_back(std::move(E));
    }
    std::string Err;
    if (!writeBaseline(O.WriteBaseline, B, Err)) {
      R.ErrorLines.push_back(Err);
      R.Status = 2;
      return R;
    }
    R.BaselineWritten = B.Entries.size();
  }

  std::vector<Finding> Kept;
  if (O.Base) {
    std::vector<std::string> Fps;
    for (const Finding &F : All)
      Fps.push_back(F.Baselinable ? F.Fingerprint : std::string());
    BaselineMatch M = matchBaseline(*O.Base, Fps);
    for (size_t I = 0; I < All.size(); ++I)
      if (!M.Suppressed[I])
        Kept.push_back(std::move(All[I]));
    R.Suppressed = M.NumSuppressed;
    R.Stale = std::move(M.Stale);
  } else {
    Kept = std::move(All);
  }

  if (O.Diff) {
    std::vector<Finding> New;
    for (Finding &F : Kept) {
      bool Touched = O.Diff->touches(F.D.Loc.Path, F.D.Loc.Line);
      for (const summary::Note &N : F.D.Notes)
        Touched = Touched || O.Diff->touches(N.Loc.Path, N.Loc.Line);
      // Compiler errors are never left out: the TU was not analysed.
      if (Touched || !F.Baselinable || !O.Diff->Fingerprints.count(F.Fingerprint))
        New.push_back(std::move(F));
      else
        ++R.Unchanged;
    }
    Kept = std::move(New);
  }

  bool ErrorStatus = false;
  for (const Finding &F : Kept) {
    if (F.Level == "error") {
      ++R.Errors;
      if (O.WriteBaseline.empty() || !F.Baselinable)
        ErrorStatus = true;
    } else if (F.Level == "warning") {
      ++R.Warnings;
    } else if (F.Level == "remark") {
      ++R.Remarks;
    }
  }

  RunInfo Run;
  Run.SourceRoot = O.SourceRoot;
  Run.DocsDir = O.DocsDir;
  Run.TranslationUnits = O.TranslationUnits;
  if (O.Base) {
    Run.BaselinePath = O.BaselinePath;
    Run.Suppressed = R.Suppressed;
    Run.Stale = R.Stale.size();
  }
  std::string Text;
  switch (O.Fmt) {
  case Format::Text: {
    std::vector<summary::Diagnostic> Ds;
    for (const Finding &F : Kept)
      Ds.push_back(F.D);
    Text = O.RenderText ? O.RenderText(Ds) : defaultText(Ds);
    break;
  }
  case Format::Json:
    Text = renderJson(Kept, Run);
    break;
  case Format::Sarif:
    Text = renderSarif(Kept, Run, Src);
    break;
  }
  std::string Err;
  if (!writeOutput(O.OutputFile, Text, Err)) {
    R.ErrorLines.push_back(Err);
    R.Status = 2;
    return R;
  }
  R.Status = ErrorStatus ? 1 : 0;
  return R;
}

} // namespace serverless::report
