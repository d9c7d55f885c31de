//===- huge_payload.cpp - A function whose response is too large ----------===//
//
// Answers with "bytes" from the event (default 7 MiB, above Lambda's 6 MiB
// synchronous limit) and prints the status the API returned (413).
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <cstdio>
#include <cstdlib>
#include <string>

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  lambda_loop::Client C;
  lambda_loop::Invocation Inv;
  while (C.next(Inv)) {
    size_t Bytes = 7 * 1024 * 1024;
    auto Pos = Inv.Payload.find("\"bytes\":");
    if (Pos != std::string::npos)
      Bytes = std::strtoull(Inv.Payload.c_str() + Pos + 8, nullptr, 10);
    std::string Body = "\"" + std::string(Bytes > 2 ? Bytes - 2 : 0, 'x') + "\"";
    long S = C.postResponse(Inv.RequestId, Body);
    std::printf("huge_payload: posted %zu bytes -> %ld\n", Body.size(), S);
  }
  return 0;
}
