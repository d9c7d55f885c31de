//===- Text.cpp - Untrusted text in the emulator's output -----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/Text.h"

#include <cstdio>

namespace serverless::runtime {

namespace {

/// Length of the valid UTF-8 sequence at \p I, or 0.
size_t utf8Length(const std::string &S, size_t I) {
  auto B = [&](size_t K) { return static_cast<unsigned char>(S[K]); };
  unsigned char C = B(I);
  size_t N;
  uint32_t Cp;
  if (C < 0x80)
    return 1;
  if (C >= 0xc2 && C <= 0xdf) {
    N = 2;
    Cp = C & 0x1f;
  } else if (C >= 0xe0 && C <= 0xef) {
    N = 3;
    Cp = C & 0x0f;
  } else if (C >= 0xf0 && C <= 0xf4) {
    N = 4;
    Cp = C & 0x07;
  } else {
    return 0;
  }
  if (I + N > S.size())
    return 0;
  for (size_t K = 1; K < N; ++K) {
    if ((B(I + K) & 0xc0) != 0x80)
      return 0;
    Cp = (Cp << 6) | (B(I + K) & 0x3f);
  }
  // Overlong forms, surrogates and values above U+10FFFF are invalid.
  if ((N == 3 && Cp < 0x800) || (N == 4 && (Cp < 0x10000 || Cp > 0x10ffff)) ||
      (Cp >= 0xd800 && Cp <= 0xdfff))
    return 0;
  return N;
}

} // namespace

std::string printable(const std::string &S, size_t Max) {
  std::string Out;
  size_t Limit = S.size() < Max ? S.size() : Max;
  Out.reserve(Limit + 8);
  for (size_t I = 0; I < Limit;) {
    unsigned char C = static_cast<unsigned char>(S[I]);
    size_t N = utf8Length(S, I);
    if (N > 1) {
      // U+0080..U+009F are C1 control characters: escape them too.
      if (N == 2 && C == 0xc2 &&
          static_cast<unsigned char>(S[I + 1]) < 0xa0) {
        N = 0;
      } else {
        Out.append(S, I, N);
        I += N;
        continue;
      }
    }
    if (N == 1 && C >= 0x20 && C != 0x7f) {
      Out += static_cast<char>(C);
      ++I;
      continue;
    }
    char Buf[8];
    std::snprintf(Buf, sizeof Buf, "\\x%02x", C);
    Out += Buf;
    ++I;
  }
  if (Limit < S.size())
    Out += "...";
  return Out;
}

std::string validUtf8(const std::string &S) {
  std::string Out;
  Out.reserve(S.size());
  for (size_t I = 0; I < S.size();) {
    size_t N = utf8Length(S, I);
    if (N == 0) {
      Out += "\xef\xbf\xbd";
      ++I;
    } else {
      Out.append(S, I, N);
      I += N;
    }
  }
  return Out;
}

std::string dumpJson(const nlohmann::json &J, int Indent) {
  try {
    return J.dump(Indent, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (...) {
    // Only an allocation failure is left; say so in valid JSON.
    return "null";
  }
}

} // namespace serverless::runtime
