//===--- Core.h - The vocabulary both halves speak ----------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Plain data, no clang and no LLVM AST: the static side (facts, findings) and
// the runtime side (the shim's ledger, the emulator) name code locations,
// lifecycle phases and resource kinds with these types, so a static finding
// and a runtime observation can be joined (serverless-tidy verify).
//
//   Site   where: absolute path, 1-based line and column, and the enclosing
//          function (its USR, the identity clang's cross-TU analysis uses,
//          and a printable name).
//   Phase  when: init (main and what it calls before the first `next`),
//          invoke (a handler and what it calls), idle (frozen between
//          invocations), shutdown (SIGTERM to exit).
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_CORE_CORE_H
#define SERVERLESS_CORE_CORE_H

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>

namespace serverless::core {

struct Site {
  std::string Path;     // Absolute, normalised.
  unsigned Line = 0;    // 1-based; 0 when unknown.
  unsigned Column = 0;  // 1-based; 0 when unknown.
  std::string FunctionUsr;
  std::string Function; // Printable: `app::record_order`.

  bool valid() const { return !Path.empty() && Line != 0; }
  /// `path:line:col` (or `path:line`).
  std::string str() const;
  friend bool operator<(const Site &A, const Site &B) {
    return std::tie(A.Path, A.Line, A.Column, A.FunctionUsr) <
           std::tie(B.Path, B.Line, B.Column, B.FunctionUsr);
  }
  friend bool operator==(const Site &A, const Site &B) {
    return A.Path == B.Path && A.Line == B.Line && A.Column == B.Column &&
           A.FunctionUsr == B.FunctionUsr;
  }
};

enum class Phase { Init, Invoke, Idle, Shutdown };
const char *phaseName(Phase P);
std::optional<Phase> parsePhase(const std::string &S);

void to_json(nlohmann::json &J, const Site &S);
void from_json(const nlohmann::json &J, Site &S);

/// The base name of \p Path (`db.cpp` for `/src/app/db.cpp`).
std::string baseName(const std::string &Path);

} // namespace serverless::core

#endif
