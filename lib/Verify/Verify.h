//===--- Verify.h - Static findings joined with runtime evidence --*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// `serverless-tidy verify` runs the whole-program checks, then the function
// under the lifecycle emulator with the shim, and joins the two. This
// library is the join and the reports; it is a pure function over plain
// facts (no clang, no LLVM, no processes), so every rule is unit-tested:
//
//   StaticFinding  a judged finding: check, Core::Site (absolute path, line,
//                  column, enclosing function), the model's kind word and
//                  the call it names.
//   RuntimeFacts   what the ledger recorded, one RuntimeEvent per
//                  acquisition, connect and captured blocked stack, each
//                  with its stack's frames in the user's code (inline
//                  chains expanded, innermost first), the invocation and
//                  phase it happened in, and what became of the descriptor.
//
// A finding and an event meet when one of the event's user frames is the
// finding's site: same absolute path and line, and compatible function
// names. Through the frames, a finding at a call of a helper defined in
// another file (or in a header) is matched by an acquisition inside it.
// Descriptors must be of a kind the finding's resource can own
// (Core/ResourceKind.h). docs/verify.md states the verdict rules.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_VERIFY_VERIFY_H
#define SERVERLESS_VERIFY_VERIFY_H

#include "Core/Core.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <utility>
#include <string>
#include <vector>

namespace serverless::verify {

inline constexpr const char *HandlerScopeClient = "serverless-handler-scope-client";
inline constexpr const char *UnclosedResource = "serverless-unclosed-resource";
inline constexpr const char *MissingDeadline = "serverless-missing-deadline";
inline constexpr const char *MissingShutdownHook = "serverless-missing-shutdown-hook";

enum class Verdict { Confirmed, NotReproduced, NotExercised };
/// `confirmed`, `not-reproduced`, `not-exercised`.
const char *verdictName(Verdict V);

struct StaticFinding {
  std::string Check;
  std::string Level = "warning";
  core::Site Where;      // Path absolute; Function printable (`app::get`).
  std::string Message;
  std::string Kind;      // The model's kind word (`redis-connection`), "" unknown.
  std::string Call;      // The call the message names (`redisConnect`), "" unknown.
  std::string Path;      // As the findings report writes it (relative to the source root).
  std::string Fingerprint;
  std::string Help;      // URI of the check's page.
  std::vector<std::pair<std::string, core::Site>> Notes; // message, location
};

struct RuntimeEvent {
  /// Create: a library handle was made (curl_easy_init), no descriptor yet;
  /// its Frames are the creating call's stack and Handle names it.
  enum Type { Acquire, Connect, Blocked, Create };
  Type T = Acquire;
  /// Frames in the user's code, innermost first (inline frames included).
  std::vector<core::Site> Frames;
  std::string Kind;   // Shim kind of the descriptor (`tcp`, `stream`, ...).
  std::string Peer;   // Address for sockets, path for files.
  std::string Call;   // The interposed call (`connect`, `fopen`, `poll`).
  /// The library handle (run-wide id of its Create event, 0: none) that an
  /// Acquire or Connect was made through (inside curl_easy_perform on it),
  /// or that a Create made. The handle -> site mapping recorded at creation:
  /// a connection made on another line, in another function or in a later
  /// invocation than the handle's creation is joined to where it was made.
  uint64_t Handle = 0;
  int Environment = 0;
  int Pid = 0;
  int Fd = -1;
  /// The run-wide invocation (1-based) it happened in; 0: init or after the
  /// last invocation (see Phase).
  uint64_t Invocation = 0;
  core::Phase Phase = core::Phase::Init;
  // Acquire: what became of the descriptor.
  bool OpenAfterInvocation = false; // Still open when its invocation ended.
  bool OpenAtSigterm = false;       // Open when SIGTERM (or SIGKILL only) came.
  bool OpenAtEnd = false;           // Never released while the process lived.
  // Blocked: a stack captured at a deadline.
  int64_t BlockedMs = -1;           // -1: not in an interposed call.
  bool TimedOut = false;            // Its invocation timed out.
};

struct InvocationInfo {
  uint64_t Index = 0; // 1-based, run-wide.
  std::string RequestId;
  std::string Status; // success, error, timeout, ...
  int Environment = 0;
  bool Cold = false;
  int FdsOpenAfter = -1; // Live descriptors of the process when it ended.
  double MaxRssMb = -1;  // The run document's max_rss_mb, when known.
};

/// One emulated run (a scenario) and what the ledger recorded.
struct RuntimeFacts {
  std::string Scenario;            // `warm`, `tarpit`, ...
  std::vector<InvocationInfo> Invocations;
  std::vector<RuntimeEvent> Events;
  bool SigtermSent = false;        // SIGTERM (+ grace) applied at shutdown.
  std::string ShutdownRule;        // As the run document says.
  int64_t GraceMs = -1;
  uint64_t FdLimit = 1024;
  int Concurrency = 1;
  /// Blocking calls whose peer was replaced by a tarpit in this run (the
  /// findings' sites, `path:line`), and the tarpit's address.
  std::vector<std::string> TarpitSites;
  std::string TarpitPeer;
  bool Incomplete = false;
  /// The shim's ledger was read (false: a static binary, the shim did not
  /// load) and its stacks had line information (false: no -g). Without
  /// either, no record at a site proves nothing.
  bool LedgerRead = true;
  bool LineInfo = true;
  std::vector<std::string> Warnings;
};

struct VerifiedFinding {
  StaticFinding F;
  Verdict V = Verdict::NotReproduced;
  nlohmann::json Evidence = nlohmann::json::object();
  std::string Summary; // The evidence in a few words.
};

struct RuntimeOnly {
  std::string Kind; // connection-per-invocation, fd-growth, blocked-at-deadline
  core::Site Where;
  nlohmann::json Evidence = nlohmann::json::object();
  std::string Summary;
};

struct VerifyResult {
  std::vector<VerifiedFinding> Findings;   // Sorted: file, line, column, check.
  std::vector<RuntimeOnly> RuntimeOnlyEntries; // Sorted: file, line, kind.
  std::vector<std::string> Scenarios;      // What was run, in words.
};

/// Do a finding's site and a runtime frame name the same place? Same path
/// and line; function names compatible (equal after dropping parameter
/// lists, one a qualified suffix of the other, or the runtime one a lambda
/// or unknown).
bool sameSite(const core::Site &Finding, const core::Site &Frame);

/// The join. \p Runs: every scenario run (the first is the main one).
VerifyResult join(const std::vector<StaticFinding> &Findings, const std::vector<RuntimeFacts> &Runs);

//===----------------------------------------------------------------------===//
// Reports
//===----------------------------------------------------------------------===//

/// The `serverless-tidy-verify/1` document (docs/verify.md).
nlohmann::json toJson(const VerifyResult &R);
/// One line per finding, then runtime-only lines, then the summary table.
std::string renderText(const VerifyResult &R);
/// Adds `verdict`, `evidence` and `summary` to the properties of each SARIF
/// result of \p Sarif whose rule, file and line match a verified finding.
/// \p Sarif is a log written by report::renderSarif over the same findings.
void annotateSarif(nlohmann::json &Sarif, const VerifyResult &R);

/// Source lines around a site, for the HTML report: (first line number,
/// lines); empty when the file cannot be read.
using SnippetFn = std::function<std::pair<unsigned, std::vector<std::string>>(const std::string &Path,
                                                                              unsigned Line)>;
/// One self-contained HTML page: the summary table, per finding the code
/// around its site, the verdict and the evidence, and inline SVG charts of
/// the main run per invocation (descriptors open after it, new connections,
/// max RSS). No script, no external resource.
std::string renderHtml(const VerifyResult &R, const std::vector<RuntimeFacts> &Runs, const SnippetFn &Snippet);

/// `--fail-on`: `confirmed` (default), `any` (any finding or runtime-only
/// entry), `none`. Returns the exit status contribution (0 or 1).
int failStatus(const VerifyResult &R, const std::string &FailOn);

} // namespace serverless::verify

#endif
