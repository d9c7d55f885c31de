//===- flood.cpp - A function that writes very long output lines ----------===//
//
// Each invocation writes {"bytes":N} bytes of 'x' to stdout ({"fd":2}:
// stderr) in 64 KiB writes, followed by a newline unless {"newline":false},
// then answers. With --concurrency > 1 the emulator prefixes each line of
// the function's output; that must stay linear in the output size and never
// block the function (issue 15, defect 6).
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

static long field(const std::string &J, const char *Key, long Default) {
  auto Pos = J.find(std::string("\"") + Key + "\":");
  if (Pos == std::string::npos)
    return Default;
  const char *V = J.c_str() + Pos + std::string(Key).size() + 3;
  if (std::string(V).rfind("false", 0) == 0)
    return 0;
  if (std::string(V).rfind("true", 0) == 0)
    return 1;
  return std::strtol(V, nullptr, 10);
}

int main() {
  return lambda_loop::run([](const lambda_loop::Invocation &Inv) {
    long Bytes = field(Inv.Payload, "bytes", 1024);
    bool Newline = field(Inv.Payload, "newline", 1) != 0;
    int Fd = field(Inv.Payload, "fd", 1) == 2 ? 2 : 1;
    std::string Chunk(64 * 1024, 'x');
    long Left = Bytes;
    while (Left > 0) {
      size_t N = Left < static_cast<long>(Chunk.size()) ? static_cast<size_t>(Left)
                                                         : Chunk.size();
      ssize_t W = ::write(Fd, Chunk.data(), N);
      if (W <= 0)
        return lambda_loop::Result::failure("write failed", "FloodError");
      Left -= W;
    }
    if (Newline)
      (void)!::write(Fd, "\n", 1);
    return lambda_loop::Result::success("{\"written\":" + std::to_string(Bytes) + "}");
  });
}
