//===--- LspFilter.h - serverless-clangd's rewrite of clangd's output -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// clangd (linked in unchanged) writes LSP messages to standard output. Two of
// its choices are wrong for our checks and cannot be configured:
//   * `codeDescription.href` of a clang-tidy diagnostic is
//     https://clang.llvm.org/extra/clang-tidy/checks/<module>/<check>.html,
//     a page that does not exist for serverless-* checks;
//   * clangd folds remarks into the previous diagnostic as notes, so advice
//     that is a remark on the command line never reaches the editor.
// serverless-clangd therefore runs clangd with standard output on a pipe and
// this filter between the pipe and the real output: publishDiagnostics
// messages get the shipped documentation page (the same URI as the SARIF
// rules' helpUri) and the checks' remarks, sent by the checks in editor mode
// as warnings whose message starts with "remark: ", become
// information-level diagnostics. Every other byte passes through unchanged
// and in order (non-LSP output such as --version too).
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_CLANGD_LSPFILTER_H
#define SERVERLESS_CLANGD_LSPFILTER_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace serverless::clangd {

/// The rewrite of one LSP message body (JSON); returns it unchanged when it
/// is not a publishDiagnostics notification or names none of \p HelpUris.
std::string rewriteMessage(llvm::StringRef Body, const llvm::StringMap<std::string> &HelpUris);

/// Copies \p InFd to \p OutFd until end of input, rewriting each LSP message
/// with rewriteMessage(). Returns when \p InFd reaches end of file.
void filterLsp(int InFd, int OutFd, const llvm::StringMap<std::string> &HelpUris);

} // namespace serverless::clangd

#endif
