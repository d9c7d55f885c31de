//===--- ModelFuzzer.cpp - libFuzzer target: the API model loader ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as a user model file (ApiModel::addBuffer): parsed, validated
// with positions, merged on top of the defaults; a model that loads is
// dumped and queried. Must never crash, hang or grow without bound; errors
// must be `FILE:LINE:COL: error: ...` lines.
//
//===----------------------------------------------------------------------===//

#include "Model/ApiModel.h"
#include "llvm/ADT/StringExtras.h"
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace serverless::model;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  static const ApiModel Defaults = ApiModel::withDefaults();
  llvm::StringRef Text(reinterpret_cast<const char *>(Data), Size);
  // On its own, and on top of the defaults (merging, replacing, disabling).
  ApiModel Alone;
  if (llvm::Error E = Alone.addBuffer("fuzz.json", Text)) {
    std::string Msg = llvm::toString(std::move(E));
    for (llvm::StringRef Line : llvm::split(Msg, '\n'))
      if (!Line.starts_with("fuzz.json:") || !Line.contains(": error: "))
        abort(); // Every error names the file and says "error".
    return 0;
  }
  (void)Alone.dump();
  ApiModel M = Defaults;
  if (llvm::Error E = M.addBuffer("fuzz.json", Text))
    abort(); // Loaded alone, it must load on top of the defaults too.
  (void)M.clientType("Aws::S3::S3Client");
  (void)M.blocking("curl_easy_perform");
  (void)M.acquisition("fopen");
  (void)M.dump();
  return 0;
}
