//===- leaky_client.cpp - A new HTTP client per response, never freed -----===//
//
// The runtime loop of lambda_loop, except that every response is posted
// through a new Client (a new CURL handle, so a new kept-alive connection)
// that is never destroyed: one more idle connection to the Runtime API per
// invocation. The handler itself answers at once. The emulator must keep
// serving `next` and responses promptly (issue 15, defect 3) and report the
// leak as a connection leak, not as timeouts.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <cstdio>
#include <unistd.h>

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("leaky_client init: pid=%d\n", getpid());
  lambda_loop::Client C;
  lambda_loop::Invocation Inv;
  long N = 0;
  while (C.next(Inv)) {
    auto *Leaked = new lambda_loop::Client(); // never deleted: the bug
    long S = Leaked->postResponse(Inv.RequestId, "{\"n\":" + std::to_string(++N) + "}");
    if (S != 202) {
      std::fprintf(stderr, "leaky_client: post for %s failed: HTTP %ld\n",
                   Inv.RequestId.c_str(), S);
      return 1;
    }
  }
  return 0;
}
