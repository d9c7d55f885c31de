//===--- NamePattern.h - Qualified-name globs for API models ----*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// API models name types and functions by fully qualified name or by a glob:
// `*` matches within one name component (never `::`), `**` matches across
// components. `Aws::*::*Client` matches `Aws::S3::S3Client` but not
// `Aws::Client::ClientConfiguration`. Literal names (the common case) are
// compared as strings; only globs pay for a regex.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_MODEL_NAMEPATTERN_H
#define SERVERLESS_MODEL_NAMEPATTERN_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/Regex.h"
#include <memory>
#include <string>

namespace serverless::model {

class NamePattern {
public:
  NamePattern() = default;

  /// Parses \p Text. Fails on an empty pattern, a leading `::`, whitespace,
  /// or `***`.
  static llvm::Expected<NamePattern> create(llvm::StringRef Text);

  bool matches(llvm::StringRef QualifiedName) const;
  const std::string &text() const { return Text; }
  bool isLiteral() const { return !Re; }
  /// The literal text before the first wildcard: every match starts with it.
  llvm::StringRef literalPrefix() const { return Prefix; }

private:
  std::string Text;
  std::string Prefix;
  std::shared_ptr<llvm::Regex> Re; // Null for literal names.
};

} // namespace serverless::model

#endif
