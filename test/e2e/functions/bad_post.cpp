//===- bad_post.cpp - A function that speaks the API badly ----------------===//
//
// Per invocation: posts for an unknown request id, sends requests to paths
// and methods the API does not have, sends raw non-HTTP bytes on a fresh
// socket, asks for `next` on a second connection while a next is in flight
// (from a thread, during init), then answers correctly. Prints every status
// code so the tests can check the API's answers, and checks the emulator
// still serves it afterwards.
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

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  lambda_loop::Client C;
  // A second `next` in flight: one from a thread on its own connection.
  // Whichever of the two arrives second gets 403; the other gets the event.
  long ThreadStatus = -1;
  std::string ThreadId;
  std::thread T([&] {
    lambda_loop::Client C2;
    auto R = C2.request("GET", "/2018-06-01/runtime/invocation/next", "");
    ThreadStatus = R.Status;
    ThreadId = R.Headers["lambda-runtime-aws-request-id"];
  });
  lambda_loop::Invocation Inv;
  bool Have = false;
  for (int I = 0; I < 1000 && !Have; ++I) {
    auto R = C.request("GET", "/2018-06-01/runtime/invocation/next", "");
    if (R.Status == 200) {
      Inv.RequestId = R.Headers["lambda-runtime-aws-request-id"];
      Have = true;
    } else {
      std::printf("bad_post: concurrent next -> %ld\n", R.Status);
      break;
    }
  }
  T.join();
  if (!Have) {
    if (ThreadStatus != 200)
      return 3;
    Inv.RequestId = ThreadId;
  } else {
    std::printf("bad_post: concurrent next -> %ld\n", ThreadStatus);
  }
  for (;;) {
    long U = C.postResponse("00000000-0000-0000-0000-000000000000", "{}");
    auto W = C.request("POST", "/2018-06-01/runtime/invocation/next", "{}");
    auto X = C.request("GET", "/2018-06-01/nonsense", "");
    rawGarbage();
    long Ok = C.postResponse(Inv.RequestId, "{\"finally\":true}");
    std::printf("bad_post: unknown-id=%ld post-next=%ld nonsense=%ld ok=%ld\n",
                U, W.Status, X.Status, Ok);
    if (!C.next(Inv))
      return 0;
  }
}
