//===- bad_post.cpp - A function that speaks the API badly ----------------===//
//
// garbage (default), per invocation: posts for an unknown request id, sends
// requests to paths and methods the API does not have and raw non-HTTP bytes
// on a fresh socket, then answers correctly. second-next: a second `next`
// while the first invocation is in flight. Prints every status code so the
// tests can check the API's answers and that the emulator keeps serving.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

static void rawGarbage() {
  const char *Api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  std::string A = Api ? Api : "127.0.0.1:9001";
  int Port = std::atoi(A.substr(A.find(':') + 1).c_str());
  int Fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in Addr{};
  Addr.sin_family = AF_INET;
  Addr.sin_port = htons(static_cast<uint16_t>(Port));
  Addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr) == 0) {
    const char Junk[] = "\x16\x03\x01 this is not http\r\n\r\n";
    (void)!write(Fd, Junk, sizeof Junk - 1);
    char Buf[256];
    ssize_t N = read(Fd, Buf, sizeof Buf - 1);
    std::printf("bad_post: raw garbage answered with %zd bytes\n", N);
  }
  close(Fd);
}

int main(int Argc, char **Argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string Mode = Argc > 1 ? Argv[1] : "garbage";
  lambda_loop::Client C;
  lambda_loop::Invocation Inv;
  if (Mode == "second-next") {
    // A second `next` (own connection, from a thread) while the first
    // invocation is still open: that invocation ends without a response,
    // and the second next receives the following event.
    if (!C.next(Inv))
      return 2;
    std::string Second;
    std::thread T([&] {
      lambda_loop::Client C2;
      auto R = C2.request("GET", "/2018-06-01/runtime/invocation/next", "");
      Second = R.Headers["lambda-runtime-aws-request-id"];
      std::printf("bad_post: second next -> %ld\n", R.Status);
    });
    usleep(200 * 1000);
    long Late = C.postResponse(Inv.RequestId, "{}");
    T.join();
    long Ok = C.postResponse(Second, "{\"second\":true}");
    std::printf("bad_post: first answered late -> %ld, second -> %ld\n", Late, Ok);
    return lambda_loop::run([](const lambda_loop::Invocation &) {
      return lambda_loop::Result::success("{}");
    });
  }
  while (C.next(Inv)) {
    long U = C.postResponse("00000000-0000-0000-0000-000000000000", "{}");
    auto W = C.request("POST", "/2018-06-01/runtime/invocation/next", "{}");
    auto X = C.request("GET", "/2018-06-01/nonsense", "");
    rawGarbage();
    long Ok = C.postResponse(Inv.RequestId, "{\"finally\":true}");
    std::printf("bad_post: unknown-id=%ld post-next=%ld nonsense=%ld ok=%ld\n",
                U, W.Status, X.Status, Ok);
  }
  return 0;
}
