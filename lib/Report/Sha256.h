//===--- Sha256.h - SHA-256 in plain C++ ---------------------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// FIPS 180-4 SHA-256, for finding fingerprints (lib/Report links nothing of
// LLVM).
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_REPORT_SHA256_H
#define SERVERLESS_REPORT_SHA256_H

#include <string>
#include <string_view>

namespace serverless::report {

/// The SHA-256 digest of \p Data as 64 lower-case hex digits.
std::string sha256Hex(std::string_view Data);

} // namespace serverless::report

#endif
