//===- RuntimeApiServer.cpp - Runtime and Extensions API server -----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RuntimeApiServer.h"
#include "Runtime/RunOutput.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <random>

namespace serverless::runtime {

namespace {

const char *JsonType = "application/json";

std::string errorBody(const std::string &Message, const std::string &Type) {
  return nlohmann::json{{"errorMessage", Message}, {"errorType", Type}}.dump();
}

void fail(httplib::Response &Res, int Status, const std::string &Message,
          const std::string &Type) {
  Res.status = Status;
  Res.set_content(errorBody(Message, Type), JsonType);
}

std::string newUuid() {
  thread_local std::mt19937_64 Rng(std::random_device{}());
  uint64_t A = Rng(), B = Rng();
  char Buf[40];
  std::snprintf(Buf, sizeof Buf, "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(A >> 32),
                static_cast<unsigned>((A >> 16) & 0xffff),
                static_cast<unsigned>(A & 0xfff),
                static_cast<unsigned>(0x8000 | ((B >> 48) & 0x3fff)),
                static_cast<unsigned long long>(B & 0xffffffffffffULL));
  return Buf;
}

/// "/2018-06-01/runtime/invocation/<id>/response" -> "<id>".
std::string requestIdOf(const std::string &Path) {
  const std::string Prefix = "/2018-06-01/runtime/invocation/";
  if (Path.compare(0, Prefix.size(), Prefix) != 0)
    return {};
  auto End = Path.find('/', Prefix.size());
  if (End == std::string::npos)
    return {};
  return Path.substr(Prefix.size(), End - Prefix.size());
}

} // namespace

RuntimeApiServer::RuntimeApiServer(int Slot, std::string FunctionName,
                                   RunOutput &Out)
    : Slot(Slot), FunctionName(std::move(FunctionName)), Out(Out),
      Http(std::make_unique<httplib::Server>()) {}

RuntimeApiServer::~RuntimeApiServer() { stop(); }

bool RuntimeApiServer::start(std::string &Error) {
  // A runtime, a few extensions, and room for a misbehaving function's extra
  // connections; blocked handlers are woken by generation changes.
  Http->new_task_queue = [] { return new httplib::ThreadPool(8); };
  // The runtime keeps one connection alive across freezes (aws-lambda-cpp
  // reuses one CURL handle); the cloud does not close it after N requests,
  // nor do we. A connection is idle only while the handler runs (a frozen
  // runtime sits inside `next`); after 30 s idle it is closed and curl
  // reconnects, which bounds how long stop() waits for a stray holder.
  Http->set_keep_alive_max_count(1000000000);
  Http->set_keep_alive_timeout(30);
  Http->set_read_timeout(30);
  Http->set_payload_max_length(MaxPayloadBytes);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle
  // plus delayed ACKs add 40 ms to every loopback round trip.
  Http->set_tcp_nodelay(true);
  installRoutes();
  Port = Http->bind_to_any_port("127.0.0.1");
  if (Port <= 0) {
    Error = "cannot bind a loopback port for the Runtime API";
    return false;
  }
  ListenThread = std::thread([this] { Http->listen_after_bind(); });
  return true;
}

void RuntimeApiServer::stop() {
  {
    std::lock_guard<std::mutex> L(M);
    if (Stopping && !ListenThread.joinable())
      return;
    Stopping = true;
    ++Gen;
    CV.notify_all();
  }
  Http->stop();
  if (ListenThread.joinable())
    ListenThread.join();
}

void RuntimeApiServer::rejected(const std::string &What) {
  ++Rejected;
  Out.line("[runtime-api] " + What);
}

RuntimeApiServer::ReqState *
RuntimeApiServer::findRequestLocked(const std::string &Id) {
  for (auto &[RId, State] : Recent)
    if (RId == Id)
      return &State;
  return nullptr;
}

void RuntimeApiServer::installRoutes() {
  httplib::Server &S = *Http;

  // GET next: the runtime is ready for an event. Blocks until dispatch()
  // (or the end of this process), with no timeout, like the cloud.
  S.Get("/2018-06-01/runtime/invocation/next",
        [this](const httplib::Request &, httplib::Response &Res) {
          std::unique_lock<std::mutex> L(M);
          uint64_t MyGen = Gen;
          if (NextWaiters > 0) {
            rejected("runtime called next while another next was pending: 403");
            return fail(Res, 403,
                        "next is already pending for this runtime",
                        "InvalidStateTransition");
          }
          if (CurrentOpen) {
            // Asking for more work without answering is the end of the
            // invocation (the cloud reports it as a runtime failure).
            CurrentOpen = false;
            Outcome.Kind = OutcomeKind::NoResponse;
            if (auto *St = findRequestLocked(CurrentId))
              *St = ReqState::Responded;
          }
          InitDone = true;
          ++NextWaiters;
          CV.notify_all();
          CV.wait(L, [&] { return Pending || Gen != MyGen || Stopping; });
          --NextWaiters;
          if (!Pending || Gen != MyGen) {
            return fail(Res, 500, "the execution environment is shutting down",
                        "ServiceException");
          }
          InvocationEvent E = std::move(*Pending);
          Pending.reset();
          CurrentId = E.RequestId;
          CurrentOpen = true;
          Outcome = InvocationOutcome();
          Recent.emplace_back(E.RequestId, ReqState::Active);
          if (Recent.size() > 16)
            Recent.pop_front();
          CV.notify_all();
          L.unlock();
          Res.status = 200;
          Res.set_header("Lambda-Runtime-Aws-Request-Id", E.RequestId);
          Res.set_header("Lambda-Runtime-Deadline-Ms",
                         std::to_string(E.DeadlineMs));
          Res.set_header("Lambda-Runtime-Invoked-Function-Arn", E.FunctionArn);
          Res.set_header("Lambda-Runtime-Trace-Id", E.TraceId);
          Res.set_content(E.Payload, JsonType);
        });

  auto Post = [this](const httplib::Request &Req, httplib::Response &Res,
                     bool IsError) {
    std::string Id = Req.matches[1];
    std::lock_guard<std::mutex> L(M);
    ReqState *St = findRequestLocked(Id);
    if (!St) {
      rejected("POST for unknown request id '" + Id + "': 400");
      return fail(Res, 400, "Invalid request ID", "InvalidRequestID");
    }
    if (*St == ReqState::Responded) {
      rejected("second " + std::string(IsError ? "error" : "response") +
               " for request " + Id + ": 403");
      return fail(Res, 403,
                  "Invalid state transition: the invocation was already "
                  "answered",
                  "InvalidStateTransition");
    }
    if (*St == ReqState::TimedOut) {
      *St = ReqState::Responded;
      Out.line("[runtime-api] late " +
               std::string(IsError ? "error" : "response") +
               " for timed-out request " + Id + " accepted and dropped");
      Res.status = 202;
      Res.set_content(R"({"status":"OK"})", JsonType);
      return;
    }
    *St = ReqState::Responded;
    CurrentOpen = false;
    Outcome = InvocationOutcome();
    Outcome.Bytes = Req.body.size();
    if (IsError) {
      Outcome.Kind = OutcomeKind::Error;
      auto J = nlohmann::json::parse(Req.body, nullptr, false);
      if (J.is_object()) {
        if (J.contains("errorType") && J["errorType"].is_string())
          Outcome.ErrorType = J["errorType"];
        if (J.contains("errorMessage") && J["errorMessage"].is_string())
          Outcome.ErrorMessage = J["errorMessage"];
      }
      if (Outcome.ErrorType.empty())
        Outcome.ErrorType =
            Req.get_header_value("Lambda-Runtime-Function-Error-Type");
      if (Outcome.ErrorType.empty())
        Outcome.ErrorType = "Unhandled";
    } else {
      Outcome.Kind = OutcomeKind::Response;
    }
    CV.notify_all();
    Res.status = 202;
    Res.set_content(R"({"status":"OK"})", JsonType);
  };
  S.Post(R"(/2018-06-01/runtime/invocation/([^/]+)/response)",
         [Post](const httplib::Request &Req, httplib::Response &Res) {
           Post(Req, Res, false);
         });
  S.Post(R"(/2018-06-01/runtime/invocation/([^/]+)/error)",
         [Post](const httplib::Request &Req, httplib::Response &Res) {
           Post(Req, Res, true);
         });

  S.Post("/2018-06-01/runtime/init/error",
         [this](const httplib::Request &Req, httplib::Response &Res) {
           std::lock_guard<std::mutex> L(M);
           if (InitDone) {
             rejected("init/error after init: 403");
             return fail(Res, 403, "Invalid state transition: init is over",
                         "InvalidStateTransition");
           }
           InitErrorPosted = true;
           auto J = nlohmann::json::parse(Req.body, nullptr, false);
           if (J.is_object() && J.contains("errorType") &&
               J["errorType"].is_string())
             InitErrorType = J["errorType"];
           if (J.is_object() && J.contains("errorMessage") &&
               J["errorMessage"].is_string())
             InitErrorMessage = J["errorMessage"];
           if (InitErrorType.empty())
             InitErrorType =
                 Req.get_header_value("Lambda-Runtime-Function-Error-Type");
           if (InitErrorType.empty())
             InitErrorType = "Runtime.InitError";
           CV.notify_all();
           Res.status = 202;
           Res.set_content(R"({"status":"OK"})", JsonType);
         });

  // Extensions API. Extensions registering here come from the function's
  // own process tree, so they are internal extensions (external ones would
  // be separate binaries in /opt/extensions, simulated by --extension).
  S.Post("/2020-01-01/extension/register",
         [this](const httplib::Request &Req, httplib::Response &Res) {
           std::string Name = Req.get_header_value("Lambda-Extension-Name");
           if (Name.empty())
             return fail(Res, 400, "Lambda-Extension-Name header is required",
                         "InvalidRequest");
           auto J = nlohmann::json::parse(Req.body, nullptr, false);
           Extension E;
           E.Info.Name = Name;
           if (J.is_object() && J.contains("events") && J["events"].is_array())
             for (auto &Ev : J["events"]) {
               if (Ev == "INVOKE")
                 E.Info.Invoke = true;
               else if (Ev == "SHUTDOWN")
                 E.Info.Shutdown = true;
               else
                 return fail(Res, 400, "unknown event type",
                             "Extension.InvalidEventType");
             }
           std::lock_guard<std::mutex> L(M);
           if (!Recent.empty()) {
             rejected("extension '" + Name + "' registered after init: 403");
             return fail(Res, 403, "Extensions register during init only",
                         "Extension.InvalidState");
           }
           E.Info.Id = newUuid();
           Extensions.push_back(E);
           CV.notify_all();
           Res.status = 200;
           Res.set_header("Lambda-Extension-Identifier", E.Info.Id);
           Res.set_content(nlohmann::json{{"functionName", FunctionName},
                                          {"functionVersion", "$LATEST"},
                                          {"handler", "function.handler"}}
                               .dump(),
                           JsonType);
         });

  S.Get("/2020-01-01/extension/event/next",
        [this](const httplib::Request &Req, httplib::Response &Res) {
          std::string Id = Req.get_header_value("Lambda-Extension-Identifier");
          std::unique_lock<std::mutex> L(M);
          uint64_t MyGen = Gen;
          auto Find = [&]() -> Extension * {
            for (auto &E : Extensions)
              if (E.Info.Id == Id)
                return &E;
            return nullptr;
          };
          if (!Find())
            return fail(Res, 403, "unknown extension identifier",
                        "Extension.UnknownExtensionIdentifier");
          Find()->Waiting = true;
          CV.notify_all();
          CV.wait(L, [&] {
            return Gen != MyGen || Stopping || !Find()->Queue.empty();
          });
          if (Gen != MyGen || Stopping)
            return fail(Res, 500, "the execution environment is shutting down",
                        "ServiceException");
          Extension *E = Find();
          E->Waiting = false;
          std::string Event = std::move(E->Queue.front());
          E->Queue.pop_front();
          ++E->Info.EventsDelivered;
          Res.status = 200;
          Res.set_header("Lambda-Extension-Event-Identifier", newUuid());
          Res.set_content(Event, JsonType);
        });

  auto Accept = [](const httplib::Request &, httplib::Response &Res) {
    Res.status = 202;
    Res.set_content(R"({"status":"OK"})", JsonType);
  };
  S.Post("/2020-01-01/extension/init/error", Accept);
  S.Post("/2020-01-01/extension/exit/error", Accept);

  // Everything else, and httplib's own errors (413 above the payload limit,
  // 400 for malformed HTTP), get the cloud's JSON error bodies.
  httplib::Server::HandlerWithResponse OnError =
      [this](const httplib::Request &Req, httplib::Response &Res) {
    if (!Res.body.empty())
      return httplib::Server::HandlerResponse::Unhandled;
    if (Res.status == 413) {
      std::string Id = requestIdOf(Req.path);
      {
        std::lock_guard<std::mutex> L(M);
        ReqState *St = findRequestLocked(Id);
        if (St && *St == ReqState::Active &&
            Req.path.size() > 9 &&
            Req.path.compare(Req.path.size() - 9, 9, "/response") == 0) {
          *St = ReqState::Responded;
          CurrentOpen = false;
          Outcome = InvocationOutcome();
          Outcome.Kind = OutcomeKind::Oversize;
          Outcome.Bytes = std::strtoull(
              Req.get_header_value("Content-Length").c_str(), nullptr, 10);
          Outcome.ErrorType = "Function.ResponseSizeTooLarge";
          Outcome.ErrorMessage =
              "Response payload size exceeded maximum allowed payload size "
              "(6291456 bytes).";
          CV.notify_all();
        }
      }
      rejected(Req.method + " " + Req.path + " above the 6 MiB limit: 413");
      Res.set_content(errorBody("Exceeded maximum allowed payload size (" +
                                    std::to_string(MaxPayloadBytes) +
                                    " bytes).",
                                "RequestEntityTooLarge"),
                      JsonType);
    } else if (Res.status == 404) {
      rejected("unexpected request " + Req.method + " " + Req.path + ": 404");
      Res.set_content(errorBody("unknown resource " + Req.path,
                                "InvalidRequest"),
                      JsonType);
    } else {
      // Never echo what a broken client sent: it may be binary.
      bool Printable = !Req.method.empty();
      for (char C : Req.method + Req.path)
        if (static_cast<unsigned char>(C) < 0x20 ||
            static_cast<unsigned char>(C) > 0x7e)
          Printable = false;
      rejected((!Printable ? std::string("malformed request (not HTTP)")
                                   : "malformed request " + Req.method + " " +
                                         Req.path) +
               ": " + std::to_string(Res.status));
      Res.set_content(errorBody("malformed request", "InvalidRequest"),
                      JsonType);
    }
    return httplib::Server::HandlerResponse::Handled;
  };
  S.set_error_handler(OnError);
}

void RuntimeApiServer::beginGeneration() {
  std::lock_guard<std::mutex> L(M);
  ++Gen;
  ProcessExited = false;
  ExitStatus = 0;
  InitDone = false;
  InitErrorPosted = false;
  InitErrorType.clear();
  InitErrorMessage.clear();
  Pending.reset();
  CurrentId.clear();
  CurrentOpen = false;
  Outcome = InvocationOutcome();
  Recent.clear();
  Extensions.clear();
  CV.notify_all();
}

void RuntimeApiServer::endGeneration() {
  std::lock_guard<std::mutex> L(M);
  ++Gen;
  Pending.reset();
  CV.notify_all();
}

void RuntimeApiServer::notifyExit(int Status) {
  std::lock_guard<std::mutex> L(M);
  ProcessExited = true;
  ExitStatus = Status;
  CV.notify_all();
}

bool RuntimeApiServer::exited(int &Status) {
  std::lock_guard<std::mutex> L(M);
  Status = ExitStatus;
  return ProcessExited;
}

bool RuntimeApiServer::readyLocked() const {
  if (NextWaiters == 0)
    return false;
  for (const auto &E : Extensions)
    if (!E.Waiting)
      return false;
  return true;
}

Wake RuntimeApiServer::waitLocked(std::unique_lock<std::mutex> &L,
                                  Clock::time_point Deadline,
                                  const Ticker &Tick,
                                  const std::function<bool()> &Done) {
  for (;;) {
    if (Done())
      return Wake::Done;
    if (ProcessExited)
      return Wake::Exited;
    auto Now = Clock::now();
    if (Now >= Deadline)
      return Wake::Deadline;
    auto Until = Deadline;
    if (Tick)
      Until = std::min(Deadline, Now + std::chrono::milliseconds(10));
    CV.wait_until(L, Until);
    if (Tick && !Done() && !ProcessExited) {
      L.unlock();
      bool Abort = Tick();
      L.lock();
      if (Abort)
        return Wake::Aborted;
    }
  }
}

Wake RuntimeApiServer::waitReady(Clock::time_point Deadline,
                                 const Ticker &Tick) {
  std::unique_lock<std::mutex> L(M);
  bool InitErr = false;
  Wake W = waitLocked(L, Deadline, Tick, [&] {
    if (InitErrorPosted && !InitDone) {
      InitErr = true;
      return true;
    }
    return readyLocked();
  });
  if (W == Wake::Done && InitErr)
    return Wake::InitError;
  return W;
}

Wake RuntimeApiServer::waitOutcome(Clock::time_point Deadline,
                                   const Ticker &Tick, InvocationOutcome &O) {
  std::unique_lock<std::mutex> L(M);
  Wake W = waitLocked(L, Deadline, Tick,
                      [&] { return Outcome.Kind != OutcomeKind::None; });
  O = Outcome;
  return W;
}

void RuntimeApiServer::dispatch(const InvocationEvent &E) {
  std::lock_guard<std::mutex> L(M);
  Pending = E;
  Outcome = InvocationOutcome();
  for (auto &X : Extensions)
    if (X.Info.Invoke) {
      X.Waiting = false;
      X.Queue.push_back(nlohmann::json{
          {"eventType", "INVOKE"},
          {"deadlineMs", E.DeadlineMs},
          {"requestId", E.RequestId},
          {"invokedFunctionArn", E.FunctionArn},
          {"tracing", {{"type", "X-Amzn-Trace-Id"}, {"value", E.TraceId}}}}
                            .dump());
    }
  CV.notify_all();
}

void RuntimeApiServer::markTimedOut() {
  std::lock_guard<std::mutex> L(M);
  if (auto *St = findRequestLocked(CurrentId))
    if (*St == ReqState::Active)
      *St = ReqState::TimedOut;
  CurrentOpen = false;
  // An event not yet taken (the runtime never came back to next) is void.
  Pending.reset();
}

std::string RuntimeApiServer::initErrorType() {
  std::lock_guard<std::mutex> L(M);
  return InitErrorType;
}

std::string RuntimeApiServer::initErrorMessage() {
  std::lock_guard<std::mutex> L(M);
  return InitErrorMessage;
}

std::vector<ExtensionInfo> RuntimeApiServer::extensions() {
  std::lock_guard<std::mutex> L(M);
  std::vector<ExtensionInfo> Out;
  for (auto &E : Extensions)
    Out.push_back(E.Info);
  return Out;
}

int64_t RuntimeApiServer::rejectedRequests() { return Rejected.load(); }

Wake RuntimeApiServer::waitExit(Clock::time_point Deadline) {
  std::unique_lock<std::mutex> L(M);
  return waitLocked(L, Deadline, nullptr, [] { return false; });
}

} // namespace serverless::runtime
