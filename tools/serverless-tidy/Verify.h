//===--- Verify.h - `serverless-tidy verify` -----------------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// `verify -p BUILD [options] <function-binary> [args...]`: the whole-program
// checks (WholeProgram.cpp), then the function under the lifecycle emulator
// (lib/Runtime) with the shim's ledger (lib/Shim), joined on Core::Site by
// lib/Verify. See docs/verify.md.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_TOOLS_VERIFY_H
#define SERVERLESS_TOOLS_VERIFY_H

#include "llvm/ADT/ArrayRef.h"

namespace serverless::tool {

/// Args[0] is "verify". Exit codes: docs/verify.md.
int verifyCommand(llvm::ArrayRef<const char *> Args);

} // namespace serverless::tool

#endif
