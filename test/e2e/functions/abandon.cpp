//===- abandon.cpp - A client that abandons a parked `next` ---------------===//
//
// During its first invocation this function opens a second connection to the
// Runtime API, sends `GET .../invocation/next` (argv[1] = get) or `HEAD` (head)
// on it, waits until that request is parked, and hangs up; then it answers
// and goes on as a normal runtime. The abandoned request must not keep later
// `next` calls out (403) nor swallow the next event (issue 15, defect 5).
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
  long Count = 0;
  return lambda_loop::run([&](const lambda_loop::Invocation &) {
    if (++Count == 1)
      abandonNext(Method);
    return lambda_loop::Result::success("{\"count\":" + std::to_string(Count) + "}");
  });
}
