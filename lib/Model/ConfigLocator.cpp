//===--- ConfigLocator.cpp - Where a check option was configured ----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Model/ConfigLocator.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include <algorithm>

namespace serverless::model {

namespace {

using namespace llvm;

std::optional<std::string> scalar(yaml::Node *N) {
  SmallString<64> Storage;
  if (auto *S = dyn_cast_or_null<yaml::ScalarNode>(N))
    return S->getValue(Storage).str();
  if (auto *B = dyn_cast_or_null<yaml::BlockScalarNode>(N))
    return B->getValue().str();
  return std::nullopt;
}

/// Reads CheckOptions in either of clang-tidy's forms into (key, value)
/// pairs, in file order. (YAMLParser streams: each collection is read once,
/// values while their key is current.)
void readCheckOptions(yaml::Node *N, std::vector<std::pair<std::string, std::string>> &Out) {
  if (auto *M = dyn_cast_or_null<yaml::MappingNode>(N)) {
    for (yaml::KeyValueNode &KV : *M) {
      std::optional<std::string> K = scalar(KV.getKey());
      std::optional<std::string> V = scalar(KV.getValue());
      if (K && V)
        Out.emplace_back(*K, *V);
    }
    return;
  }
  if (auto *S = dyn_cast_or_null<yaml::SequenceNode>(N)) {
    for (yaml::Node &Item : *S) {
      auto *Pair = dyn_cast<yaml::MappingNode>(&Item);
      if (!Pair)
        continue;
      std::optional<std::string> K, V;
      for (yaml::KeyValueNode &KV : *Pair) {
        std::optional<std::string> Name = scalar(KV.getKey());
        if (Name && *Name == "key")
          K = scalar(KV.getValue());
        else if (Name && *Name == "value")
          V = scalar(KV.getValue());
      }
      if (K && V)
        Out.emplace_back(*K, *V);
    }
  }
}

/// Follows \p Path (mapping keys) from \p N and reads the CheckOptions
/// found at its end.
void readAt(yaml::Node *N, ArrayRef<StringRef> Path,
            std::vector<std::pair<std::string, std::string>> &Out) {
  if (Path.empty()) {
    readCheckOptions(N, Out);
    return;
  }
  auto *M = dyn_cast_or_null<yaml::MappingNode>(N);
  if (!M)
    return;
  for (yaml::KeyValueNode &KV : *M) {
    std::optional<std::string> K = scalar(KV.getKey());
    if (K && *K == Path.front())
      readAt(KV.getValue(), Path.drop_front(), Out);
  }
}

} // namespace

std::optional<std::string> checkOptionIn(StringRef Yaml, bool Clangd, ArrayRef<std::string> Keys) {
  SourceMgr SM;
  SM.setDiagHandler([](const SMDiagnostic &, void *) {}); // A broken file sets nothing.
  yaml::Stream Stream(Yaml, SM);
  std::vector<std::pair<std::string, std::string>> Options;
  for (yaml::Document &Doc : Stream) {
    static const StringRef ClangdPath[] = {"Diagnostics", "ClangTidy", "CheckOptions"};
    static const StringRef TidyPath[] = {"CheckOptions"};
    readAt(Doc.getRoot(), Clangd ? ArrayRef<StringRef>(ClangdPath) : ArrayRef<StringRef>(TidyPath),
           Options);
    if (!Clangd)
      break; // clang-tidy reads the first document only.
  }
  if (Stream.failed())
    return std::nullopt;
  for (const std::string &Key : Keys) {
    std::optional<std::string> Value;
    for (const auto &[K, V] : Options)
      if (K == Key)
        Value = V;
    if (Value)
      return Value;
  }
  return std::nullopt;
}

std::optional<std::string> configFileSetting(StringRef Source, ArrayRef<std::string> Keys,
                                             StringRef Value, bool WithClangd) {
  SmallString<256> Dir(Source);
  sys::fs::make_absolute(Dir);
  sys::path::remove_dots(Dir, /*remove_dot_dot=*/true);
  sys::path::remove_filename(Dir);
  while (!Dir.empty()) {
    for (auto [Name, Clangd] : {std::pair<StringRef, bool>{".clangd", true}, {".clang-tidy", false}}) {
      if (Clangd && !WithClangd)
        continue;
      SmallString<256> Path(Dir);
      sys::path::append(Path, Name);
      if (!sys::fs::is_regular_file(Path))
        continue;
      auto Buffer = MemoryBuffer::getFile(Path);
      if (!Buffer)
        continue;
      std::optional<std::string> V = checkOptionIn((*Buffer)->getBuffer(), Clangd, Keys);
      if (V && StringRef(*V).trim() == Value.trim())
        return std::string(Path);
    }
    StringRef Parent = sys::path::parent_path(Dir);
    if (Parent == Dir)
      break;
    Dir.resize(Parent.size()); // A prefix of Dir.
  }
  return std::nullopt;
}

std::vector<ResolvedPath> resolveOptionPaths(StringRef Source, ArrayRef<std::string> Keys,
                                             StringRef Value, bool WithClangd, StringRef Cwd) {
  std::vector<ResolvedPath> Out;
  // clang-tidy's parseStringList: `;` or `,` separated.
  std::string Normalised = Value.str();
  std::replace(Normalised.begin(), Normalised.end(), ',', ';');
  SmallVector<StringRef, 4> Items;
  StringRef(Normalised).split(Items, ';', -1, false);
  std::optional<std::optional<std::string>> Config; // Looked up once, when needed.
  for (StringRef Item : Items) {
    Item = Item.trim();
    if (Item.empty())
      continue;
    ResolvedPath R;
    R.Given = Item.str();
    SmallString<256> Path(Item);
    if (sys::path::is_relative(Path)) {
      if (!Config)
        Config = Source.empty() ? std::nullopt : configFileSetting(Source, Keys, Value, WithClangd);
      SmallString<256> Base;
      if (*Config) {
        R.ConfigFile = **Config;
        Base = sys::path::parent_path(**Config);
      } else if (!Cwd.empty()) {
        Base = Cwd;
      } else {
        sys::fs::current_path(Base);
      }
      sys::path::append(Base, Path);
      Path = Base;
    }
    sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
    R.Path = std::string(Path);
    Out.push_back(std::move(R));
  }
  return Out;
}

} // namespace serverless::model
