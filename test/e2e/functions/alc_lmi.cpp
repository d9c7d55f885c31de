//===- alc_lmi.cpp - Managed Instances on the official aws-lambda-cpp -----===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The official aws-lambda-cpp client (vendored unchanged) as a Lambda
// Managed Instances runtime: run_handler makes its own Runtime API client
// (a CURL handle) each time it is called, so AWS_LAMBDA_MAX_CONCURRENCY
// threads each calling run_handler are that many workers. The handler uses
// one connection made in init by every worker (a shared client) to a
// loopback echo server the function starts itself.
//
// Event: {"sleep_ms": N}. Prints "alc-lmi span <request-id> <start-ms>
// <end-ms> <worker>" (CLOCK_REALTIME ms).
//
//===----------------------------------------------------------------------===//

#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace aws::lambda_runtime;

namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void echoServer(int Listen) {
  std::vector<pollfd> Fds = {{Listen, POLLIN, 0}};
  for (;;) {
    if (poll(Fds.data(), Fds.size(), -1) < 0)
      continue;
    if (Fds[0].revents & POLLIN) {
      int C = accept(Listen, nullptr, nullptr);
      if (C >= 0)
        Fds.push_back({C, POLLIN, 0});
    }
    for (size_t I = 1; I < Fds.size(); ++I)
      if (Fds[I].revents & (POLLIN | POLLHUP)) {
        char Buf[256];
        ssize_t N = recv(Fds[I].fd, Buf, sizeof Buf, 0);
        if (N <= 0) {
          close(Fds[I].fd);
          Fds.erase(Fds.begin() + long(I--));
          continue;
        }
        (void)!send(Fds[I].fd, Buf, size_t(N), MSG_NOSIGNAL);
      }
  }
}

int Shared = -1;
std::mutex SharedMutex;

invocation_response handle(invocation_request const &Req, int Worker) {
  int64_t Start = nowMs();
  bool Ok;
  {
    std::lock_guard<std::mutex> L(SharedMutex);
    char Buf[8];
    Ok = send(Shared, "ping\n", 5, MSG_NOSIGNAL) == 5 &&
         recv(Shared, Buf, 5, MSG_WAITALL) == 5; // SHARED_USE
  }
  auto At = Req.payload.find("\"sleep_ms\"");
  if (At != std::string::npos)
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::atoll(Req.payload.c_str() + Req.payload.find(':', At) + 1)));
  std::printf("alc-lmi span %s %lld %lld %d\n", Req.request_id.c_str(),
              static_cast<long long>(Start), static_cast<long long>(nowMs()), Worker);
  if (!Ok)
    return invocation_response::failure("the database did not answer", "DatabaseError");
  return invocation_response::success("{\"worker\":" + std::to_string(Worker) + "}",
                                      "application/json");
}

} // namespace

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  const char *Max = std::getenv("AWS_LAMBDA_MAX_CONCURRENCY");
  int Workers = Max ? std::atoi(Max) : 1;
  if (Workers < 1 || Workers > 64)
    Workers = 1;
  // curl's global init is not thread-safe: once, before the workers.
  curl_global_init(CURL_GLOBAL_DEFAULT);

  int Listen = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in Db{};
  Db.sin_family = AF_INET;
  Db.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t Len = sizeof Db;
  if (Listen < 0 || bind(Listen, reinterpret_cast<sockaddr *>(&Db), sizeof Db) != 0 ||
      listen(Listen, 16) != 0 ||
      getsockname(Listen, reinterpret_cast<sockaddr *>(&Db), &Len) != 0)
    return 3;
  std::thread(echoServer, Listen).detach();
  Shared = socket(AF_INET, SOCK_STREAM, 0); // SHARED_SOCKET
  if (Shared < 0 || connect(Shared, reinterpret_cast<sockaddr *>(&Db), sizeof Db) != 0)
    return 3;

  std::vector<std::thread> Threads;
  for (int I = 0; I < Workers; ++I)
    Threads.emplace_back([I] {
      run_handler([I](invocation_request const &Req) { return handle(Req, I); });
    });
  for (auto &T : Threads)
    T.join();
  return 0;
}
