//===--- Fingerprint.cpp - Stable identities of findings -------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Report/Fingerprint.h"
#include "Report/Sha256.h"

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>

namespace serverless::report {

namespace {

bool isSpace(char C) { return C == ' ' || C == '\t' || C == '\n' || C == '\r' || C == '\v' || C == '\f'; }
bool isDigit(char C) { return C >= '0' && C <= '9'; }
bool isAlpha(char C) { return (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z'); }
bool isAlnum(char C) { return isAlpha(C) || isDigit(C); }
/// Characters of a path as clang prints it in `(lambda at PATH:L:C)`.
bool isPathChar(char C) {
  return isAlnum(C) || C == '_' || C == '-' || C == '.' || C == '/' || C == '\\' || C == '+' || C == '~' ||
         static_cast<unsigned char>(C) >= 0x80;
}

/// The digits starting at \p I (none: returns I).
size_t skipDigits(std::string_view S, size_t I) {
  while (I < S.size() && isDigit(S[I]))
    ++I;
  return I;
}

/// Does S[B, E) look like a file name: something, a dot, an extension that
/// starts with a letter?
bool looksLikeFile(std::string_view S, size_t B, size_t E) {
  size_t Dot = S.substr(B, E - B).rfind('.');
  if (Dot == std::string_view::npos || Dot == 0)
    return false;
  Dot += B;
  return Dot + 1 < E && isAlpha(S[Dot + 1]);
}

/// Replaces `PATH:L` and `PATH:L:C` by the base name of PATH.
std::string dropFileLocations(std::string_view S) {
  std::string Out;
  size_t I = 0;
  while (I < S.size()) {
    if (!isPathChar(S[I]) || (I > 0 && isPathChar(S[I - 1]))) {
      Out += S[I++];
      continue;
    }
    // A maximal run of path characters starting here, then ':' digits.
    size_t E = I;
    while (E < S.size() && isPathChar(S[E]))
      ++E;
    if (E + 1 < S.size() && S[E] == ':' && isDigit(S[E + 1]) && looksLikeFile(S, I, E)) {
      size_t After = skipDigits(S, E + 1);
      if (After + 1 < S.size() && S[After] == ':' && isDigit(S[After + 1]))
        After = skipDigits(S, After + 1);
      std::string_view Path = S.substr(I, E - I);
      size_t Slash = Path.find_last_of("/\\");
      Out += Slash == std::string_view::npos ? Path : Path.substr(Slash + 1);
      I = After;
      continue;
    }
    Out.append(S.data() + I, E - I);
    I = E;
  }
  return Out;
}

/// `line 12` -> `line`, `lines 3-5` / `lines 3 to 5` / `lines 3 and 5` -> `lines`.
std::string dropLineWords(std::string_view S) {
  std::string Out;
  size_t I = 0;
  auto WordAt = [&](size_t P, std::string_view W) {
    if (S.size() - P < W.size())
      return false;
    for (size_t K = 0; K < W.size(); ++K)
      if (std::tolower(static_cast<unsigned char>(S[P + K])) != W[K])
        return false;
    return P == 0 || !isAlnum(S[P - 1]);
  };
  while (I < S.size()) {
    size_t WordLen = WordAt(I, "lines") ? 5 : WordAt(I, "line") ? 4 : 0;
    if (WordLen) {
      size_t P = I + WordLen;
      size_t Sp = P;
      while (Sp < S.size() && S[Sp] == ' ')
        ++Sp;
      if (Sp > P && Sp < S.size() && isDigit(S[Sp])) {
        size_t End = skipDigits(S, Sp);
        if (End == S.size() || !isAlpha(S[End])) {
          // A range: `-M`, ` to M`, ` and M`.
          for (std::string_view Sep : {"-", " - ", " to ", " and ", "\xe2\x80\x93"}) {
            if (S.substr(End, Sep.size()) == Sep && End + Sep.size() < S.size() &&
                isDigit(S[End + Sep.size()])) {
              End = skipDigits(S, End + Sep.size());
              break;
            }
          }
          Out.append(S.data() + I, WordLen);
          I = End;
          continue;
        }
      }
    }
    Out += S[I++];
  }
  return Out;
}

} // namespace

std::string normaliseWhitespace(std::string_view S) {
  std::string Out;
  bool Pending = false;
  for (char C : S) {
    if (isSpace(C)) {
      Pending = !Out.empty();
      continue;
    }
    if (Pending)
      Out += ' ';
    Pending = false;
    Out += C;
  }
  return Out;
}

std::string normaliseMessage(std::string_view S) {
  return normaliseWhitespace(dropLineWords(dropFileLocations(S)));
}

std::string normaliseSourceLine(std::string_view S) { return normaliseWhitespace(S); }

std::string fingerprintHash(std::string_view Check, std::string_view Path, std::string_view Function,
                            std::string_view Message, std::string_view SourceLine) {
  std::string In = "serverless-tidy-fingerprint/1";
  for (const std::string &Part : {std::string(Check), std::string(Path), normaliseMessage(Function),
                                  normaliseMessage(Message), normaliseSourceLine(SourceLine)}) {
    In += '\x1f';
    In += Part;
  }
  return sha256Hex(In).substr(0, 32);
}

std::vector<std::string> withOrdinals(const std::vector<std::string> &Hashes) {
  std::map<std::string, unsigned> Seen;
  std::vector<std::string> Out;
  Out.reserve(Hashes.size());
  for (const std::string &H : Hashes)
    Out.push_back(H + ":" + std::to_string(++Seen[H]));
  return Out;
}

std::optional<std::string> relativeTo(const std::string &Path, const std::string &Root) {
  if (Root.empty() || Path.empty())
    return std::nullopt;
  std::string R = Root;
  while (R.size() > 1 && R.back() == '/')
    R.pop_back();
  if (R == "/")
    return Path.size() > 1 && Path[0] == '/' ? std::optional<std::string>(Path.substr(1)) : std::nullopt;
  if (Path.size() > R.size() + 1 && Path.compare(0, R.size(), R) == 0 && Path[R.size()] == '/')
    return Path.substr(R.size() + 1);
  return std::nullopt;
}

static std::string percentEncode(const std::string &S) {
  static const char Hex[] = "0123456789ABCDEF";
  std::string Out;
  for (unsigned char C : S) {
    if (isAlnum(static_cast<char>(C)) || C == '-' || C == '.' || C == '_' || C == '~' || C == '/') {
      Out += static_cast<char>(C);
    } else {
      Out += '%';
      Out += Hex[C >> 4];
      Out += Hex[C & 15];
    }
  }
  return Out;
}

std::string fileUri(const std::string &AbsPath) { return "file://" + percentEncode(AbsPath); }

std::string relativeUri(const std::string &RelPath) { return percentEncode(RelPath); }

//===----------------------------------------------------------------------===//
// SourceFiles
//===----------------------------------------------------------------------===//

SourceFiles::File &SourceFiles::load(const std::string &Path) {
  auto It = Files.find(Path);
  if (It != Files.end())
    return It->second;
  File &F = Files[Path];
  std::ifstream In(Path, std::ios::binary);
  if (In) {
    std::ostringstream SS;
    SS << In.rdbuf();
    F.Text = SS.str();
    F.LineStarts.push_back(0);
    for (size_t I = 0; I < F.Text->size(); ++I)
      if ((*F.Text)[I] == '\n')
        F.LineStarts.push_back(I + 1);
  }
  return F;
}

void SourceFiles::set(const std::string &Path, std::string Text) {
  Files.erase(Path);
  File &F = Files[Path];
  F.Text = std::move(Text);
  F.LineStarts.push_back(0);
  for (size_t I = 0; I < F.Text->size(); ++I)
    if ((*F.Text)[I] == '\n')
      F.LineStarts.push_back(I + 1);
}

const std::string *SourceFiles::text(const std::string &Path) {
  File &F = load(Path);
  return F.Text ? &*F.Text : nullptr;
}

std::optional<std::string> SourceFiles::line(const std::string &Path, unsigned Line) {
  File &F = load(Path);
  if (!F.Text || Line == 0 || Line > F.LineStarts.size())
    return std::nullopt;
  size_t B = F.LineStarts[Line - 1];
  if (B >= F.Text->size() && Line > 1)
    return std::nullopt; // After the last newline: no such line.
  size_t E = Line < F.LineStarts.size() ? F.LineStarts[Line] - 1 : F.Text->size();
  std::string L = F.Text->substr(B, E - B);
  if (!L.empty() && L.back() == '\r')
    L.pop_back();
  return L;
}

static unsigned countCodePoints(std::string_view S) {
  unsigned N = 0;
  for (unsigned char C : S)
    if ((C & 0xC0) != 0x80)
      ++N;
  return N;
}

unsigned SourceFiles::codePointColumn(const std::string &Path, unsigned Line, unsigned ByteColumn) {
  if (ByteColumn <= 1)
    return ByteColumn;
  std::optional<std::string> L = line(Path, Line);
  if (!L)
    return ByteColumn;
  std::string_view Before(*L);
  if (ByteColumn - 1 < Before.size())
    return countCodePoints(Before.substr(0, ByteColumn - 1)) + 1;
  return countCodePoints(Before) + (ByteColumn - 1 - Before.size()) + 1;
}

unsigned SourceFiles::codePointOffset(const std::string &Path, unsigned ByteOffset) {
  const std::string *T = text(Path);
  if (!T || ByteOffset > T->size())
    return ByteOffset;
  return countCodePoints(std::string_view(*T).substr(0, ByteOffset));
}

} // namespace serverless::report
