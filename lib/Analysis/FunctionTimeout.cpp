//===--- FunctionTimeout.cpp - Function timeout from deployment files -----===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Analysis/FunctionTimeout.h"
#include <map>
#include <mutex>
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cstdlib>
#include <stdlib.h>
#include <vector>

namespace yaml = llvm::yaml;

namespace serverless::tool {

namespace {

constexpr const char *EnvName = "SERVERLESS_TIDY_FUNCTION_TIMEOUT_MS";
constexpr int64_t LambdaDefaultS = 3;      // AWS::Lambda::Function / SAM.
constexpr int64_t FrameworkDefaultS = 6;   // Serverless Framework.

/// A parsed YAML value. llvm::yaml::Stream is forward-only and a mapping
/// cannot be skipped once its walk has started, so each document is
/// converted in one pass and queried afterwards.
struct Value {
  std::string Scalar, Tag;
  std::vector<std::pair<std::string, Value>> Map;
  const Value *get(llvm::StringRef Key) const {
    for (const auto &[K, V] : Map)
      if (K == Key)
        return &V;
    return nullptr;
  }
};

Value convert(yaml::Node *N, unsigned Depth = 0) {
  Value Out;
  if (!N)
    return Out;
  if (Depth > 32) {
    N->skip();
    return Out;
  }
  if (auto *S = llvm::dyn_cast<yaml::ScalarNode>(N)) {
    llvm::SmallString<32> Storage;
    Out.Scalar = S->getValue(Storage).str();
    Out.Tag = S->getRawTag().str();
  } else if (auto *M = llvm::dyn_cast<yaml::MappingNode>(N)) {
    for (yaml::KeyValueNode &KV : *M) {
      Value Key = convert(KV.getKey(), Depth + 1);
      Out.Map.emplace_back(Key.Scalar, convert(KV.getValue(), Depth + 1));
    }
  } else if (auto *Q = llvm::dyn_cast<yaml::SequenceNode>(N)) {
    for (yaml::Node &E : *Q)
      convert(&E, Depth + 1);
  } else {
    N->skip();
  }
  return Out;
}

/// Seconds in a plain integer scalar (`10`), or nullopt (`!Ref T`, `${x}`).
std::optional<int64_t> seconds(const Value *V) {
  if (!V || !V->Map.empty() || (!V->Tag.empty() && V->Tag != "!"))
    return std::nullopt;
  int64_t S;
  if (llvm::StringRef(V->Scalar).trim().getAsInteger(10, S) || S <= 0)
    return std::nullopt;
  return S;
}

} // namespace

std::optional<int64_t> parseFunctionTimeoutMs(llvm::StringRef Yaml,
                                              bool ServerlessFramework) {
  llvm::SourceMgr SM;
  SM.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  yaml::Stream Stream(Yaml, SM);
  const int64_t Platform = ServerlessFramework ? FrameworkDefaultS : LambdaDefaultS;
  std::optional<int64_t> Longest;
  auto Take = [&](std::optional<int64_t> S) {
    if (S)
      Longest = std::max(Longest.value_or(0), *S * 1000);
  };
  for (yaml::Document &Doc : Stream) {
    Value Root = convert(Doc.getRoot());
    if (Stream.failed())
      return std::nullopt;
    if (ServerlessFramework) {
      const Value *Provider = Root.get("provider");
      std::optional<int64_t> Default =
          Provider && Provider->get("timeout") ? seconds(Provider->get("timeout"))
                                               : std::optional<int64_t>(Platform);
      const Value *Functions = Root.get("functions");
      if (!Functions || Functions->Map.empty()) {
        if (Provider && Provider->get("timeout"))
          Take(Default);
        continue;
      }
      for (const auto &[Name, F] : Functions->Map)
        Take(F.get("timeout") ? seconds(F.get("timeout")) : Default);
      continue;
    }
    const Value *Globals = Root.get("Globals");
    const Value *GF = Globals ? Globals->get("Function") : nullptr;
    std::optional<int64_t> Default =
        GF && GF->get("Timeout") ? seconds(GF->get("Timeout")) : std::optional<int64_t>(Platform);
    if (const Value *Resources = Root.get("Resources"))
      for (const auto &[Name, R] : Resources->Map) {
        const Value *Type = R.get("Type");
        if (!Type || (Type->Scalar != "AWS::Serverless::Function" &&
                      Type->Scalar != "AWS::Lambda::Function"))
          continue;
        const Value *Props = R.get("Properties");
        const Value *T = Props ? Props->get("Timeout") : nullptr;
        Take(T ? seconds(T) : Default);
      }
  }
  return Longest;
}

std::optional<int64_t> findFunctionTimeoutMs(llvm::ArrayRef<llvm::StringRef> Sources,
                                             std::string *FoundIn) {
  static const std::pair<const char *, bool> Files[] = {
      {"template.yaml", false}, {"template.yml", false},
      {"serverless.yml", true}, {"serverless.yaml", true}};
  for (llvm::StringRef Source : Sources) {
    llvm::SmallString<256> Dir(Source);
    llvm::sys::fs::make_absolute(Dir);
    if (!llvm::sys::fs::is_directory(Dir))
      llvm::sys::path::remove_filename(Dir);
    while (!Dir.empty()) {
      for (const auto &[Name, Framework] : Files) {
        llvm::SmallString<256> Candidate(Dir);
        llvm::sys::path::append(Candidate, Name);
        auto Buf = llvm::MemoryBuffer::getFile(Candidate);
        if (!Buf)
          continue;
        if (FoundIn)
          *FoundIn = Candidate.str().str();
        // The nearest file decides, even when it names no timeout.
        return parseFunctionTimeoutMs((*Buf)->getBuffer(), Framework);
      }
      llvm::StringRef Parent = llvm::sys::path::parent_path(Dir);
      if (Parent == Dir)
        break;
      Dir = Parent;
    }
  }
  return std::nullopt;
}

void exportFunctionTimeout(llvm::ArrayRef<llvm::StringRef> Sources) {
  if (std::getenv(EnvName))
    return;
  if (std::optional<int64_t> Ms = findFunctionTimeoutMs(Sources))
    ::setenv(EnvName, std::to_string(*Ms).c_str(), /*overwrite=*/0);
}

std::optional<int64_t> functionTimeoutForSource(llvm::StringRef Source) {
  if (const char *Env = std::getenv("SERVERLESS_TIDY_FUNCTION_TIMEOUT_MS")) {
    long long V = 0;
    if (!llvm::StringRef(Env).trim().getAsInteger(10, V) && V > 0)
      return V;
  }
  llvm::SmallString<256> Dir(Source);
  llvm::sys::fs::make_absolute(Dir);
  llvm::sys::path::remove_filename(Dir);
  static std::mutex Mu;
  static std::map<std::string, std::optional<int64_t>> Cache;
  std::lock_guard<std::mutex> Lock(Mu);
  auto It = Cache.find(std::string(Dir));
  if (It != Cache.end())
    return It->second;
  std::optional<int64_t> R = findFunctionTimeoutMs({llvm::StringRef(Source)});
  Cache[std::string(Dir)] = R;
  return R;
}

} // namespace serverless::tool
