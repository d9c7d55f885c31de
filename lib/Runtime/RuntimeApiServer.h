//===- RuntimeApiServer.h - Runtime and Extensions API server ---*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// One loopback HTTP server per environment slot speaking the Runtime API
// 2018-06-01 and the Extensions API 2020-01-01 with the cloud's status codes
// and error bodies, plus the state the environment's driver waits on.
//
// The server outlives function processes: each process is a "generation".
// Handlers that block (runtime `next`, extension `event/next`) remember the
// generation they started in and are woken when it ends, so a killed process
// never leaves a worker thread stuck. cpp-httplib's blocking server with a
// small thread pool is enough: one runtime and a few extensions per slot.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_RUNTIMEAPISERVER_H
#define SERVERLESS_RUNTIME_RUNTIMEAPISERVER_H

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace serverless::runtime {

class RunOutput;

/// Lambda's synchronous payload limit.
constexpr size_t MaxPayloadBytes = 6 * 1024 * 1024;

struct InvocationEvent {
  std::string RequestId;
  std::string Payload;
  std::string TraceId;
  std::string FunctionArn;
  int64_t DeadlineMs = 0;
};

enum class OutcomeKind {
  None,
  Response,   // POST .../response accepted
  Error,      // POST .../error
  Oversize,   // response above 6 MiB (413)
  NoResponse, // runtime asked for the next event without answering
};

struct InvocationOutcome {
  OutcomeKind Kind = OutcomeKind::None;
  size_t Bytes = 0;
  std::string ErrorType;
  std::string ErrorMessage;
};

struct ExtensionInfo {
  std::string Name;
  std::string Id;
  bool Internal = true;
  bool Invoke = false;
  bool Shutdown = false;
  int64_t EventsDelivered = 0;
};

enum class Wake { Done, InitError, Exited, Deadline, Aborted };

class RuntimeApiServer {
public:
  using Clock = std::chrono::steady_clock;
  /// Called every 10 ms while waiting (memory sampling); true aborts.
  using Ticker = std::function<bool()>;

  RuntimeApiServer(int Slot, std::string FunctionName, RunOutput &Out);
  ~RuntimeApiServer();

  bool start(std::string &Error);
  int port() const { return Port; }
  void stop();

  /// A new function process; forgets everything about the previous one.
  void beginGeneration();
  /// The process is gone or going: wakes every blocked handler.
  void endGeneration();
  /// From the reaper thread.
  void notifyExit(int Status);
  bool exited(int &Status);

  /// Init: until the runtime waits in `next` and every registered extension
  /// waits in `event/next`.
  Wake waitReady(Clock::time_point Deadline, const Ticker &Tick);
  /// Until the process exits (Exited) or \p Deadline.
  Wake waitExit(Clock::time_point Deadline);
  /// After dispatch(): until the invocation has an outcome.
  Wake waitOutcome(Clock::time_point Deadline, const Ticker &Tick,
                   InvocationOutcome &Out);

  /// Hands \p E to the runtime's (pending or next) `next` and INVOKE to the
  /// extensions that subscribed.
  void dispatch(const InvocationEvent &E);
  /// The current invocation timed out; a late response is accepted (and
  /// reported) instead of being rejected.
  void markTimedOut();

  std::string initErrorType();
  std::string initErrorMessage();
  std::vector<ExtensionInfo> extensions();
  int64_t rejectedRequests();

private:
  struct Extension {
    ExtensionInfo Info;
    bool Waiting = false;
    std::deque<std::string> Queue;
  };
  enum class ReqState { Active, Responded, TimedOut };

  void installRoutes();
  bool readyLocked() const;
  Wake waitLocked(std::unique_lock<std::mutex> &L, Clock::time_point Deadline,
                  const Ticker &Tick, const std::function<bool()> &Done);
  ReqState *findRequestLocked(const std::string &Id);
  void rejected(const std::string &What);

  int Slot;
  std::string FunctionName;
  RunOutput &Out;
  std::unique_ptr<httplib::Server> Http;
  std::thread ListenThread;
  int Port = 0;

  std::mutex M;
  std::condition_variable CV;
  uint64_t Gen = 0;
  bool Stopping = false;
  bool ProcessExited = false;
  int ExitStatus = 0;
  bool InitDone = false; // the runtime called `next` at least once
  bool InitErrorPosted = false;
  std::string InitErrorType, InitErrorMessage;
  int NextWaiters = 0;
  std::optional<InvocationEvent> Pending;
  std::string CurrentId;
  bool CurrentOpen = false;
  InvocationOutcome Outcome;
  // The last few request ids, to tell "unknown id" (400) from "already
  // answered" (403) without growing with the run.
  std::deque<std::pair<std::string, ReqState>> Recent;
  std::vector<Extension> Extensions;
  uint64_t ExtensionCounter = 0;
  std::atomic<int64_t> Rejected{0};
};

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_RUNTIMEAPISERVER_H
