//===--- Fingerprint.h - Stable identities of findings ------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// A finding's fingerprint must survive what does not change the finding:
// lines inserted or removed above it, edits elsewhere in the file or in other
// files, a checkout in another directory. It is a hash of
//
//   check | path relative to the source root | enclosing function |
//   normalised message | the finding's source line, whitespace normalised
//
// where normalising drops line and column numbers (`line 12`,
// `(lambda at /src/a.cpp:12:3)` -> `(lambda at a.cpp)`) and collapses
// whitespace. Identical findings in one function (two equal lines) are told
// apart by their order: the fingerprint is `HASH:N`, N counting from 1 in
// file order.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_REPORT_FINGERPRINT_H
#define SERVERLESS_REPORT_FINGERPRINT_H

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace serverless::report {

/// Trims and collapses every run of whitespace to one space.
std::string normaliseWhitespace(std::string_view S);
/// A message (or function name) without line and column numbers: `line N`,
/// `lines N-M` lose the numbers; `PATH:L[:C]` becomes the base name of PATH;
/// whitespace is normalised. Other numbers (timeouts, sizes) stay.
std::string normaliseMessage(std::string_view S);
/// A source line for fingerprinting: whitespace normalised.
std::string normaliseSourceLine(std::string_view S);

/// The fingerprint hash (32 hex digits) of the normalised parts; \p Path is
/// already relative to the source root (or absolute when outside it).
std::string fingerprintHash(std::string_view Check, std::string_view Path, std::string_view Function,
                            std::string_view Message, std::string_view SourceLine);

/// Appends `:N` to each hash, N counting the earlier equal hashes plus one.
std::vector<std::string> withOrdinals(const std::vector<std::string> &Hashes);

/// \p Path relative to \p Root ('/'-separated), or nullopt when it is not
/// under it. Both are absolute and normalised (no `.`/`..`).
std::optional<std::string> relativeTo(const std::string &Path, const std::string &Root);
/// `file://` URI of an absolute path, percent-encoded.
std::string fileUri(const std::string &AbsPath);
/// A relative path percent-encoded for use as a relative URI reference.
std::string relativeUri(const std::string &RelPath);

/// Source files read on demand (once each), for the line text of
/// fingerprints and SARIF snippets, and for code-point columns.
class SourceFiles {
public:
  /// The file's bytes, or null when unreadable.
  const std::string *text(const std::string &Path);
  /// Line \p Line (1-based) without its newline (and without a trailing '\r').
  std::optional<std::string> line(const std::string &Path, unsigned Line);
  /// The 1-based column in Unicode code points of byte column \p ByteColumn
  /// of \p Line (unchanged when the file cannot be read).
  unsigned codePointColumn(const std::string &Path, unsigned Line, unsigned ByteColumn);
  /// The number of code points in the first \p ByteOffset bytes of the file
  /// (unchanged when it cannot be read).
  unsigned codePointOffset(const std::string &Path, unsigned ByteOffset);
  /// For tests: the contents of \p Path without reading the disk.
  void set(const std::string &Path, std::string Text);

private:
  struct File {
    std::optional<std::string> Text;
    std::vector<size_t> LineStarts;
  };
  File &load(const std::string &Path);
  std::map<std::string, File> Files;
};

} // namespace serverless::report

#endif
