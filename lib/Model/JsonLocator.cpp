//===--- JsonLocator.cpp - Source positions of JSON values ----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Model/JsonLocator.h"
#include "llvm/Support/ConvertUTF.h"
#include <algorithm>

namespace serverless::model {

JsonLocator::JsonLocator(llvm::StringRef Text) : Text(Text) {
  // Offsets are 32-bit: a text of 4 GiB or more is not indexed (positions
  // fall back to 1:1). Nothing that large is a model file.
  if (Text.size() >= NoKey)
    return;
  LineStarts.push_back(0);
  for (size_t I = 0; I < Text.size(); ++I)
    if (Text[I] == '\n')
      LineStarts.push_back(static_cast<uint32_t>(I + 1));
  scan();
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

void JsonLocator::skipScalar(size_t &I) const {
  if (I < Text.size() && Text[I] == '"') {
    for (++I; I < Text.size() && Text[I] != '"'; ++I)
      if (Text[I] == '\\')
        ++I;
    if (I < Text.size())
      ++I; // Closing quote.
    return;
  }
  while (I < Text.size() && !llvm::StringRef(",]} \t\r\n").contains(Text[I]))
    ++I;
}

static int hexDigit(char C) {
  if (C >= '0' && C <= '9')
    return C - '0';
  if (C >= 'a' && C <= 'f')
    return C - 'a' + 10;
  if (C >= 'A' && C <= 'F')
    return C - 'A' + 10;
  return -1;
}

llvm::StringRef JsonLocator::readString(size_t &I) {
  if (I >= Text.size() || Text[I] != '"')
    return {};
  const size_t Begin = ++I;
  bool Escaped = false;
  for (; I < Text.size() && Text[I] != '"'; ++I)
    if (Text[I] == '\\') {
      Escaped = true;
      ++I;
    }
  const size_t End = std::min(I, Text.size());
  if (I < Text.size())
    ++I; // Closing quote.
  if (!Escaped)
    return Text.slice(Begin, End);
  // Decode like the parser does, so that "a" and "\u0061" are the same key.
  std::string Out;
  auto Hex4 = [&](size_t At) -> int {
    if (At + 4 > End)
      return -1;
    int V = 0;
    for (size_t K = At; K < At + 4; ++K) {
      int D = hexDigit(Text[K]);
      if (D < 0)
        return -1;
      V = V * 16 + D;
    }
    return V;
  };
  for (size_t K = Begin; K < End; ++K) {
    if (Text[K] != '\\' || K + 1 >= End) {
      Out += Text[K];
      continue;
    }
    char E = Text[++K];
    switch (E) {
    case 'b': Out += '\b'; break;
    case 'f': Out += '\f'; break;
    case 'n': Out += '\n'; break;
    case 'r': Out += '\r'; break;
    case 't': Out += '\t'; break;
    case 'u': {
      int Unit = Hex4(K + 1);
      if (Unit < 0) {
        Out += E;
        break;
      }
      K += 4;
      uint32_t CodePoint = static_cast<uint32_t>(Unit);
      if (Unit >= 0xD800 && Unit <= 0xDBFF && K + 2 < End && Text[K + 1] == '\\' &&
          Text[K + 2] == 'u') {
        int Low = Hex4(K + 3);
        if (Low >= 0xDC00 && Low <= 0xDFFF) {
          CodePoint = 0x10000 + ((static_cast<uint32_t>(Unit) - 0xD800) << 10) +
                      (static_cast<uint32_t>(Low) - 0xDC00);
          K += 6;
        }
      }
      char Buf[UNI_MAX_UTF8_BYTES_PER_CODE_POINT];
      char *P = Buf;
      if (llvm::ConvertCodePointToUTF8(CodePoint, P))
        Out.append(Buf, P);
      break;
    }
    default: // '"', '\\', '/'.
      Out += E;
    }
  }
  char *Saved = DecodedKeys.Allocate<char>(Out.size() + 1);
  std::copy(Out.begin(), Out.end(), Saved);
  Saved[Out.size()] = 0;
  return llvm::StringRef(Saved, Out.size());
}

void JsonLocator::scan() {
  size_t I = 0;
  if (Text.starts_with("\xEF\xBB\xBF"))
    I = 3; // A byte order mark, which the parser skips too.
  skipSpace(I);
  if (I >= Text.size())
    return;
  struct Frame {
    uint32_t Node;
    size_t PendingBegin; // Into Pending: this container's children so far.
  };
  std::vector<Frame> Stack;
  std::vector<uint32_t> Pending;
  // Records the value starting at I as node \p N; opens it if a container.
  auto Begin = [&](uint32_t N) {
    Nodes[N].Value = static_cast<uint32_t>(I);
    const char C = Text[I];
    if (C == '{' || C == '[') {
      Nodes[N].Kind = C;
      Stack.push_back({N, Pending.size()});
      ++I;
    } else {
      skipScalar(I);
    }
  };
  Nodes.emplace_back();
  Begin(0);
  while (!Stack.empty()) {
    skipSpace(I);
    if (I >= Text.size())
      break; // Not valid JSON after all; keep what was found.
    const Frame F = Stack.back();
    const bool IsObject = Nodes[F.Node].Kind == '{';
    const char C = Text[I];
    if (C == (IsObject ? '}' : ']')) {
      ++I;
      Node &Closed = Nodes[F.Node];
      Closed.FirstChild = static_cast<uint32_t>(Children.size());
      Closed.NumChildren = static_cast<uint32_t>(Pending.size() - F.PendingBegin);
      Children.insert(Children.end(), Pending.begin() + F.PendingBegin, Pending.end());
      Pending.resize(F.PendingBegin);
      Stack.pop_back();
      continue;
    }
    if (C == ',') {
      ++I;
      continue;
    }
    const uint32_t Child = static_cast<uint32_t>(Nodes.size());
    Nodes.emplace_back();
    Pending.push_back(Child);
    if (IsObject) {
      const size_t KeyPos = I;
      llvm::StringRef Key = readString(I);
      Nodes[Child].Key = static_cast<uint32_t>(KeyPos);
      auto [It, New] = Members.try_emplace({F.Node, Key}, Child);
      if (!New)
        Duplicates.push_back({KeyPos, Nodes[It->second].Key, Key.str()});
      skipSpace(I);
      if (I < Text.size() && Text[I] == ':')
        ++I;
      skipSpace(I);
      if (I >= Text.size())
        break;
    }
    Begin(Child);
  }
}

uint32_t JsonLocator::resolve(llvm::StringRef Pointer, bool &Exact) const {
  Exact = false;
  if (Nodes.empty())
    return NoKey;
  uint32_t Cur = 0;
  std::string Segment;
  while (!Pointer.empty()) {
    if (Pointer.front() != '/')
      return Cur;
    Pointer = Pointer.drop_front();
    llvm::StringRef Raw = Pointer.take_until([](char C) { return C == '/'; });
    Pointer = Pointer.drop_front(Raw.size());
    const Node &N = Nodes[Cur];
    if (N.Kind == '[') {
      unsigned long long Index;
      if (Raw.getAsInteger(10, Index) || Index >= N.NumChildren)
        return Cur;
      Cur = Children[N.FirstChild + Index];
    } else if (N.Kind == '{') {
      Segment.clear();
      for (size_t K = 0; K < Raw.size(); ++K) {
        if (Raw[K] == '~' && K + 1 < Raw.size() && (Raw[K + 1] == '0' || Raw[K + 1] == '1')) {
          Segment += Raw[K + 1] == '0' ? '~' : '/';
          ++K;
        } else {
          Segment += Raw[K];
        }
      }
      auto It = Members.find({Cur, llvm::StringRef(Segment)});
      if (It == Members.end())
        return Cur;
      Cur = It->second;
    } else {
      return Cur;
    }
  }
  Exact = true;
  return Cur;
}

std::pair<unsigned, unsigned> JsonLocator::lineColumn(size_t Offset) const {
  if (LineStarts.empty())
    return {1, 1};
  Offset = std::min(Offset, Text.size());
  // The last line start at or before Offset.
  auto It = std::upper_bound(LineStarts.begin(), LineStarts.end(), Offset);
  size_t Line = static_cast<size_t>(It - LineStarts.begin()); // 1-based.
  return {static_cast<unsigned>(Line),
          static_cast<unsigned>(Offset - LineStarts[Line - 1] + 1)};
}

size_t JsonLocator::valueOffset(llvm::StringRef Pointer) const {
  bool Exact;
  uint32_t N = resolve(Pointer, Exact);
  return N == NoKey ? 0 : Nodes[N].Value;
}

size_t JsonLocator::keyOffset(llvm::StringRef Pointer) const {
  bool Exact;
  uint32_t N = resolve(Pointer, Exact);
  if (N == NoKey)
    return 0;
  if (Exact && Nodes[N].Key != NoKey)
    return Nodes[N].Key;
  return Nodes[N].Value;
}

size_t JsonLocator::memoryBytes() const {
  size_t Bytes = LineStarts.capacity() * sizeof(uint32_t) +
                 Nodes.capacity() * sizeof(Node) +
                 Children.capacity() * sizeof(uint32_t) + Members.getMemorySize() +
                 DecodedKeys.getTotalMemory();
  for (const Duplicate &D : Duplicates)
    Bytes += sizeof(D) + D.Key.capacity();
  return Bytes;
}

} // namespace serverless::model
