//===- Serve.h - run --serve: RIE's invoke endpoint -------------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// `run --serve [ADDR:]PORT` accepts RIE's
// `POST /2015-03-31/functions/function/invocations` so RIE-based test suites
// and AWS SDK clients drive the function while the emulator (and the shim's
// ledger) record. Each request is a job in a bounded queue; the K
// environments take jobs as they become free (not round-robin) and answer
// each with the function's response (or its error payload, with
// X-Amz-Function-Error). `X-Amz-Client-Context` (base64, decoded),
// `X-Amzn-Trace-Id`, `X-Amz-Cognito-Identity` and `X-Amz-Tenant-Id` are
// passed to the runtime's `next`. Loopback by default; bounded in queued
// requests, body size and the time a caller waits.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_SERVE_H
#define SERVERLESS_RUNTIME_SERVE_H

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace serverless::runtime {

class RunOutput;

struct ServeResult {
  int Status = 200;
  std::string Body, ContentType = "application/json";
  std::string FunctionError; // X-Amz-Function-Error ("Unhandled"), or ""
};

struct ServeJob {
  int64_t Index = 0;
  std::string Payload, ClientContext, TraceId, CognitoIdentity, TenantId;
  std::shared_ptr<std::promise<ServeResult>> Done;
};

/// Jobs between the endpoint and the environments.
class ServeQueue {
public:
  explicit ServeQueue(size_t MaxQueued, int64_t MaxJobs)
      : MaxQueued(MaxQueued), MaxJobs(MaxJobs) {}
  /// False when full or closed (the caller answers 429 / 503).
  bool push(ServeJob &J, bool &Closed);
  /// The next job; nullopt once closed and drained.
  std::optional<ServeJob> pop();
  /// No more jobs: queued ones are still served.
  void close();
  bool closed();
  int64_t accepted();

private:
  std::mutex M;
  std::condition_variable CV;
  std::deque<ServeJob> Q;
  size_t MaxQueued;
  int64_t MaxJobs; // <= 0: unbounded (until close)
  int64_t Accepted = 0;
  bool Closed = false;
};

/// The HTTP endpoint (cpp-httplib), on its own threads.
class InvokeServer {
public:
  InvokeServer(ServeQueue &Q, RunOutput &Out, int64_t WaitMs);
  ~InvokeServer();
  /// Binds \p Addr:\p Port (0: any free port). False with \p Error.
  bool start(const std::string &Addr, int Port, std::string &Error);
  int port() const { return Port; }
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> I;
  int Port = 0;
};

/// "[ADDR:]PORT" -> (address, port); loopback when no address is given.
bool parseServeAddress(const std::string &Spec, std::string &Addr, int &Port,
                       std::string &Error);

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_SERVE_H
