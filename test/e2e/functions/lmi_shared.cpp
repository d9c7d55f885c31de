//===- lmi_shared.cpp - A Lambda Managed Instances function ---------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// A multi-concurrent function the way Managed Instances runtimes are built:
// AWS_LAMBDA_MAX_CONCURRENCY worker threads, each with its own Runtime API
// client (a CURL handle: its own kept-alive connection), each doing
// next/handler/response. Init starts a loopback echo server (the function's
// "database") and opens ONE connection to it that every worker's handler
// uses (a shared client, guarded by a mutex: it must be thread-safe once
// invocations overlap); each worker also opens a connection of its own
// (never shared). The emulator's ledger must name the first and not the
// second.
//
// Event: {"sleep_ms": N, "shared": true|false, "crash": true}. The handler
// talks to the shared client (unless "shared": false) and to its own, sleeps
// N ms (then aborts the process with "crash"), and
// prints "lmi span <request-id> <start-ms> <end-ms> <deadline-ms> <worker>"
// (CLOCK_REALTIME ms) so the tests see overlap from inside; after a post it
// prints "lmi post <request-id> <status>" (a late answer gets 410).
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// One request-response round trip on a connected socket.
bool ping(int Fd) {
  if (send(Fd, "ping\n", 5, MSG_NOSIGNAL) != 5)
    return false;
  char Buf[8];
  size_t Got = 0;
  while (Got < 5) {
    ssize_t N = read(Fd, Buf + Got, 5 - Got);
    if (N <= 0)
      return false;
    Got += size_t(N);
  }
  return true;
}

/// The "database": echoes whatever each connection sends (one thread).
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

sockaddr_in Db;
int SharedFd = -1;
std::mutex SharedMutex;

int64_t field(const std::string &Json, const char *Key, int64_t Default) {
  auto At = Json.find(std::string("\"") + Key + "\"");
  if (At == std::string::npos)
    return Default;
  At = Json.find(':', At);
  if (At == std::string::npos)
    return Default;
  std::string Rest = Json.substr(At + 1);
  Rest.erase(0, Rest.find_first_not_of(" \t"));
  if (Rest.rfind("true", 0) == 0)
    return 1;
  if (Rest.rfind("false", 0) == 0)
    return 0;
  return std::atoll(Rest.c_str());
}

void worker(int Id, lambda_loop::Client *Api) {
  // This worker's own connection: only this thread ever uses it.
  int Own = socket(AF_INET, SOCK_STREAM, 0); // WORKER_SOCKET
  if (Own < 0 || connect(Own, reinterpret_cast<sockaddr *>(&Db), sizeof Db) != 0) {
    std::fprintf(stderr, "lmi worker %d: cannot connect\n", Id);
    std::exit(3);
  }
  lambda_loop::Invocation Inv;
  while (Api->next(Inv)) {
    int64_t Start = nowMs();
    bool Ok = ping(Own);
    if (field(Inv.Payload, "shared", 1)) {
      std::lock_guard<std::mutex> L(SharedMutex);
      Ok = ping(SharedFd) && Ok; // SHARED_USE
    }
    int64_t Sleep = field(Inv.Payload, "sleep_ms", 0);
    if (Sleep > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(Sleep));
    if (field(Inv.Payload, "crash", 0))
      std::abort(); // the whole process, every worker's invocation with it
    int64_t End = nowMs();
    std::printf("lmi span %s %lld %lld %lld %d\n", Inv.RequestId.c_str(),
                static_cast<long long>(Start), static_cast<long long>(End),
                static_cast<long long>(Inv.DeadlineMs), Id);
    long Status = Ok ? Api->postResponse(Inv.RequestId, "{\"worker\":" + std::to_string(Id) + "}")
                     : Api->postError(Inv.RequestId, "the database did not answer",
                                      "Function.DatabaseError");
    std::printf("lmi post %s %ld\n", Inv.RequestId.c_str(), Status);
  }
}

} // namespace

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  const char *Max = std::getenv("AWS_LAMBDA_MAX_CONCURRENCY");
  int Workers = Max ? std::atoi(Max) : 1;
  if (Workers < 1 || Workers > 64)
    Workers = 1;
  std::printf("lmi init: pid=%d AWS_LAMBDA_MAX_CONCURRENCY=%s workers=%d\n", getpid(),
              Max ? Max : "-", Workers);

  int Listen = socket(AF_INET, SOCK_STREAM, 0);
  std::memset(&Db, 0, sizeof Db);
  Db.sin_family = AF_INET;
  Db.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t Len = sizeof Db;
  if (Listen < 0 || bind(Listen, reinterpret_cast<sockaddr *>(&Db), sizeof Db) != 0 ||
      listen(Listen, 128) != 0 ||
      getsockname(Listen, reinterpret_cast<sockaddr *>(&Db), &Len) != 0) {
    std::fprintf(stderr, "lmi: cannot listen\n");
    return 3;
  }
  std::thread(echoServer, Listen).detach();
  // LMI_ABORT_AFTER_MS: the process dies that long after init, whatever
  // its workers are doing (a crash outside any invocation's handler); with
  // LMI_ABORT_ONCE=FILE only the first process that creates FILE does.
  const char *Once = std::getenv("LMI_ABORT_ONCE");
  if (const char *A = std::getenv("LMI_ABORT_AFTER_MS"))
    if (!Once || access(Once, F_OK) != 0) {
      if (Once)
        if (FILE *F = std::fopen(Once, "w"))
          std::fclose(F);
      std::thread([Ms = std::atoll(A)] {
        std::this_thread::sleep_for(std::chrono::milliseconds(Ms));
        std::abort();
      }).detach();
    }

  // The shared client, made once in init and used by every worker.
  SharedFd = socket(AF_INET, SOCK_STREAM, 0); // SHARED_SOCKET
  if (SharedFd < 0 || connect(SharedFd, reinterpret_cast<sockaddr *>(&Db), sizeof Db) != 0) {
    std::fprintf(stderr, "lmi: cannot connect the shared client\n");
    return 3;
  }

  // One Runtime API client per worker, made before the threads start
  // (curl's global init is not thread-safe).
  std::vector<std::unique_ptr<lambda_loop::Client>> Apis;
  for (int I = 0; I < Workers; ++I)
    Apis.push_back(std::make_unique<lambda_loop::Client>());
  std::vector<std::thread> Threads;
  for (int I = 0; I < Workers; ++I)
    Threads.emplace_back(worker, I, Apis[size_t(I)].get());
  for (auto &T : Threads)
    T.join();
  return 0;
}
