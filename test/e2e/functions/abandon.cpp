//===- abandon.cpp - A client that abandons a parked `next` ---------------===//
//
// After answering its first invocation, this function asks for the next
// event on a second connection to the Runtime API (`GET .../next`, argv[1] =
// get; or `HEAD`, head), waits until that request is parked, hangs up, and
// then goes on as a normal runtime (its own `next`). Like a runtime whose
// HTTP client gives up on a long `next` and retries. Run it with --freeze
// none --idle 500 so that the hang-up comes before the next event. The
// abandoned request must not keep the retry out (403) nor swallow the next
// event (issue 15, defect 5).
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

static void abandonNext(const std::string &Method) {
  std::string Api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  auto Colon = Api.find(':');
  sockaddr_in A{};
  A.sin_family = AF_INET;
  A.sin_port = htons(static_cast<uint16_t>(std::atoi(Api.c_str() + Colon + 1)));
  inet_pton(AF_INET, Api.substr(0, Colon).c_str(), &A.sin_addr);
  int S = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(S, reinterpret_cast<sockaddr *>(&A), sizeof A) != 0) {
    std::printf("abandon: connect failed\n");
    return;
  }
  std::string Req = Method + " /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
                             "Host: " + Api + "\r\n\r\n";
  (void)!write(S, Req.data(), Req.size());
  // Long enough for the server to park it (or answer it).
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  close(S);
  std::printf("abandon: %s next sent and abandoned\n", Method.c_str());
}

int main(int Argc, char **Argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string Method = Argc > 1 && std::strcmp(Argv[1], "head") == 0 ? "HEAD" : "GET";
  lambda_loop::Client C;
  lambda_loop::Invocation Inv;
  for (long Count = 1; C.next(Inv); ++Count) {
    long S = C.postResponse(Inv.RequestId, "{\"count\":" + std::to_string(Count) + "}");
    if (S != 202) {
      std::fprintf(stderr, "abandon: post for %s failed: HTTP %ld\n",
                   Inv.RequestId.c_str(), S);
      return 1;
    }
    if (Count == 1)
      abandonNext(Method);
  }
  std::printf("abandon: next failed, exiting\n");
  return 0;
}
