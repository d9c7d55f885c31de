//===--- DiffBase.h - check -p --diff-base REF: what changed since REF -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// `check -p BUILD --diff-base REF` reports the findings whose site or cause
// changed since the git commit REF. Line-based filters (clang-tidy-diff.py)
// keep findings on changed lines only, so they miss a finding that appears
// at an unchanged acquisition line because a release, a timeout or a SIGTERM
// hook was removed in another file. Here the program is analysed twice:
//   * at REF: the commit's tree (`git archive`, extracted once per commit
//     under BUILD/.serverless-tidy-cache/diff-base/<commit>/src), with the
//     compilation database rewritten to point into it, by this same tool
//     (its fact cache makes a rerun against the same REF cheap);
//   * now, as usual.
// A finding is reported when its fingerprint (docs/ci.md: check, path,
// function, message, the line's text; not the line number) is not among the
// findings at REF — new, or changed — or when it or one of its notes is on a
// line changed since REF (`git diff --unified=0 REF`, untracked files count
// as wholly changed): a finding that was already there but whose code or
// cause was just edited.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_TOOL_DIFFBASE_H
#define SERVERLESS_TOOL_DIFFBASE_H

#include "Report/Report.h"
#include "llvm/ADT/StringRef.h"
#include <string>
#include <vector>

namespace serverless::tool {

struct DiffBaseRequest {
  std::string Ref;        ///< As given.
  std::string SourceRoot; ///< Absolute: the root the fingerprints' paths are relative to.
  std::string BuildPath;  ///< Absolute: has compile_commands.json.
  std::string Self;       ///< This executable.
  std::vector<std::string> Forwarded; ///< Options for the analysis at REF (--checks, --config, ...).
  unsigned Jobs = 0;
  bool Quiet = false;
};

/// Prepares \p Out (the findings at REF and the lines changed since); on
/// failure returns false with one line in \p Error naming the input.
bool prepareDiffBase(const DiffBaseRequest &R, report::DiffBase &Out, std::string &Error);

/// Parses `git diff --unified=0` output: for each file (absolute: \p Top /
/// its path) the changed line ranges of the new version. Deletions mark the
/// lines on both sides of the cut. Exposed for unit tests.
void parseUnifiedDiff(llvm::StringRef Diff, const std::string &Top, report::DiffBase &Out);

} // namespace serverless::tool

#endif
