//===--- LedgerFuzzer.cpp - libFuzzer target: the shim's ledger reader ----===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as a ledger file the shim left behind (a function can write
// anything into its ledger directory, and a killed process leaves torn
// records), optionally followed by "\n#maps\n" and the text of its first
// /proc/self/maps snapshot: analyzeLedgerDir() reads them back the way
// `serverless-tidy run` and serverless-shim-report do (without running
// llvm-symbolizer), and the analysis is turned into JSON and summary lines.
// No crash, no hang, memory bounded by the file.
//
//===----------------------------------------------------------------------===//

#include "LedgerReader.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace serverless::shim;

static std::string Dir;

static void writeFile(const std::string &Path, const char *Data, size_t Size) {
  FILE *F = std::fopen(Path.c_str(), "wb");
  if (!F)
    abort();
  if (Size && std::fwrite(Data, 1, Size, F) != Size)
    abort();
  std::fclose(F);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  if (Dir.empty()) {
    char Template[] = "/tmp/serverless-ledger-fuzz-XXXXXX";
    if (!mkdtemp(Template))
      abort();
    Dir = Template;
  }
  std::string In(reinterpret_cast<const char *>(Data), Size);
  std::string Maps;
  if (size_t At = In.find("\n#maps\n"); At != std::string::npos) {
    Maps = In.substr(At + 7);
    In.resize(At);
  }
  const std::string Ledger = Dir + "/ledger.4242.1000.bin";
  const std::string MapsFile = Dir + "/maps.4242.1000.0.txt";
  writeFile(Ledger, In.data(), In.size());
  writeFile(MapsFile, Maps.data(), Maps.size());
  AnalysisOptions Opts;
  Opts.Symbolize = false;
  std::string Err;
  if (auto A = analyzeLedgerDir(Dir, Opts, &Err)) {
    (void)A->toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)A->summaryLines();
    for (uint64_t I = 1; I <= A->Invocations.size() && I <= 4; ++I)
      (void)A->invocationJson(I);
    (void)A->shutdownJson();
  }
  return 0;
}
