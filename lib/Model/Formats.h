//===--- Formats.h - Library string formats the models refer to -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Small parsers for the formats of library strings that carry timeouts:
// Postgres connection strings (`k=v k2='v 2'` and URI queries), Postgres
// setting values with units (`5s`, `2min`), and `SET ... = value` in SQL
// text. The models name which setting matters (`statement_timeout`,
// `connect_timeout`) and in which unit; these only read the syntax.
// Unit-tested in test/unit/FormatsTest.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_MODEL_FORMATS_H
#define SERVERLESS_MODEL_FORMATS_H

#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>

namespace serverless::formats {

/// \p V * \p Mul / \p Div, saturated at the range of long long (a timeout
/// of LONG_MAX seconds is effectively infinite, not a wrapped number).
long long scaleSat(long long V, long long Mul, long long Div = 1);
/// \p V in \p Unit ("s", "us", else ms) as milliseconds.
long long toMs(long long V, llvm::StringRef Unit);
/// `5000`, `5s`, `2min`, `150ms`, `1h`, `10us` (Postgres setting values); a
/// bare number is in \p DefaultUnit. None for anything else.
std::optional<long long> parseDuration(llvm::StringRef S, llvm::StringRef DefaultUnit);
/// The value of `Key=value` in a conninfo string (`k=v k2='v 2'`) or URI
/// query (`?k=v&k2=v2`; `%3D` accepted for `=`).
std::optional<std::string> conninfoValue(llvm::StringRef Text, llvm::StringRef Key);

/// Is \p Text written as libpq reads a connection string: a URI
/// (`postgresql://...`, `postgres://...`) or `keyword = value` pairs (values
/// plain or single-quoted, with backslash escapes)? A keyword without `=`
/// (`"totally#invalid@connect$string!?"`) makes libpq fail while parsing,
/// before any I/O. Keyword names are not checked.
bool conninfoWellFormed(llvm::StringRef Text);
/// `SET [SESSION|LOCAL] setting = value` / `TO value` in SQL text.
std::optional<std::string> sqlSetValue(llvm::StringRef Sql, llvm::StringRef Setting);

} // namespace serverless::formats

#endif
