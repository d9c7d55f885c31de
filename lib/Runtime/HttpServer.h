//===- HttpServer.h - The Runtime API's connection handling ----*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// cpp-httplib parses requests and routes them; this class owns everything
// about connections, so that no client can starve the Runtime API:
//
//   - An idle kept-alive connection costs no thread. httplib's own loop
//     parks a pool thread per connection for its whole keep-alive time (with
//     8 threads, 8 leaked HTTP clients stopped the runtime's responses). Here
//     one poller thread (epoll) watches every connection between requests
//     and reads requests without blocking (headers, and bodies up to the
//     payload limit); a worker thread is taken only once a request is
//     complete, and given back right after the response. Slow senders
//     (slowloris, a dribbled body) hold no worker.
//   - Workers are created on demand up to a bound; requests wait in a queue
//     beyond it. Idle connections are bounded too: past the bound the oldest
//     idle one is closed (a client reconnects; curl does so transparently).
//   - Every wait is bounded: headers within HeaderTimeoutMs, the rest of a
//     request and its response within RequestTimeoutMs, an idle connection
//     for IdleTimeoutMs.
//   - Oversized or garbled headers get a canned 431/400 and the connection is
//     closed; no exception escapes a connection (it is reported and the
//     connection closed).
//   - Handlers see their connection (currentConnection()): a parked handler
//     can tell that its client hung up, and ask for the connection to be
//     closed after the response.
//
// httplib's Server is kept for parsing, routing and the handler API; its
// accept loop hands each new socket to process_and_close_socket(), which
// this class overrides (the method is virtual in cpp-httplib 0.11).
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_HTTPSERVER_H
#define SERVERLESS_RUNTIME_HTTPSERVER_H

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace serverless::runtime {

struct HttpLimits {
  /// Threads serving requests (created on demand).
  size_t MaxWorkers = 128;
  /// Kept-alive connections waiting for their next request; past this the
  /// oldest is closed.
  size_t MaxIdleConnections = 256;
  /// Connections with a partial request header (slow clients); past this
  /// the oldest is closed.
  size_t MaxPendingConnections = 512;
  /// An idle kept-alive connection is closed after this.
  int IdleTimeoutMs = 60000;
  /// A request's headers must be complete this long after its first byte.
  int HeaderTimeoutMs = 10000;
  /// The rest of a request (its body) and its response, each.
  int RequestTimeoutMs = 10000;
  /// Request line plus headers.
  size_t MaxHeaderBytes = 64 * 1024;
  /// A body up to this (Content-Length) is read by the poller before a
  /// worker is taken, as long as the poller holds at most MaxBufferedTotal
  /// bytes; larger or chunked bodies are read by the worker.
  size_t MaxBufferedBody = 6 * 1024 * 1024;
  int64_t MaxBufferedTotal = 64 * 1024 * 1024;
};

struct ConnectionStats {
  int64_t Accepted = 0; // connections accepted since the last resetPeak()
  int64_t Open = 0;     // open now
  int64_t MaxOpen = 0;  // most open at once since the last resetPeak()
};

/// The connection of the request the calling thread is handling.
class HttpConnection {
public:
  virtual ~HttpConnection() = default;
  /// True when the client closed (or reset) the connection.
  virtual bool peerClosed() const = 0;
  /// Close the connection after this response (no keep-alive).
  virtual void closeAfterResponse() = 0;
  /// The request's body went past the connection layer's bound (16 MiB,
  /// chunk framing included) and was not read to its end.
  virtual bool bodyTooLarge() const = 0;
  /// The response goes out before the request's body (\p Bytes, declared)
  /// is read: the body is then read and dropped (by the poller, at most
  /// RequestTimeoutMs) and the connection closed.
  virtual void drainAfterResponse(uint64_t Bytes) = 0;
};

/// nullptr outside a request handler.
HttpConnection *currentConnection();

class ApiHttpServer : public httplib::Server {
public:
  explicit ApiHttpServer(HttpLimits Limits = HttpLimits());
  ~ApiHttpServer() override;

  /// Starts the poller; call before listen_after_bind().
  bool startLoops(std::string &Error);
  /// Stops accepting, closes every connection, waits for the workers (their
  /// handlers must have been woken); then the listen thread returns.
  void shutdown();

  ConnectionStats stats() const;
  /// Starts a new count: Accepted = 0, MaxOpen = Open.
  void resetPeak();

  /// Called (from any thread) with a one-line description of a request the
  /// connection layer itself rejected or of an internal error.
  void setReporter(std::function<void(const std::string &)> Report);

  /// For the fuzzer (test/fuzz) and tests: serves \p Input as the bytes one
  /// client sent on one connection before closing its side, on the calling
  /// thread, without a socket: the poller's framing, httplib's parsing and
  /// routing, the handlers. What the server writes is appended to \p Output.
  void serveBytes(const std::string &Input, std::string &Output);

  struct Core;

private:
  bool process_and_close_socket(socket_t Sock) override;
  std::shared_ptr<Core> C;
};

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_HTTPSERVER_H
