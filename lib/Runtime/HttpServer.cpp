//===- HttpServer.cpp - The Runtime API's connection handling -------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/HttpServer.h"
#include "Runtime/Text.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace serverless::runtime {

using Clock = std::chrono::steady_clock;

namespace {

/// Bytes a request may carry after its headers (chunked framing included)
/// before the connection layer gives up on it; beyond Lambda's 6 MiB so
/// that oversized responses are read to the end and answered with 413.
constexpr size_t MaxBodyBytes = 16 * 1024 * 1024;

/// The state of one client connection. Owned by exactly one of: the poller
/// (between requests), a worker (while a request is served), or nobody once
/// closed.
struct Conn {
  int Fd = -1;
  std::string In;   // bytes read and not yet consumed
  size_t Off = 0;   // consumed prefix of In
  Clock::time_point Since; // idle since, or first byte of a partial request
  bool Partial = false;    // In holds part of a request
  bool Eof = false;        // the client closed its side
  bool CloseAfter = false; // no keep-alive after this response
  bool WriteFailed = false;
  bool BodyTooLarge = false;
  int LastStatus = 0;
  int64_t Counted = 0; // bytes of In counted in Core::Buffered
  size_t Scanned = 0;  // In[..Scanned) holds no complete header (but 3 bytes)
  bool BareLf = false; // a blank line ended by LF only: not HTTP/1.1 framing
  uint64_t DrainLeft = 0;  // body bytes to read and drop after the response
  bool Draining = false;   // in the poller only to be drained, then closed
  std::string *Sink = nullptr; // serveBytes(): no socket, writes go here

  size_t available() const { return In.size() - Off; }
  bool headerComplete() const {
    return In.find("\r\n\r\n", Off) != std::string::npos;
  }
  void compact() {
    if (Off) {
      In.erase(0, Off);
      Off = 0;
    }
    Scanned = 0;
    BareLf = false;
  }
};

bool peerClosedFd(int Fd) {
  pollfd P{Fd, POLLIN | POLLRDHUP, 0};
  int R = ::poll(&P, 1, 0);
  if (R <= 0)
    return false;
  if (P.revents & (POLLERR | POLLHUP | POLLNVAL | POLLRDHUP))
    return true;
  if (P.revents & POLLIN) {
    char C;
    ssize_t N = ::recv(Fd, &C, 1, MSG_PEEK | MSG_DONTWAIT);
    return N == 0 || (N < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                      errno != EINTR);
  }
  return false;
}

struct ConnRef : HttpConnection {
  Conn *X = nullptr;
  bool peerClosed() const override { return X && peerClosedFd(X->Fd); }
  void closeAfterResponse() override {
    if (X)
      X->CloseAfter = true;
  }
  bool bodyTooLarge() const override { return X && X->BodyTooLarge; }
  void drainAfterResponse(uint64_t Bytes) override {
    if (X) {
      X->DrainLeft = Bytes;
      X->CloseAfter = true;
    }
  }
};

thread_local ConnRef CurrentRef;
thread_local bool InHandler = false;

std::string statusText(int Status) {
  switch (Status) {
  case 400:
    return "Bad Request";
  case 408:
    return "Request Timeout";
  case 431:
    return "Request Header Fields Too Large";
  case 503:
    return "Service Unavailable";
  default:
    return "Error";
  }
}

void addrOf(const sockaddr_storage &A, std::string &Ip, int &Port) {
  char Buf[INET6_ADDRSTRLEN] = {0};
  if (A.ss_family == AF_INET) {
    auto *In = reinterpret_cast<const sockaddr_in *>(&A);
    ::inet_ntop(AF_INET, &In->sin_addr, Buf, sizeof Buf);
    Port = ntohs(In->sin_port);
  } else if (A.ss_family == AF_INET6) {
    auto *In = reinterpret_cast<const sockaddr_in6 *>(&A);
    ::inet_ntop(AF_INET6, &In->sin6_addr, Buf, sizeof Buf);
    Port = ntohs(In->sin6_port);
  } else {
    Port = 0;
  }
  Ip = Buf;
}

} // namespace

HttpConnection *currentConnection() {
  return InHandler && CurrentRef.X ? &CurrentRef : nullptr;
}

struct ApiHttpServer::Core : std::enable_shared_from_this<Core> {
  HttpLimits Limits;
  ApiHttpServer *Server = nullptr;
  std::function<void(const std::string &)> Reporter;

  std::mutex M;
  std::condition_variable WorkCV, DoneCV;
  std::deque<std::function<void()>> Jobs;
  size_t Workers = 0, IdleWorkers = 0;
  bool Stopping = false, ShutDown = false;
  std::atomic<bool> StopFlag{false};

  int Epoll = -1, WakeFd = -1;
  std::thread Poller;
  std::map<int, std::shared_ptr<Conn>> Watched; // guarded by M

  std::atomic<int64_t> Accepted{0}, Open{0}, MaxOpen{0};
  std::atomic<int64_t> Buffered{0}; // request bytes held by the poller

  void report(const std::string &What) {
    std::function<void(const std::string &)> R;
    {
      std::lock_guard<std::mutex> L(M);
      R = Reporter;
    }
    if (!R)
      return;
    try {
      R(What);
    } catch (...) {
    }
  }

  void opened() {
    ++Accepted;
    int64_t O = ++Open;
    int64_t Max = MaxOpen.load();
    while (O > Max && !MaxOpen.compare_exchange_weak(Max, O)) {
    }
  }

  /// Closes a connection whose input may still hold unread bytes: a close
  /// with unread data sends a reset, which can destroy the response the
  /// client has not read yet. So shut down our side, drain briefly, close.
  void lingerClose(const std::shared_ptr<Conn> &X) {
    if (X->Fd < 0)
      return;
    if (!X->Eof) {
      ::shutdown(X->Fd, SHUT_WR);
      auto End = Clock::now() + std::chrono::milliseconds(100);
      size_t Drained = 0;
      char Buf[16384];
      while (Drained < (1u << 20)) {
        auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        End - Clock::now())
                        .count();
        if (Left <= 0)
          break;
        pollfd P{X->Fd, POLLIN, 0};
        int R = ::poll(&P, 1, static_cast<int>(Left));
        if (R < 0 && errno == EINTR)
          continue;
        if (R <= 0)
          break;
        ssize_t N = ::recv(X->Fd, Buf, sizeof Buf, MSG_DONTWAIT);
        if (N <= 0)
          break;
        Drained += static_cast<size_t>(N);
      }
    }
    closeNow(X);
  }

  void closeNow(const std::shared_ptr<Conn> &X) {
    if (X->Fd < 0)
      return;
    ::close(X->Fd);
    X->Fd = -1;
    --Open;
  }

  /// A canned error for requests the connection layer rejects itself;
  /// then the connection is closed (by a worker: it may linger).
  void reject(const std::shared_ptr<Conn> &X, int Status,
              const std::string &Message, const std::string &What) {
    std::string Body = dumpJson(
        {{"errorMessage", Message}, {"errorType", "InvalidRequest"}});
    std::string Resp = "HTTP/1.1 " + std::to_string(Status) + " " +
                       statusText(Status) +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(Body.size()) +
                       "\r\nConnection: close\r\n\r\n" + Body;
    if (X->Sink)
      X->Sink->append(Resp);
    else
      (void)!::send(X->Fd, Resp.data(), Resp.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    report(What + ": " + std::to_string(Status));
    auto Self = shared_from_this();
    if (X->Fd < 0 || !enqueue([Self, X] { Self->lingerClose(X); }))
      closeNow(X);
  }

  // --- poller ------------------------------------------------------------

  /// Hands \p X to the poller until its next request is complete.
  void watch(const std::shared_ptr<Conn> &X) {
    X->compact();
    bool Wake = false;
    {
      std::lock_guard<std::mutex> L(M);
      if (!Stopping) {
        Watched[X->Fd] = X;
        Wake = Watched.size() >
               Limits.MaxIdleConnections + Limits.MaxPendingConnections;
      }
    }
    epoll_event Ev{};
    Ev.events = EPOLLIN | EPOLLRDHUP;
    Ev.data.fd = X->Fd;
    bool Added = !stopping() && ::epoll_ctl(Epoll, EPOLL_CTL_ADD, X->Fd, &Ev) == 0;
    if (!Added) {
      {
        std::lock_guard<std::mutex> L(M);
        Watched.erase(X->Fd);
      }
      closeNow(X);
      return;
    }
    if (Wake)
      wakePoller();
  }

  std::shared_ptr<Conn> unwatch(int Fd) {
    ::epoll_ctl(Epoll, EPOLL_CTL_DEL, Fd, nullptr);
    std::lock_guard<std::mutex> L(M);
    auto It = Watched.find(Fd);
    if (It == Watched.end())
      return nullptr;
    auto X = It->second;
    Watched.erase(It);
    return X;
  }

  void wakePoller() {
    uint64_t One = 1;
    (void)!::write(WakeFd, &One, sizeof One);
  }

  bool stopping() const { return StopFlag.load(); }

  /// Bytes (from X->Off) the poller should hold before a worker serves the
  /// request: the header, plus a Content-Length body small enough to
  /// buffer here (so that a slow body holds no worker either). 0 while the
  /// header is incomplete.
  size_t needed(Conn &X) {
    // Searched from where the last search stopped: a header sent a byte at
    // a time costs linear time, not quadratic.
    X.Scanned = std::min(X.Scanned, X.In.size());
    size_t From = std::max(X.Off, X.Scanned >= 3 ? X.Scanned - 3 : size_t(0));
    size_t End = X.In.find("\r\n\r\n", From);
    if (End == std::string::npos) {
      X.BareLf = X.BareLf || X.In.find("\n\n", From ? From - 1 : 0) != std::string::npos;
      X.Scanned = X.In.size();
      return 0;
    }
    size_t Header = End + 4 - X.Off;
    uint64_t Length = 0;
    bool HasLength = false, Other = false;
    size_t Line = X.In.find("\r\n", X.Off);
    while (Line != std::string::npos && Line < End) {
      size_t Start = Line + 2;
      size_t Next = X.In.find("\r\n", Start);
      std::string H = X.In.substr(Start, Next - Start);
      auto Colon = H.find(':');
      if (Colon != std::string::npos) {
        std::string Key = H.substr(0, Colon);
        for (char &C : Key)
          C = static_cast<char>(std::tolower(static_cast<unsigned char>(C)));
        std::string V = H.substr(Colon + 1);
        V.erase(0, V.find_first_not_of(" \t"));
        V.erase(V.find_last_not_of(" \t") + 1);
        if (Key == "content-length") {
          uint64_t N = 0;
          bool Digits = !V.empty() && V.size() <= 19;
          for (char C : V) {
            if (C < '0' || C > '9')
              Digits = false;
            else
              N = N * 10 + static_cast<uint64_t>(C - '0');
          }
          if (!Digits || (HasLength && N != Length))
            Other = true; // the worker's checks answer it
          Length = N;
          HasLength = true;
        } else if (Key == "transfer-encoding" || Key == "expect") {
          Other = true;
        }
      }
      Line = Next;
    }
    if (!HasLength || Other || Length > Limits.MaxBufferedBody ||
        Buffered.load() > Limits.MaxBufferedTotal)
      return Header;
    return Header + static_cast<size_t>(Length);
  }

  void account(Conn &X, int64_t Delta) {
    X.Counted += Delta;
    Buffered += Delta;
  }

  std::shared_ptr<Conn> release(int Fd) {
    auto X = unwatch(Fd);
    if (X)
      account(*X, -X->Counted);
    return X;
  }

  void readable(int Fd) {
    std::shared_ptr<Conn> X;
    {
      std::lock_guard<std::mutex> L(M);
      auto It = Watched.find(Fd);
      if (It == Watched.end())
        return;
      X = It->second;
    }
    char Buf[65536];
    if (X->Draining) {
      // An answered request whose body is not wanted: read and drop it, so
      // that closing does not reset the connection under the answer.
      for (;;) {
        ssize_t N = ::recv(Fd, Buf, sizeof Buf, MSG_DONTWAIT);
        if (N > 0) {
          X->DrainLeft -= std::min<uint64_t>(X->DrainLeft, static_cast<uint64_t>(N));
          if (X->DrainLeft == 0)
            break;
          continue;
        }
        if (N < 0 && errno == EINTR)
          continue;
        if (N < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
          return;
        break; // EOF or error
      }
      if (release(Fd))
        closeNow(X);
      return;
    }
    size_t Need = needed(*X);
    for (;;) {
      ssize_t N = ::recv(Fd, Buf, sizeof Buf, MSG_DONTWAIT);
      if (N > 0) {
        if (!X->Partial) {
          X->Partial = true;
          X->Since = Clock::now();
        }
        X->In.append(Buf, static_cast<size_t>(N));
        account(*X, N);
        if (!Need)
          Need = needed(*X);
        if ((Need && X->available() >= Need) ||
            (!Need && X->available() > Limits.MaxHeaderBytes) ||
            static_cast<size_t>(N) < sizeof Buf)
          break;
        continue;
      }
      if (N == 0) {
        X->Eof = true;
        break;
      }
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        X->Eof = true;
      break;
    }
    if (Need && (X->available() >= Need || X->Eof)) {
      release(Fd);
      if (X->Eof)
        X->CloseAfter = true;
      dispatch(X);
      return;
    }
    if (Need)
      return; // a body still coming: it waits here, not on a worker
    if (X->Eof) {
      // Gone before sending a whole request: nothing to answer.
      if (release(Fd))
        closeNow(X);
      return;
    }
    if (X->available() > Limits.MaxHeaderBytes) {
      if (release(Fd))
        reject(X, 431, "request header fields too large",
               "request headers above " +
                   std::to_string(Limits.MaxHeaderBytes) + " bytes");
      return;
    }
    if (X->BareLf) {
      if (release(Fd))
        reject(X, 400, "malformed request",
               "malformed request (header lines not ended by CRLF)");
    }
  }

  /// Closes connections past their timeouts and past the bounds (oldest
  /// first).
  void expire() {
    auto Now = Clock::now();
    std::vector<std::shared_ptr<Conn>> Idle, Partial, TimedOut, Close;
    {
      std::lock_guard<std::mutex> L(M);
      for (auto &[Fd, X] : Watched) {
        auto Age = std::chrono::duration_cast<std::chrono::milliseconds>(
                       Now - X->Since)
                       .count();
        if (X->Draining) {
          if (Age > Limits.RequestTimeoutMs)
            Close.push_back(X);
        } else if (X->Partial) {
          if (Age > Limits.HeaderTimeoutMs)
            TimedOut.push_back(X);
          else
            Partial.push_back(X);
        } else if (Age > Limits.IdleTimeoutMs) {
          Close.push_back(X);
        } else {
          Idle.push_back(X);
        }
      }
    }
    auto Oldest = [](std::vector<std::shared_ptr<Conn>> &V, size_t Keep,
                     std::vector<std::shared_ptr<Conn>> &Out) {
      if (V.size() <= Keep)
        return;
      std::sort(V.begin(), V.end(),
                [](const auto &A, const auto &B) { return A->Since < B->Since; });
      Out.insert(Out.end(), V.begin(), V.begin() + (V.size() - Keep));
    };
    Oldest(Idle, Limits.MaxIdleConnections, Close);
    std::vector<std::shared_ptr<Conn>> TooMany;
    Oldest(Partial, Limits.MaxPendingConnections, TooMany);
    for (auto &X : Close)
      if (release(X->Fd))
        closeNow(X);
    for (auto &X : TimedOut)
      if (release(X->Fd))
        reject(X, 408, "request not received in time",
               "request not complete " + std::to_string(Limits.HeaderTimeoutMs) +
                   " ms after its first byte");
    for (auto &X : TooMany)
      if (release(X->Fd))
        reject(X, 503, "too many incomplete requests",
               "more than " + std::to_string(Limits.MaxPendingConnections) +
                   " connections with an incomplete request");
  }

  void pollLoop() {
    epoll_event Evs[64];
    auto LastExpire = Clock::now();
    while (!stopping()) {
      int N = ::epoll_wait(Epoll, Evs, 64, 100);
      if (N < 0 && errno != EINTR)
        break;
      bool Woken = false;
      for (int I = 0; I < N; ++I) {
        if (Evs[I].data.fd == WakeFd) {
          uint64_t V;
          (void)!::read(WakeFd, &V, sizeof V);
          Woken = true;
          continue;
        }
        try {
          readable(Evs[I].data.fd);
        } catch (...) {
          // Out of memory on a header buffer: drop that connection.
          if (auto X = release(Evs[I].data.fd))
            closeNow(X);
        }
      }
      auto Now = Clock::now();
      if (Woken || Now - LastExpire >= std::chrono::milliseconds(100)) {
        LastExpire = Now;
        try {
          expire();
        } catch (...) {
        }
      }
    }
    std::map<int, std::shared_ptr<Conn>> All;
    {
      std::lock_guard<std::mutex> L(M);
      All.swap(Watched);
    }
    for (auto &[Fd, X] : All) {
      ::epoll_ctl(Epoll, EPOLL_CTL_DEL, Fd, nullptr);
      closeNow(X);
    }
  }

  // --- workers -----------------------------------------------------------

  /// Queues a job; false when shutting down (the job was not queued).
  bool enqueue(std::function<void()> Job) {
    std::lock_guard<std::mutex> L(M);
    if (ShutDown)
      return false;
    Jobs.push_back(std::move(Job));
    // Idle workers may be about to take earlier jobs: count them against
    // the queue, not against zero (a parked handler never comes back soon).
    if (Jobs.size() > IdleWorkers && Workers < Limits.MaxWorkers) {
      ++Workers;
      try {
        std::thread([Self = shared_from_this()] { Self->workerLoop(); }).detach();
      } catch (...) {
        --Workers; // the job waits for a running worker
      }
    }
    WorkCV.notify_one();
    return true;
  }

  void workerLoop() {
    std::unique_lock<std::mutex> L(M);
    for (;;) {
      ++IdleWorkers;
      bool Got = WorkCV.wait_for(L, std::chrono::seconds(30), [&] {
        return !Jobs.empty() || Stopping;
      });
      --IdleWorkers;
      if (Jobs.empty()) {
        // Idle for 30 s: keep two workers, let the others go.
        if (Stopping || (!Got && Workers > 2))
          break;
        continue;
      }
      auto Job = std::move(Jobs.front());
      Jobs.pop_front();
      L.unlock();
      try {
        Job();
      } catch (...) {
      }
      L.lock();
    }
    --Workers;
    DoneCV.notify_all();
  }

  void dispatch(const std::shared_ptr<Conn> &X) {
    auto Self = shared_from_this();
    if (!enqueue([Self, X] { Self->serve(X); }))
      closeNow(X);
  }

  void serve(const std::shared_ptr<Conn> &X);

  void shutdown() {
    {
      std::lock_guard<std::mutex> L(M);
      if (ShutDown)
        return;
      Stopping = true;
      StopFlag = true;
    }
    if (WakeFd >= 0)
      wakePoller();
    if (Poller.joinable())
      Poller.join();
    std::unique_lock<std::mutex> L(M);
    WorkCV.notify_all();
    // Handlers were woken by their owner; reads and writes poll the stop
    // flag every 100 ms. Bounded anyway: a stuck handler must not hang the
    // emulator's exit.
    DoneCV.wait_for(L, std::chrono::seconds(10), [&] { return Workers == 0; });
    ShutDown = true;
    std::deque<std::function<void()>> Left;
    Left.swap(Jobs);
    L.unlock();
    Left.clear(); // drops the connections still queued (closed below)
    if (Epoll >= 0)
      ::close(Epoll);
    if (WakeFd >= 0)
      ::close(WakeFd);
    Epoll = WakeFd = -1;
  }
};

namespace {

/// httplib's view of a connection: buffered reads (the poller may already
/// hold the request), deadline-bounded waits that also watch the stop flag,
/// and a bound on body bytes.
class ConnStream : public httplib::Stream {
public:
  ConnStream(ApiHttpServer::Core &C, Conn &X, Clock::time_point Deadline)
      : C(C), X(X), Deadline(Deadline) {
    auto End = X.In.find("\r\n\r\n", X.Off);
    HeaderLeft = End == std::string::npos ? 0 : End + 4 - X.Off;
  }

  bool is_readable() const override {
    if (X.available())
      return true;
    pollfd P{X.Fd, POLLIN, 0};
    return ::poll(&P, 1, 0) > 0;
  }
  bool is_writable() const override { return !peerClosedFd(X.Fd); }

  ssize_t read(char *Ptr, size_t Size) override {
    if (Size == 0)
      return 0;
    if (!X.available()) {
      if (X.Eof)
        return 0;
      if (!waitFor(POLLIN))
        return -1;
      char Buf[16384];
      ssize_t N;
      do
        N = ::recv(X.Fd, Buf, sizeof Buf, MSG_DONTWAIT);
      while (N < 0 && errno == EINTR);
      if (N == 0) {
        X.Eof = true;
        return 0;
      }
      if (N < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? read(Ptr, Size) : -1;
      X.In.assign(Buf, static_cast<size_t>(N));
      X.Off = 0;
    }
    size_t K = std::min(Size, X.available());
    // Count what goes past the headers: the body (with chunk framing).
    size_t Head = std::min(K, HeaderLeft);
    HeaderLeft -= Head;
    Body += K - Head;
    if (Body > MaxBodyBytes) {
      X.BodyTooLarge = true;
      X.CloseAfter = true;
      return -1;
    }
    std::memcpy(Ptr, X.In.data() + X.Off, K);
    X.Off += K;
    if (X.Off == X.In.size()) {
      X.In.clear();
      X.Off = 0;
    }
    return static_cast<ssize_t>(K);
  }

  ssize_t write(const char *Ptr, size_t Size) override {
    if (X.WriteFailed)
      return -1;
    if (X.Sink) {
      X.Sink->append(Ptr, Size);
      return static_cast<ssize_t>(Size);
    }
    // The response has its own time, counted from its first byte: a `next`
    // may have been parked for minutes before it.
    if (!Writing) {
      Writing = true;
      Deadline = Clock::now() + std::chrono::milliseconds(C.Limits.RequestTimeoutMs);
    }
    size_t Done = 0;
    while (Done < Size) {
      ssize_t N = ::send(X.Fd, Ptr + Done, Size - Done, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (N > 0) {
        Done += static_cast<size_t>(N);
        continue;
      }
      if (N < 0 && errno == EINTR)
        continue;
      if (N < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waitFor(POLLOUT))
        continue;
      X.WriteFailed = true;
      return -1;
    }
    return static_cast<ssize_t>(Done);
  }

  void get_remote_ip_and_port(std::string &Ip, int &Port) const override {
    sockaddr_storage A{};
    socklen_t Len = sizeof A;
    if (::getpeername(X.Fd, reinterpret_cast<sockaddr *>(&A), &Len) == 0)
      addrOf(A, Ip, Port);
  }
  void get_local_ip_and_port(std::string &Ip, int &Port) const override {
    sockaddr_storage A{};
    socklen_t Len = sizeof A;
    if (::getsockname(X.Fd, reinterpret_cast<sockaddr *>(&A), &Len) == 0)
      addrOf(A, Ip, Port);
  }
  socket_t socket() const override { return X.Fd; }

private:
  bool waitFor(short Events) {
    for (;;) {
      if (C.stopping())
        return false;
      auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      Deadline - Clock::now())
                      .count();
      if (Left <= 0)
        return false;
      pollfd P{X.Fd, Events, 0};
      int R = ::poll(&P, 1, static_cast<int>(std::min<int64_t>(Left, 100)));
      if (R > 0)
        return true;
      if (R < 0 && errno != EINTR)
        return false;
    }
  }

  ApiHttpServer::Core &C;
  Conn &X;
  Clock::time_point Deadline;
  size_t HeaderLeft = 0;
  size_t Body = 0;
  bool Writing = false;
};

} // namespace

void ApiHttpServer::Core::serve(const std::shared_ptr<Conn> &X) {
  for (;;) {
    if (stopping() || !Server) {
      closeNow(X);
      return;
    }
    bool Closed = false, Ok = false;
    X->LastStatus = 0;
    {
      ConnStream S(*this, *X,
                   Clock::now() + std::chrono::milliseconds(Limits.RequestTimeoutMs));
      CurrentRef.X = X.get();
      InHandler = true;
      try {
        Ok = Server->process_request(S, stopping(), Closed, nullptr);
      } catch (const std::exception &E) {
        report("internal error while serving a request (" + printable(E.what()) +
               "); connection closed");
      } catch (...) {
        report("internal error while serving a request; connection closed");
      }
      InHandler = false;
      CurrentRef.X = nullptr;
    }
    int St = X->LastStatus;
    if (X->DrainLeft && !X->WriteFailed && !stopping()) {
      // Answered before its body was read (413 at once): the poller drops
      // the body, bounded in time, then closes.
      uint64_t Have = X->available();
      X->DrainLeft -= std::min<uint64_t>(X->DrainLeft, Have);
      X->In.clear();
      X->Off = 0;
      if (X->DrainLeft == 0 || X->Eof) {
        lingerClose(X);
        return;
      }
      X->Draining = true;
      X->Partial = false;
      X->Since = Clock::now();
      watch(X);
      return;
    }
    bool ErrorClose = St == 400 || St == 408 || St == 411 || St == 413 ||
                      St == 414 || St == 431 || St >= 500;
    if (!Ok || Closed || X->CloseAfter || X->WriteFailed || ErrorClose ||
        stopping()) {
      if (X->WriteFailed)
        closeNow(X);
      else
        lingerClose(X);
      return;
    }
    // Keep-alive: serve a request already buffered, else back to the poller.
    X->Since = Clock::now();
    X->Partial = X->available() > 0;
    if (X->Partial && X->headerComplete())
      continue;
    if (X->Eof) {
      closeNow(X);
      return;
    }
    watch(X);
    return;
  }
}

namespace {

/// httplib's accept loop hands every new socket to process_and_close_socket
/// through the task queue; ours does it inline (it never blocks) and its
/// shutdown stops the connection machinery.
class InlineQueue : public httplib::TaskQueue {
public:
  explicit InlineQueue(std::shared_ptr<ApiHttpServer::Core> C) : C(std::move(C)) {}
  void enqueue(std::function<void()> Fn) override { Fn(); }
  void shutdown() override { C->shutdown(); }

private:
  std::shared_ptr<ApiHttpServer::Core> C;
};

} // namespace

ApiHttpServer::ApiHttpServer(HttpLimits Limits) : C(std::make_shared<Core>()) {
  C->Limits = Limits;
  C->Server = this;
  auto Core = C;
  new_task_queue = [Core] { return new InlineQueue(Core); };
  set_logger([](const httplib::Request &, const httplib::Response &Res) {
    if (CurrentRef.X)
      CurrentRef.X->LastStatus = Res.status;
  });
}

ApiHttpServer::~ApiHttpServer() {
  shutdown();
  C->Server = nullptr;
}

bool ApiHttpServer::startLoops(std::string &Error) {
  C->Epoll = ::epoll_create1(EPOLL_CLOEXEC);
  C->WakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (C->Epoll < 0 || C->WakeFd < 0) {
    Error = std::string("cannot create the Runtime API poller: ") +
            std::strerror(errno);
    return false;
  }
  epoll_event Ev{};
  Ev.events = EPOLLIN;
  Ev.data.fd = C->WakeFd;
  ::epoll_ctl(C->Epoll, EPOLL_CTL_ADD, C->WakeFd, &Ev);
  try {
    C->Poller = std::thread([Core = C] { Core->pollLoop(); });
  } catch (const std::exception &E) {
    Error = std::string("cannot start the Runtime API poller: ") + E.what();
    return false;
  }
  return true;
}

void ApiHttpServer::shutdown() {
  stop(); // httplib: closes the listening socket; its loop then shuts us down
  C->shutdown();
}

ConnectionStats ApiHttpServer::stats() const {
  ConnectionStats S;
  S.Accepted = C->Accepted.load();
  S.Open = C->Open.load();
  S.MaxOpen = C->MaxOpen.load();
  return S;
}

void ApiHttpServer::resetPeak() {
  C->Accepted = 0;
  C->MaxOpen = C->Open.load();
}

void ApiHttpServer::setReporter(std::function<void(const std::string &)> R) {
  std::lock_guard<std::mutex> L(C->M);
  C->Reporter = std::move(R);
}

void ApiHttpServer::serveBytes(const std::string &Input, std::string &Output) {
  auto X = std::make_shared<Conn>();
  X->Sink = &Output;
  X->In = Input;
  X->Eof = true; // everything was sent; the client then closed its side
  X->Partial = !Input.empty();
  X->Since = Clock::now();
  // What the poller decides once it has read all of it (readable()).
  // Pipelined requests are all served (as when they arrived before the
  // client's FIN); then the connection is closed.
  size_t Need = C->needed(*X);
  if (Need) {
    C->serve(X);
  } else if (X->available() > C->Limits.MaxHeaderBytes) {
    C->reject(X, 431, "request header fields too large", "request headers too large");
  } else if (X->BareLf) {
    C->reject(X, 400, "malformed request",
              "malformed request (header lines not ended by CRLF)");
  }
}

bool ApiHttpServer::process_and_close_socket(socket_t Sock) {
  // Runs on httplib's accept thread: register and hand to the poller.
  ::fcntl(Sock, F_SETFD, FD_CLOEXEC);
  auto X = std::make_shared<Conn>();
  X->Fd = Sock;
  X->Since = Clock::now();
  C->opened();
  if (C->stopping()) {
    C->closeNow(X);
    return true;
  }
  C->watch(X);
  return true;
}

} // namespace serverless::runtime
