//===--- Baseline.h - Known findings, by fingerprint ---------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// A baseline file (`serverless-tidy-baseline/1`, docs/ci.md) lists the
// fingerprints of the findings a team accepts for now, with the check, path,
// function, message and line for people reading it. `--baseline FILE` drops
// the findings whose fingerprint it lists (each entry suppresses one
// finding) and counts the entries that matched nothing (stale: fixed, or
// changed beyond recognition).
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_REPORT_BASELINE_H
#define SERVERLESS_REPORT_BASELINE_H

#include <string>
#include <vector>

namespace serverless::report {

inline constexpr const char *BaselineSchema = "serverless-tidy-baseline/1";

struct BaselineEntry {
  std::string Fingerprint;
  std::string Check, Path, Function, Message;
  unsigned Line = 0;
};

struct Baseline {
  std::vector<BaselineEntry> Entries;
};

/// Reads \p Path; on failure returns false with a one-line \p Error naming it.
bool readBaseline(const std::string &Path, Baseline &Out, std::string &Error);
/// The document for \p B (entries sorted by path, line, check, fingerprint).
std::string renderBaseline(const Baseline &B);
bool writeBaseline(const std::string &Path, const Baseline &B, std::string &Error);

struct BaselineMatch {
  std::vector<bool> Suppressed;      // Per fingerprint given.
  size_t NumSuppressed = 0;
  std::vector<BaselineEntry> Stale; // Entries that matched nothing.
};
/// Matches \p Fingerprints (with their ordinals) against \p B; an empty
/// fingerprint never matches.
BaselineMatch matchBaseline(const Baseline &B, const std::vector<std::string> &Fingerprints);

} // namespace serverless::report

#endif
