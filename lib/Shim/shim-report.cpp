//===- shim-report.cpp - print what libserverless-shim.so recorded --------===//
//
// Part of serverless-tidy. Standalone use of the shim:
//   SERVERLESS_SHIM_LEDGER=/tmp/l LD_PRELOAD=libserverless-shim.so ./prog
//   serverless-shim-report /tmp/l [--json] [--fd-limit N] [--pid P] [--invocations N]
//
//===----------------------------------------------------------------------===//
#include "LedgerReader.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

int main(int Argc, char **Argv) {
  using namespace serverless::shim;
  AnalysisOptions O;
  const char *Dir = nullptr;
  bool Json = false;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    auto Next = [&]() -> const char * { return I + 1 < Argc ? Argv[++I] : ""; };
    if (A == "--json")
      Json = true;
    else if (A == "--fd-limit")
      O.FdLimit = strtoull(Next(), nullptr, 10);
    else if (A == "--pid")
      O.MainPid = atoi(Next());
    else if (A == "--invocations")
      O.Invocations = strtoull(Next(), nullptr, 10);
    else if (A == "--warmup")
      O.WarmupInvocations = atoi(Next());
    else if (A == "--sigterm")
      O.Sigterm = true;
    else if (A == "--sigkill")
      O.Sigkill = true;
    else if (A == "--no-symbolize")
      O.Symbolize = false;
    else if (A == "--symbolizer")
      O.Symbolizer = Next();
    else if (A == "-h" || A == "--help") {
      printf("usage: serverless-shim-report <ledger-dir> [--json] [--fd-limit N] [--pid P]\n"
             "       [--invocations N] [--warmup N] [--sigterm] [--sigkill] [--no-symbolize] [--symbolizer PATH]\n");
      return 0;
    } else
      Dir = Argv[I];
  }
  if (!Dir) {
    fprintf(stderr, "serverless-shim-report: no ledger directory given\n");
    return 2;
  }
  std::string Err;
  auto A = analyzeLedgerDir(Dir, O, &Err);
  if (!A) {
    fprintf(stderr, "serverless-shim-report: %s\n", Err.c_str());
    return 1;
  }
  if (Json) {
    // Paths and symbols may hold any byte: invalid UTF-8 becomes U+FFFD.
    std::cout << A->toJson().dump(2, ' ', false,
                                  nlohmann::json::error_handler_t::replace)
              << "\n";
    return 0;
  }
  for (auto &L : A->summaryLines())
    std::cout << L << "\n";
  for (auto &W : A->Warnings)
    std::cerr << "warning: " << W << "\n";
  return 0;
}
