//===--- Report.h - CI outputs of the whole-program result --------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// What `serverless-tidy check -p` and `merge` do with the judged findings
// (summary::judge) besides clang-style text: the `serverless-tidy-findings/1`
// JSON document, one SARIF 2.1.0 run, fingerprints, and baselines that
// suppress known findings. Plain C++17 and nlohmann/json; no clang. The
// formats are documented in docs/ci.md.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_REPORT_REPORT_H
#define SERVERLESS_REPORT_REPORT_H

#include "Report/Baseline.h"
#include "Report/Fingerprint.h"
#include "Report/Rules.h"
#include "Summary/Facts.h"

#include <functional>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

namespace serverless::report {

enum class Format { Text, Json, Sarif };
/// `text`, `json`, `sarif`.
std::optional<Format> parseFormat(const std::string &S);

/// A judged diagnostic with what the outputs add.
struct Finding {
  summary::Diagnostic D;
  std::string Level;    // As reported: error (also for warnings-as-errors), warning, remark.
  std::string Path;     // Relative to the source root ('/'-separated), else absolute.
  bool UnderRoot = false;
  std::string Function; // The enclosing function's printable name, when known.
  std::string Handler;  // The handler it is reached from (whole-program notes), when any.
  std::string Fingerprint; // HASH:N
  /// Compiler diagnostics (clang-diagnostic-*) are never baselined.
  bool Baselinable = true;
};

/// USR -> printable name of every function the TUs define.
std::map<std::string, std::string> functionNames(const std::vector<summary::TUFacts> &TUs);

/// The default source root: the top of the git work tree containing
/// \p Cwd (the nearest directory with a `.git` entry), else \p Cwd.
std::string defaultSourceRoot(const std::string &Cwd);

/// Findings with paths, functions and fingerprints, in the order given.
std::vector<Finding> prepare(const std::vector<summary::Diagnostic> &Diags,
                             const std::map<std::string, std::string> &FunctionNames,
                             const std::string &SourceRoot, SourceFiles &Src);

/// A note's role in the whole-program call chain the judge appends.
enum class NoteKind { Plain, Handler, Call, Elided };
NoteKind classifyNote(const std::string &Message);
/// Index of the first note of the call chain (the last "handler 'X' is
/// defined here" note), or Notes.size() when there is none.
size_t chainStart(const std::vector<summary::Note> &Notes);
/// Is note \p I of \p Notes a handler note with no call after it (the
/// finding is in the handler itself)? The text output leaves it out, as
/// the clang-tidy checks do: it would only point at the enclosing
/// function. The structured outputs keep it (their "handler" note and the
/// SARIF code flow's first location).
bool handlerNoteOnly(const std::vector<summary::Note> &Notes, size_t I);

struct RunInfo {
  std::string SourceRoot;
  std::string DocsDir;
  size_t TranslationUnits = 0;
  /// With --baseline: its path, how many findings it suppressed, and how
  /// many of its entries matched nothing.
  std::optional<std::string> BaselinePath;
  size_t Suppressed = 0, Stale = 0;
};

/// The `serverless-tidy-findings/1` document.
std::string renderJson(const std::vector<Finding> &Findings, const RunInfo &Run);
/// One SARIF 2.1.0 log with one run.
std::string renderSarif(const std::vector<Finding> &Findings, const RunInfo &Run, SourceFiles &Src);

/// Writes \p Text to \p Path ("" or "-": standard output). False with a
/// one-line \p Error naming the file on failure.
bool writeOutput(const std::string &Path, const std::string &Text, std::string &Error);

//===----------------------------------------------------------------------===//
// The whole output step of `check -p` / `merge`
//===----------------------------------------------------------------------===//

/// `check -p --diff-base REF` (tools/serverless-tidy/DiffBase.h): the
/// findings at REF and the lines changed since.
struct DiffBase {
  std::string Ref, Commit;
  std::set<std::string> Fingerprints; ///< Of the findings at REF.
  /// Absolute path -> changed line ranges [first, last] of the current file.
  std::map<std::string, std::vector<std::pair<unsigned, unsigned>>> Changed;
  std::set<std::string> WholeFiles; ///< New since REF (untracked): every line.
  bool touches(const std::string &Path, unsigned Line) const;
};

struct EmitOptions {
  Format Fmt = Format::Text;
  std::string OutputFile; // "" = standard output.
  std::string SourceRoot; // Absolute.
  std::string DocsDir;
  std::string WriteBaseline;                 // "" = none.
  const Baseline *Base = nullptr;            // --baseline, already read.
  std::string BaselinePath;
  /// --diff-base: keep only the findings new since REF or touching a line
  /// changed since it.
  const DiffBase *Diff = nullptr;
  size_t TranslationUnits = 0;
  std::map<std::string, std::string> FunctionNames;
  /// Renders the clang-style text of these diagnostics.
  std::function<std::string(const std::vector<summary::Diagnostic> &)> RenderText;
};

struct EmitResult {
  /// 0: no finding at error level; 1: findings at error level (warnings as
  /// errors, compiler errors); 2: an output or baseline could not be written.
  int Status = 0;
  unsigned Errors = 0, Warnings = 0, Remarks = 0;
  size_t Suppressed = 0;
  size_t Unchanged = 0; ///< --diff-base: findings left out (there at REF, untouched).
  std::vector<BaselineEntry> Stale;
  size_t BaselineWritten = 0;
  /// One line each, for stderr (no "serverless-tidy: error: " prefix).
  std::vector<std::string> ErrorLines;
};

/// Fingerprints, applies the baseline, renders the format, writes the output
/// and the new baseline. With WriteBaseline, findings that go into the
/// baseline do not make the status 1 (compiler errors still do).
EmitResult emit(const std::vector<summary::Diagnostic> &Diags, const EmitOptions &O);

} // namespace serverless::report

#endif
