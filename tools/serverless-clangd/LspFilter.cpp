//===--- LspFilter.cpp - serverless-clangd's rewrite of clangd's output ---===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "LspFilter.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include <cerrno>
#include <unistd.h>

namespace serverless::clangd {

using llvm::StringRef;

std::string rewriteMessage(StringRef Body, const llvm::StringMap<std::string> &HelpUris) {
  // Cheap test first: most messages are completions, hovers, progress.
  if (!Body.contains("\"textDocument/publishDiagnostics\"") || !Body.contains("serverless-"))
    return Body.str();
  llvm::Expected<llvm::json::Value> Parsed = llvm::json::parse(Body);
  if (!Parsed) {
    llvm::consumeError(Parsed.takeError());
    return Body.str();
  }
  llvm::json::Object *Message = Parsed->getAsObject();
  llvm::json::Object *Params = Message ? Message->getObject("params") : nullptr;
  llvm::json::Array *Diagnostics = Params ? Params->getArray("diagnostics") : nullptr;
  if (!Diagnostics)
    return Body.str();
  bool Changed = false;
  for (llvm::json::Value &V : *Diagnostics) {
    llvm::json::Object *D = V.getAsObject();
    if (!D)
      continue;
    std::optional<StringRef> Code = D->getString("code");
    if (!Code)
      continue;
    auto It = HelpUris.find(*Code);
    if (It == HelpUris.end())
      continue;
    (*D)["codeDescription"] = llvm::json::Object{{"href", It->second}};
    // clangd capitalises the first letter of every message.
    std::optional<StringRef> Text = D->getString("message");
    if (Text && Text->starts_with_insensitive("remark: ")) {
      std::string Rest = Text->drop_front(strlen("remark: ")).str();
      if (!Rest.empty())
        Rest[0] = llvm::toUpper(Rest[0]);
      (*D)["message"] = Rest;
      (*D)["severity"] = 3; // Information.
    }
    Changed = true;
  }
  if (!Changed)
    return Body.str();
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << *Parsed;
  return Out;
}

namespace {

bool writeAll(int Fd, StringRef Data) {
  while (!Data.empty()) {
    ssize_t N = ::write(Fd, Data.data(), Data.size());
    if (N < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    Data = Data.drop_front(N);
  }
  return true;
}

constexpr StringRef Header = "Content-Length:";

} // namespace

void filterLsp(int InFd, int OutFd, const llvm::StringMap<std::string> &HelpUris) {
  std::string Buf;
  bool Eof = false, OutOk = true;
  char Chunk[65536];
  auto Emit = [&](StringRef S) { OutOk = OutOk && writeAll(OutFd, S); };
  while (true) {
    // Consume every complete unit in the buffer.
    while (!Buf.empty()) {
      StringRef B(Buf);
      size_t Prefix = std::min(B.size(), Header.size());
      if (B.take_front(Prefix).equals_insensitive(Header.take_front(Prefix))) {
        if (B.size() < Header.size() && !Eof)
          break; // Might still become a header.
        size_t End = B.find("\r\n\r\n");
        if (End == StringRef::npos) {
          if (Eof) {
            Emit(B);
            Buf.clear();
          }
          break;
        }
        StringRef Headers = B.take_front(End);
        size_t Length = 0;
        bool HaveLength = false;
        for (StringRef Line : llvm::split(Headers, "\r\n")) {
          auto [Name, Value] = Line.split(':');
          if (Name.trim().equals_insensitive("Content-Length"))
            HaveLength = !Value.trim().getAsInteger(10, Length);
        }
        if (!HaveLength) { // Not ours to understand: pass it on.
          Emit(B.take_front(End + 4));
          Buf.erase(0, End + 4);
          continue;
        }
        if (B.size() < End + 4 + Length) {
          if (Eof) {
            Emit(B);
            Buf.clear();
          }
          break;
        }
        std::string Body = rewriteMessage(B.substr(End + 4, Length), HelpUris);
        std::string Out;
        for (StringRef Line : llvm::split(Headers, "\r\n")) {
          if (Line.split(':').first.trim().equals_insensitive("Content-Length"))
            Out += "Content-Length: " + std::to_string(Body.size());
          else
            Out += Line.str();
          Out += "\r\n";
        }
        Out += "\r\n";
        Out += Body;
        Emit(Out);
        Buf.erase(0, End + 4 + Length);
        continue;
      }
      // Not a header: pass through up to the next line or header.
      size_t Next = B.find('\n');
      size_t Cut = Next == StringRef::npos ? B.size() : Next + 1;
      size_t H = B.find_insensitive(Header);
      if (H != StringRef::npos && H > 0 && H < Cut)
        Cut = H;
      Emit(B.take_front(Cut));
      Buf.erase(0, Cut);
    }
    if (Eof)
      break;
    ssize_t N = ::read(InFd, Chunk, sizeof Chunk);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      Eof = true;
    else
      Buf.append(Chunk, N);
  }
  (void)OutOk; // The editor went away: nothing left to tell it.
}

} // namespace serverless::clangd
