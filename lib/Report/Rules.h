//===--- Rules.h - What each check is, for SARIF rules and JSON ----*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Rule metadata of the four serverless-* checks (short and full description,
// help text) and where their shipped documentation page is: help URIs are
// `file://` URIs of `<docdir>/checks/<check>.rst`, where <docdir> is the
// install tree's documentation directory next to the running executable
// (`<prefix>/share/doc/serverless-tidy`), or the source tree's `docs/` when
// the executable runs from a build tree. docs/ci.md says so.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_REPORT_RULES_H
#define SERVERLESS_REPORT_RULES_H

#include <string>
#include <vector>

namespace serverless::report {

struct RuleInfo {
  std::string Id;               // The check name.
  std::string Name;             // PascalCase, for SARIF `name`.
  std::string ShortDescription; // One sentence.
  std::string FullDescription;  // A paragraph.
  std::string Help;             // What to do about it.
  std::string HelpUri;          // Filled by rulesFor().
  std::string DefaultLevel = "warning";
  bool Ours = true;             // A serverless-* check with a shipped page.
};

/// The tool's version (the CMake project version).
const char *toolVersion();

/// The documentation directory for an executable at \p ExecutablePath
/// (absolute): `<prefix>/share/doc/serverless-tidy` when it exists beside
/// the executable's prefix, else the source tree's docs/ (a build tree),
/// else the former.
std::string docsDirFor(const std::string &ExecutablePath);

/// The four serverless-* checks, in a fixed order, with help URIs into
/// \p DocsDir.
std::vector<RuleInfo> serverlessRules(const std::string &DocsDir);

/// Metadata for a check that is not ours (clang-tidy's own checks that the
/// repository's configuration enables, `clang-diagnostic-*`): a generic
/// description and clang's documentation as help URI.
RuleInfo otherRule(const std::string &Check);

} // namespace serverless::report

#endif
