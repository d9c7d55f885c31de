//===--- JsonLocator.cpp - Source positions of JSON values ----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Model/JsonLocator.h"
#include <algorithm>

namespace serverless::model {

// Deeper nesting than this is not a model file; positions below it are
// attributed to the nearest recorded ancestor instead of recursing further.
static constexpr unsigned MaxDepth = 64;

JsonLocator::JsonLocator(llvm::StringRef Text) : Text(Text) {
  LineStarts.push_back(0);
  for (size_t I = 0; I < Text.size(); ++I)
    if (Text[I] == '\n')
      LineStarts.push_back(I + 1);
  size_t I = 0;
  scanValue(I, "", 0);
}

std::string JsonLocator::escape(llvm::StringRef Key) {
  std::string Out;
  for (char C : Key) {
    if (C == '~')
      Out += "~0";
    else if (C == '/')
      Out += "~1";
    else
      Out += C;
  }
  return Out;
}

void JsonLocator::skipSpace(size_t &I) const {
  while (I < Text.size() &&
         (Text[I] == ' ' || Text[I] == '\t' || Text[I] == '\n' || Text[I] == '\r'))
    ++I;
}

std::string JsonLocator::readString(size_t &I) const {
  std::string Out;
  if (I >= Text.size() || Text[I] != '"')
    return Out;
  ++I;
  while (I < Text.size() && Text[I] != '"') {
    if (Text[I] == '\\' && I + 1 < Text.size()) {
      Out += Text[I + 1]; // Keys in models are plain; keep escapes simple.
      I += 2;
      continue;
    }
    Out += Text[I++];
  }
  if (I < Text.size())
    ++I; // Closing quote.
  return Out;
}

void JsonLocator::scanValue(size_t &I, const std::string &Pointer,
                            unsigned Depth) {
  skipSpace(I);
  if (I >= Text.size())
    return;
  Values[Pointer] = I;
  char C = Text[I];
  if (C == '{' || C == '[') {
    const bool IsObject = C == '{';
    const char Close = IsObject ? '}' : ']';
    ++I;
    unsigned Index = 0;
    while (true) {
      skipSpace(I);
      if (I >= Text.size())
        return;
      if (Text[I] == Close) {
        ++I;
        return;
      }
      if (Text[I] == ',') {
        ++I;
        continue;
      }
      std::string Child;
      if (IsObject) {
        size_t KeyPos = I;
        Child = Pointer + "/" + escape(readString(I));
        Keys[Child] = KeyPos;
        skipSpace(I);
        if (I < Text.size() && Text[I] == ':')
          ++I;
      } else {
        Child = Pointer + "/" + std::to_string(Index++);
      }
      if (Depth + 1 >= MaxDepth) {
        // Skip the nested value without recording its inside.
        unsigned Nest = 0;
        bool InString = false;
        for (; I < Text.size(); ++I) {
          char D = Text[I];
          if (InString) {
            if (D == '\\')
              ++I;
            else if (D == '"')
              InString = false;
            continue;
          }
          if (D == '"')
            InString = true;
          else if (D == '{' || D == '[')
            ++Nest;
          else if (D == '}' || D == ']') {
            if (Nest == 0)
              break;
            --Nest;
          } else if (D == ',' && Nest == 0)
            break;
        }
        continue;
      }
      scanValue(I, Child, Depth + 1);
    }
  }
  if (C == '"') {
    readString(I);
    return;
  }
  while (I < Text.size() && !llvm::StringRef(",]} \t\r\n").contains(Text[I]))
    ++I;
}

std::pair<unsigned, unsigned> JsonLocator::lineColumn(size_t Offset) const {
  Offset = std::min(Offset, Text.size());
  // The last line start at or before Offset.
  auto It = std::upper_bound(LineStarts.begin(), LineStarts.end(), Offset);
  size_t Line = static_cast<size_t>(It - LineStarts.begin()); // 1-based.
  return {static_cast<unsigned>(Line),
          static_cast<unsigned>(Offset - LineStarts[Line - 1] + 1)};
}

size_t JsonLocator::valueOffset(llvm::StringRef Pointer) const {
  while (true) {
    auto It = Values.find(Pointer);
    if (It != Values.end())
      return It->second;
    size_t Slash = Pointer.rfind('/');
    if (Slash == llvm::StringRef::npos)
      return 0;
    Pointer = Pointer.substr(0, Slash);
  }
}

size_t JsonLocator::keyOffset(llvm::StringRef Pointer) const {
  auto It = Keys.find(Pointer);
  if (It != Keys.end())
    return It->second;
  return valueOffset(Pointer);
}

} // namespace serverless::model
