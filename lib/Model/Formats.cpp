//===--- Formats.cpp - Library string formats the models refer to --------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Model/Formats.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include <climits>

namespace serverless::formats {

/// \p V * \p Mul / \p Div, saturated at the range of long long: a
/// timeout of LONG_MAX seconds is effectively infinite, not a wrapped
/// (negative) number.
long long scaleSat(long long V, long long Mul, long long Div) {
  __int128 P;
  if (__builtin_mul_overflow(static_cast<__int128>(V), static_cast<__int128>(Mul), &P))
    return (V < 0) != (Mul < 0) ? LLONG_MIN : LLONG_MAX;
  if (Div != 0)
    P /= Div;
  if (P > LLONG_MAX)
    return LLONG_MAX;
  if (P < LLONG_MIN)
    return LLONG_MIN;
  return static_cast<long long>(P);
}

long long toMs(long long V, llvm::StringRef Unit) {
  if (Unit == "s")
    return scaleSat(V, 1000);
  if (Unit == "us")
    return V / 1000;
  return V;
}

/// Parses `5000`, `5s`, `2min`, `150ms` (Postgres setting values); a bare
/// number is in \p DefaultUnit.
std::optional<long long> parseDuration(llvm::StringRef S, llvm::StringRef DefaultUnit) {
  S = S.trim().trim("'\"");
  size_t N = 0;
  while (N < S.size() && llvm::isDigit(S[N]))
    ++N;
  long long V;
  if (N == 0)
    return std::nullopt;
  if (S.substr(0, N).getAsInteger(10, V))
    V = LLONG_MAX; // More digits than fit: effectively infinite.
  llvm::StringRef U = S.substr(N).trim();
  if (U.empty())
    return toMs(V, DefaultUnit);
  if (U == "ms")
    return V;
  if (U == "s")
    return scaleSat(V, 1000);
  if (U == "min")
    return scaleSat(V, 60000);
  if (U == "h")
    return scaleSat(V, 3600000);
  if (U == "us")
    return V / 1000;
  return std::nullopt;
}

/// The value of `Key=value` in a conninfo string (`k=v k2='v 2'`) or URI
/// query (`?k=v&k2=v2`; `%3D` accepted for `=`).
std::optional<std::string> conninfoValue(llvm::StringRef Text, llvm::StringRef Key) {
  for (size_t Pos = Text.find(Key); Pos != llvm::StringRef::npos;
       Pos = Text.find(Key, Pos + 1)) {
    if (Pos > 0 && !llvm::is_contained(" \t\n?&'\"", Text[Pos - 1]))
      continue;
    llvm::StringRef Rest = Text.substr(Pos + Key.size()).ltrim();
    if (Rest.consume_front("="))
      ;
    else if (Rest.consume_front("%3D") || Rest.consume_front("%3d"))
      ;
    else
      continue;
    Rest = Rest.ltrim();
    size_t End = Rest.find_first_of(" \t\n&'\"");
    return Rest.substr(0, End).str();
  }
  return std::nullopt;
}

bool conninfoWellFormed(llvm::StringRef Text) {
  if (Text.starts_with("postgresql://") || Text.starts_with("postgres://"))
    return true;
  size_t I = 0;
  auto SkipSpace = [&] {
    while (I < Text.size() && llvm::isSpace(Text[I]))
      ++I;
  };
  for (;;) {
    SkipSpace();
    if (I == Text.size())
      return true;
    size_t KeyStart = I;
    while (I < Text.size() && Text[I] != '=' && !llvm::isSpace(Text[I]))
      ++I;
    if (I == KeyStart)
      return false; // `=` with no keyword.
    SkipSpace();
    if (I == Text.size() || Text[I] != '=')
      return false; // A keyword without `=`.
    ++I;
    SkipSpace();
    if (I < Text.size() && Text[I] == '\'') {
      for (++I;; ++I) {
        if (I >= Text.size())
          return false; // Unterminated quoted value.
        if (Text[I] == '\\')
          ++I;
        else if (Text[I] == '\'')
          break;
      }
      ++I;
    } else {
      while (I < Text.size() && !llvm::isSpace(Text[I]))
        I += Text[I] == '\\' ? 2 : 1;
      I = std::min(I, Text.size());
    }
  }
}

/// `SET [SESSION|LOCAL] setting = value` / `TO value` in SQL text.
std::optional<std::string> sqlSetValue(llvm::StringRef Sql, llvm::StringRef Setting) {
  std::string Lower = Sql.lower();
  llvm::StringRef L(Lower);
  for (size_t Pos = L.find("set"); Pos != llvm::StringRef::npos;
       Pos = L.find("set", Pos + 1)) {
    if (Pos > 0 && llvm::isAlnum(L[Pos - 1]))
      continue;
    llvm::StringRef Rest = L.substr(Pos + 3);
    if (Rest.empty() || !llvm::isSpace(Rest[0]))
      continue;
    Rest = Rest.ltrim();
    if (Rest.consume_front("session") || Rest.consume_front("local"))
      Rest = Rest.ltrim();
    if (!Rest.consume_front(Setting.lower()))
      continue;
    Rest = Rest.ltrim();
    if (!Rest.consume_front("=") && !Rest.consume_front("to"))
      continue;
    Rest = Rest.ltrim();
    return Rest.substr(0, Rest.find_first_of(";\n")).trim().str();
  }
  return std::nullopt;
}

} // namespace serverless::formats
