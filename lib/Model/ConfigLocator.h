//===--- ConfigLocator.h - Where a check option was configured -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// A relative path in a check option (`ModelFiles: models/team.json`) means
// "next to the configuration file that says it", as a relative path in any
// configuration file does. clang-tidy and clangd hand the checks the merged
// option value only, not the file it came from, so this looks the file up
// the way they find it: from the directory of the source file upward, in
// each directory `.clangd` (clangd's own configuration, which overrides
// `.clang-tidy` there: `Diagnostics: ClangTidy: CheckOptions:`) and then
// `.clang-tidy` (`CheckOptions:` as a mapping or as a list of key/value
// pairs). The nearest file whose options give one of the keys exactly the
// value in effect is where it was set. A value given on the command line
// (`--config`, `-config-file`) is found in no file: relative paths in it
// keep meaning "relative to the working directory", as before.
//
// Plain LLVM Support (YAML), no Clang: the plugin, serverless-clangd and
// serverless-tidy all link it, and they must agree.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_MODEL_CONFIGLOCATOR_H
#define SERVERLESS_MODEL_CONFIGLOCATOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <vector>

namespace serverless::model {

/// The value of the first of \p Keys set in the CheckOptions of the
/// configuration text \p Yaml, a `.clang-tidy` file (\p Clangd false) or a
/// `.clangd` file (true, every YAML document of it). Keys are tried in order
/// (a check-local key before the global one, as clang-tidy's
/// getLocalOrGlobal does).
std::optional<std::string> checkOptionIn(llvm::StringRef Yaml, bool Clangd,
                                         llvm::ArrayRef<std::string> Keys);

/// The configuration file (absolute path) that sets one of \p Keys to
/// exactly \p Value for \p Source: the nearest `.clangd` or `.clang-tidy`
/// from the source's directory upward (`.clangd` only for clangd, \p
/// WithClangd: clang-tidy does not read it). None when no file does (the
/// value came from the command line).
std::optional<std::string> configFileSetting(llvm::StringRef Source,
                                             llvm::ArrayRef<std::string> Keys,
                                             llvm::StringRef Value, bool WithClangd);

/// One model file of an option value, resolved.
struct ResolvedPath {
  std::string Given;    ///< As written in the option.
  std::string Path;     ///< Absolute.
  std::string ConfigFile; ///< The file that set it; empty: the command line.
};

/// Splits \p Value (`;` or `,` separated, as clang-tidy's parseStringList)
/// and makes every relative entry absolute: against the directory of the
/// configuration file that set it for \p Source, else against \p Cwd (empty:
/// the process's working directory).
std::vector<ResolvedPath> resolveOptionPaths(llvm::StringRef Source,
                                             llvm::ArrayRef<std::string> Keys,
                                             llvm::StringRef Value, bool WithClangd,
                                             llvm::StringRef Cwd = "");

} // namespace serverless::model

#endif
