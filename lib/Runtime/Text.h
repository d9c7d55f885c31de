//===- Text.h - Untrusted text in the emulator's output ---------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Everything a function or a local process sends (paths, headers, error
// types, extension names) and everything on the command line may hold any
// byte. Two rules keep that from breaking the emulator's output:
//   - the terminal gets printable(): control bytes and invalid UTF-8 are
//     escaped as \xNN, so a line stays one line and no escape sequence
//     reaches the terminal;
//   - JSON is written with dumpJson(): invalid UTF-8 becomes U+FFFD instead
//     of an exception (nlohmann's default), so --json and every API body are
//     always valid documents.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_TEXT_H
#define SERVERLESS_RUNTIME_TEXT_H

#include <nlohmann/json.hpp>

#include <string>

namespace serverless::runtime {

/// \p S with control bytes (C0, DEL, C1) and invalid UTF-8 escaped as \xNN
/// (valid multi-byte UTF-8 is kept). At most \p Max input
/// bytes are shown ("..." after).
std::string printable(const std::string &S, size_t Max = 200);

/// nlohmann::json::dump that never throws: invalid UTF-8 in strings is
/// replaced by U+FFFD.
std::string dumpJson(const nlohmann::json &J, int Indent = -1);

/// \p S with invalid UTF-8 sequences replaced by U+FFFD (for strings that
/// enter a JSON document and are compared or printed before it is dumped).
std::string validUtf8(const std::string &S);

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_TEXT_H
