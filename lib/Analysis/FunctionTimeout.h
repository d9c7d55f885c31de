//===--- FunctionTimeout.h - Function timeout from deployment files -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// How long the function may run, read from the deployment description next
// to the code (used by serverless-missing-deadline in every front end: the
// plugin, serverless-clangd and serverless-tidy):
//   * AWS SAM / CloudFormation `template.yaml` (or `template.yml`):
//     `Resources.<R>.Properties.Timeout` of each `AWS::Serverless::Function`
//     / `AWS::Lambda::Function`, else SAM's `Globals.Function.Timeout`,
//     else the Lambda default of 3 s; seconds.
//   * Serverless Framework `serverless.yml` (or `.yaml`):
//     `functions.<f>.timeout`, else `provider.timeout`, else the framework's
//     default of 6 s; seconds.
// With several functions the longest timeout is used (a constant below it
// may still be too long for a shorter function: FIXME, no per-function
// mapping). Values that are not plain integers (`!Ref Param`) are skipped.
//
// The check looks the file up from the directory of the main source file
// when its FunctionTimeoutMs option is unset (0), so an explicit option wins;
// the environment variable SERVERLESS_TIDY_FUNCTION_TIMEOUT_MS, when set,
// overrides the lookup (CI jobs that analyse code away from its template).
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_ANALYSIS_FUNCTIONTIMEOUT_H
#define SERVERLESS_ANALYSIS_FUNCTIONTIMEOUT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>
#include <string>

namespace serverless::tool {

/// The function timeout in ms described by \p Yaml, a SAM/CloudFormation
/// template (\p ServerlessFramework false) or a serverless.yml (true).
std::optional<int64_t> parseFunctionTimeoutMs(llvm::StringRef Yaml,
                                              bool ServerlessFramework);

/// Looks for a deployment file in the directory of each source and above
/// (the first found wins) and returns its timeout; \p FoundIn gets its path.
std::optional<int64_t> findFunctionTimeoutMs(llvm::ArrayRef<llvm::StringRef> Sources,
                                             std::string *FoundIn = nullptr);

/// Sets SERVERLESS_TIDY_FUNCTION_TIMEOUT_MS from findFunctionTimeoutMs(),
/// unless the variable is already set.
void exportFunctionTimeout(llvm::ArrayRef<llvm::StringRef> Sources);

/// The function timeout for a source file: SERVERLESS_TIDY_FUNCTION_TIMEOUT_MS
/// when set, else the deployment file found from \p Source's directory up
/// (cached per directory; thread-safe).
std::optional<int64_t> functionTimeoutForSource(llvm::StringRef Source);

} // namespace serverless::tool

#endif
