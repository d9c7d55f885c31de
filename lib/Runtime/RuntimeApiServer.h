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
// never leaves a worker thread stuck. A parked handler also watches its
// connection: a client that hangs up leaves the queue, and an event that
// cannot be written is queued again. Connections themselves (no thread per
// idle connection, bounded waits, bounded counts) are ApiHttpServer's
// business (HttpServer.h); what any client sends can fail its own request,
// never the emulator.
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
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
struct Response;
}

namespace serverless::runtime {

class ApiHttpServer;
class HttpConnection;
class RunOutput;

/// Lambda's synchronous payload limit.
// 6 MB as the cloud counts it: 6,291,556 bytes (RIE: MaxPayloadSize =
// 6*1024*1024 + 100), for responses and for the event of a synchronous invoke.
constexpr size_t MaxPayloadBytes = 6 * 1024 * 1024 + 100;

/// RIE's GetValidRuntimeOrFunctionErrorType: "(Runtime|Function)\.[A-Z][a-zA-Z]+"
/// somewhere in it, else Function.Unknown (a "Function." prefix) or
/// Runtime.Unknown.
std::string validErrorType(const std::string &Type);

struct InvocationEvent {
  std::string RequestId;
  std::string Payload;
  std::string TraceId;
  std::string FunctionArn;
  int64_t DeadlineMs = 0;
  // Sent as Lambda-Runtime-Client-Context / -Cognito-Identity /
  // -Aws-Tenant-Id when not empty (run --serve passes them through).
  std::string ClientContext, CognitoIdentity, TenantId;
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
  std::string PayloadErrorType; // the error body's errorType, as posted
  std::string Body;             // the response or error body (run --serve)
  std::string ContentType;      // as posted
  std::string HeaderErrorType;  // Lambda-Runtime-Function-Error-Type, as sent
};

struct ExtensionInfo {
  std::string Name;
  std::string Id;
  bool Internal = true;
  bool Invoke = false;
  bool Shutdown = false;
  int64_t EventsDelivered = 0;
};

/// Aborted: the ticker asked to stop (memory); Interrupted: the run is being
/// interrupted (signal, internal error).
enum class Wake { Done, InitError, Exited, Deadline, Aborted, Interrupted };

/// Connections to the Runtime API of one function process.
struct ApiConnections {
  int64_t Opened = 0;  // accepted since the process started
  int64_t Open = 0;    // open now
  int64_t MaxOpen = 0; // most open at once
};

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
  /// Until the process exits (Exited) or \p Deadline; \p Interruptible:
  /// also returns Interrupted once interrupt() was called.
  Wake waitExit(Clock::time_point Deadline, bool Interruptible = true);
  /// After dispatch(): until the invocation has an outcome.
  Wake waitOutcome(Clock::time_point Deadline, const Ticker &Tick,
                   InvocationOutcome &Out);

  /// Hands \p E to the runtime's (pending or next) `next` and INVOKE to the
  /// extensions that subscribed.
  void dispatch(const InvocationEvent &E);
  /// The current invocation timed out; a late response is accepted (and
  /// reported) instead of being rejected.
  void markTimedOut();

  /// The run is being interrupted: every wait returns Interrupted.
  void interrupt();

  // ---- Lambda Managed Instances (run --max-concurrency N) ----------------
  // Several `next` calls park at once (the runtime's workers), each takes
  // one event; invocations are tracked by request id; a timeout fails its
  // invocation only and a late answer gets RIE's 410 InvokeTimeout;
  // extensions get no INVOKE (RIE refuses to register it in this mode).

  /// Before start(): \p N > 0 turns the mode on.
  void setMaxConcurrency(int N) { MaxConcurrency = N; }
  bool concurrent() const { return MaxConcurrency > 0; }
  /// Waits until a worker is parked in `next` and not yet promised an
  /// event, then sets \p E's deadline (now + \p TimeoutMs) and queues it
  /// for that worker (Done); or the process exits (Exited), the run is
  /// interrupted, or \p Deadline passes (no worker free).
  Wake dispatchToIdleWorker(InvocationEvent &E, Clock::time_point Deadline,
                            const Ticker &Tick, int64_t TimeoutMs);
  /// Until invocation \p Id has an outcome.
  Wake waitOutcomeFor(const std::string &Id, Clock::time_point Deadline,
                      const Ticker &Tick, InvocationOutcome &Out);
  /// Invocation \p Id timed out: a late answer is refused with 410, an
  /// event not yet taken is dropped.
  void markTimedOutId(const std::string &Id);
  /// When (steady clock) and on which connection (the client's port, 0
  /// unknown) a worker took \p Id; false when it was never taken.
  bool handedOut(const std::string &Id, Clock::time_point &When, int &ClientPort,
                 int &ActiveAtStart);
  /// Invocations handed out and not yet answered (or timed out), now and at
  /// most at once in this process.
  int activeInvocations();
  int maxActiveInvocations();
  /// Workers parked in `next` now, and the most at once in this process.
  int idleWorkers();
  int maxIdleWorkers();

  /// Keep the posted response and error bodies in the outcome (run
  /// --serve returns them to the caller); off, only their sizes are kept.
  void keepBodies(bool Keep) { KeepBodies = Keep; }

  std::string initErrorType();
  std::string initErrorMessage();
  std::vector<ExtensionInfo> extensions();
  int64_t rejectedRequests();
  ApiConnections connections();

  /// For the Runtime API fuzzer (test/fuzz/RuntimeApiFuzzer.cpp): serves
  /// \p Input as the bytes of one connection (ApiHttpServer::serveBytes)
  /// with these routes and handlers, on the calling thread; the response
  /// bytes are appended to \p Output. A server used so is never start()ed:
  /// a `next` or `event/next` with nothing to deliver answers at once (as
  /// if the environment were shutting down) instead of waiting.
  void serveBytesForTesting(const std::string &Input, std::string &Output);

private:
  struct Extension {
    ExtensionInfo Info;
    bool Waiting = false;
    HttpConnection *Parked = nullptr; // the event/next waiting, if any
    bool Abandoned = false;           // its client is gone: it must leave
    std::deque<std::string> Queue;
  };
  enum class ReqState { Active, Responded, TimedOut };

  void installRoutes();
  bool readyLocked() const;
  Wake waitLocked(std::unique_lock<std::mutex> &L, Clock::time_point Deadline,
                  const Ticker &Tick, const std::function<bool()> &Done,
                  bool Interruptible = true);
  ReqState *findRequestLocked(const std::string &Id);
  void rejected(const std::string &What);
  /// Marks an invocation's outcome as "response above the 6 MiB limit".
  void oversizeLocked(const std::string &Path, size_t Bytes);
  /// The event written by `next` did not reach its client: queue it again.
  void requeue(const InvocationEvent &E, uint64_t Generation);

  int Slot;
  std::string FunctionName;
  RunOutput &Out;
  std::unique_ptr<ApiHttpServer> Http;
  std::thread ListenThread;
  std::atomic<bool> ListenDone{false};
  int Port = 0;

  std::mutex M;
  std::condition_variable CV;
  uint64_t Gen = 0;
  bool Stopping = false;
  bool Interrupted = false;
  bool ProcessExited = false;
  int ExitStatus = 0;
  bool InitDone = false; // the runtime called `next` at least once
  bool InitErrorPosted = false;
  std::string InitErrorType, InitErrorMessage;
  int NextWaiters = 0;
  HttpConnection *ParkedNext = nullptr; // the parked `next`'s connection
  bool ParkedAbandoned = false; // its client is gone: it must leave
  std::optional<InvocationEvent> Pending;
  std::string CurrentId;
  bool CurrentOpen = false;
  InvocationOutcome Outcome;
  // The last few request ids, to tell "unknown id" (400) from "already
  // answered" (403) without growing with the run.
  std::deque<std::pair<std::string, ReqState>> Recent;
  std::vector<Extension> Extensions;
  uint64_t ExtensionCounter = 0;
  std::atomic<int64_t> Rejected{0}; // the first 200 are printed
  bool NoWait = false; // serveBytesForTesting(): never park a handler
  std::atomic<bool> KeepBodies{false};

  // --max-concurrency (see above).
  struct HandOut {
    Clock::time_point When;
    int ClientPort = 0;
    int ActiveAtStart = 0;
  };
  int Active = 0, MaxActive = 0;
  void nextConcurrent(HttpConnection *Conn, int ClientPort, httplib::Response &Res);
  InvocationOutcome &outcomeFor(const std::string &Id) {
    return concurrent() ? Outcomes[Id] : Outcome;
  }
  int MaxConcurrency = 0;
  std::deque<InvocationEvent> Queued;                // dispatched, not yet taken
  std::map<std::string, InvocationOutcome> Outcomes; // by request id
  std::map<std::string, HandOut> HandOuts;           // by request id
  int MaxNextWaiters = 0;
};

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_RUNTIMEAPISERVER_H
