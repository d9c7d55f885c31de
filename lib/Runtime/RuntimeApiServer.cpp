//===- RuntimeApiServer.cpp - Runtime and Extensions API server -----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RuntimeApiServer.h"
#include "Runtime/HttpServer.h"
#include "Runtime/RunOutput.h"
#include "Runtime/Text.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstring>
#include <random>

namespace serverless::runtime {

namespace {

const char *JsonType = "application/json";

/// Lambda's limit on extensions per function.
constexpr size_t MaxExtensions = 10;
/// Rejected requests printed per server; the rest are counted only.
constexpr int64_t MaxPrintedRejections = 200;
/// How often a parked handler looks at its client's connection.
constexpr auto ParkedCheck = std::chrono::milliseconds(50);

std::string errorBody(const std::string &Message, const std::string &Type) {
  return dumpJson({{"errorMessage", Message}, {"errorType", Type}});
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

/// A Content-Length value: 1 to 19 decimal digits, nothing else (no sign,
/// no space, no exponent, no overflow).
bool parseContentLength(const std::string &S, uint64_t &Out) {
  if (S.empty() || S.size() > 19)
    return false;
  uint64_t V = 0;
  for (char C : S) {
    if (C < '0' || C > '9')
      return false;
    V = V * 10 + static_cast<uint64_t>(C - '0');
  }
  Out = V;
  return true;
}

std::string describe(const httplib::Request &Req) {
  return printable(Req.method, 16) + " " + printable(Req.path);
}

/// The headers of a `next` response for \p E (the Runtime API's, as RIE
/// sends them: the optional ones only when set).
void setInvocationHeaders(httplib::Response &Res, const InvocationEvent &E) {
  Res.set_header("Lambda-Runtime-Aws-Request-Id", E.RequestId);
  Res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(E.DeadlineMs));
  Res.set_header("Lambda-Runtime-Invoked-Function-Arn", E.FunctionArn);
  Res.set_header("Lambda-Runtime-Trace-Id", E.TraceId);
  if (!E.ClientContext.empty())
    Res.set_header("Lambda-Runtime-Client-Context", E.ClientContext);
  if (!E.CognitoIdentity.empty())
    Res.set_header("Lambda-Runtime-Cognito-Identity", E.CognitoIdentity);
  if (!E.TenantId.empty())
    Res.set_header("Lambda-Runtime-Aws-Tenant-Id", E.TenantId);
}

} // namespace

RuntimeApiServer::RuntimeApiServer(int Slot, std::string FunctionName,
                                   RunOutput &Out)
    : Slot(Slot), FunctionName(std::move(FunctionName)), Out(Out),
      Http(std::make_unique<ApiHttpServer>()) {}

RuntimeApiServer::~RuntimeApiServer() { stop(); }

bool RuntimeApiServer::start(std::string &Error) {
  if (!Http->startLoops(Error))
    return false;
  Http->setReporter([this](const std::string &What) { rejected(What); });
  // Connections are ApiHttpServer's (HttpServer.h): an idle kept-alive
  // connection holds no thread, and lives 60 s. The runtime keeps one
  // connection alive across freezes (aws-lambda-cpp reuses one CURL handle);
  // while frozen it sits inside `next`, which is not idle.
  Http->set_keep_alive_timeout(60);
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
  try {
    ListenThread = std::thread([this] {
      Http->listen_after_bind();
      ListenDone = true;
    });
  } catch (const std::exception &E) {
    Error = std::string("cannot start the Runtime API server: ") + E.what();
    return false;
  }
  return true;
}

void RuntimeApiServer::stop() {
  {
    std::lock_guard<std::mutex> L(M);
    Stopping = true;
    ++Gen;
    CV.notify_all();
  }
  if (ListenThread.joinable()) {
    // httplib's stop() does nothing until its accept loop runs: repeat it
    // until the loop is over (which also shuts the connections down).
    while (!ListenDone) {
      Http->stop();
      if (!ListenDone)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ListenThread.join();
  }
  Http->shutdown();
}

void RuntimeApiServer::rejected(const std::string &What) {
  int64_t N = ++Rejected;
  if (N <= MaxPrintedRejections)
    Out.line("[runtime-api] " + What);
  else if (N == MaxPrintedRejections + 1)
    Out.line("[runtime-api] more than " + std::to_string(MaxPrintedRejections) +
             " rejected requests: further ones are counted, not printed");
}

RuntimeApiServer::ReqState *
RuntimeApiServer::findRequestLocked(const std::string &Id) {
  for (auto &[RId, State] : Recent)
    if (RId == Id)
      return &State;
  return nullptr;
}

void RuntimeApiServer::oversizeLocked(const std::string &Path, size_t Bytes) {
  std::string Id = requestIdOf(Path);
  ReqState *St = findRequestLocked(Id);
  if (St && *St == ReqState::Active && Path.size() > 9 &&
      Path.compare(Path.size() - 9, 9, "/response") == 0) {
    *St = ReqState::Responded;
    if (!concurrent())
      CurrentOpen = false;
    else
      --Active;
    InvocationOutcome &O = outcomeFor(Id);
    O = InvocationOutcome();
    O.Kind = OutcomeKind::Oversize;
    O.Bytes = Bytes;
    O.ErrorType = "Function.ResponseSizeTooLarge";
    O.ErrorMessage =
        "Response payload size exceeded maximum allowed payload size (" +
        std::to_string(MaxPayloadBytes) + " bytes).";
    CV.notify_all();
  }
}

void RuntimeApiServer::requeue(const InvocationEvent &E, uint64_t Generation) {
  std::lock_guard<std::mutex> L(M);
  if (Gen != Generation || Stopping || !CurrentOpen || CurrentId != E.RequestId ||
      Outcome.Kind != OutcomeKind::None || Pending)
    return;
  CurrentOpen = false;
  CurrentId.clear();
  for (auto It = Recent.begin(); It != Recent.end(); ++It)
    if (It->first == E.RequestId) {
      Recent.erase(It);
      break;
    }
  Pending = E;
  CV.notify_all();
  rejected("the event for request " + E.RequestId +
           " could not be written (the client of `next` hung up); it goes to "
           "the next `next`");
}

std::string validErrorType(const std::string &Type) {
  // regexp.MatchString("(Runtime|Function)\\.[A-Z][a-zA-Z]+", T): a match
  // anywhere in the string.
  for (const char *Pre : {"Runtime.", "Function."}) {
    size_t L = std::strlen(Pre);
    for (size_t At = Type.find(Pre); At != std::string::npos; At = Type.find(Pre, At + 1)) {
      size_t I = At + L;
      if (I + 1 < Type.size() && std::isupper(static_cast<unsigned char>(Type[I])) &&
          std::isalpha(static_cast<unsigned char>(Type[I + 1])))
        return Type;
    }
  }
  return Type.rfind("Function.", 0) == 0 ? "Function.Unknown" : "Runtime.Unknown";
}

void RuntimeApiServer::installRoutes() {
  ApiHttpServer &S = *Http;

  // GET next: the runtime is ready for an event. Blocks until dispatch()
  // (or the end of this process), with no timeout, like the cloud; but a
  // client that hangs up leaves (the event is not taken), and an event that
  // cannot be written is queued again.
  S.Get("/2018-06-01/runtime/invocation/next",
        [this](const httplib::Request &Req, httplib::Response &Res) {
          HttpConnection *Conn = currentConnection();
          if (concurrent())
            return nextConcurrent(Conn, Req.remote_port, Res);
          std::unique_lock<std::mutex> L(M);
          uint64_t MyGen = Gen;
          if (NextWaiters > 0 && ParkedNext && ParkedNext->peerClosed()) {
            // The parked one was abandoned by its client: it must leave
            // first (it notices within ParkedCheck anyway).
            ParkedAbandoned = true;
            CV.notify_all();
            CV.wait_for(L, std::chrono::seconds(1),
                        [&] { return NextWaiters == 0 || Gen != MyGen; });
          }
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
          ParkedNext = Conn;
          ParkedAbandoned = false;
          CV.notify_all();
          bool Abandoned = false;
          auto Woken = [&] { return Pending || Gen != MyGen || Stopping || NoWait; };
          while (!Woken()) {
            CV.wait_for(L, ParkedCheck,
                        [&] { return Woken() || ParkedAbandoned; });
            if (Woken())
              break;
            if (ParkedAbandoned || (Conn && Conn->peerClosed())) {
              Abandoned = true;
              break;
            }
          }
          // Last look before the event is taken.
          if (!Abandoned && Pending && Gen == MyGen && !Stopping && Conn &&
              Conn->peerClosed())
            Abandoned = true;
          --NextWaiters;
          ParkedNext = nullptr;
          ParkedAbandoned = false;
          CV.notify_all();
          if (Abandoned) {
            L.unlock();
            rejected("a parked next was abandoned by its client (connection "
                     "closed); the next event waits for the next `next`");
            if (Conn)
              Conn->closeAfterResponse();
            return fail(Res, 400, "the client closed the connection",
                        "InvalidRequest");
          }
          if (!Pending || Gen != MyGen) {
            return fail(Res, 500, "the execution environment is shutting down",
                        "ServiceException");
          }
          auto E = std::make_shared<InvocationEvent>(std::move(*Pending));
          Pending.reset();
          CurrentId = E->RequestId;
          CurrentOpen = true;
          Outcome = InvocationOutcome();
          Recent.emplace_back(E->RequestId, ReqState::Active);
          if (Recent.size() > 16)
            Recent.pop_front();
          CV.notify_all();
          L.unlock();
          Res.status = 200;
          setInvocationHeaders(Res, *E);
          if (E->Payload.empty()) {
            Res.set_content("", JsonType);
            return;
          }
          // Written by a content provider so that a failed write is seen
          // (and the event queued again) instead of being lost.
          Res.set_content_provider(
              E->Payload.size(), JsonType,
              [this, E, MyGen](size_t Offset, size_t Length,
                               httplib::DataSink &Sink) {
                if ((Offset == 0 && !Sink.is_writable()) ||
                    !Sink.write(E->Payload.data() + Offset, Length)) {
                  requeue(*E, MyGen);
                  return false;
                }
                return true;
              });
        });

  auto Post = [this](const httplib::Request &Req, httplib::Response &Res,
                     bool IsError) {
    std::string Id = Req.matches[1];
    std::lock_guard<std::mutex> L(M);
    ReqState *St = findRequestLocked(Id);
    if (!St) {
      rejected("POST for unknown request id '" + printable(Id) + "': 400");
      return fail(Res, 400, "Invalid request ID", "InvalidRequestID");
    }
    if (*St == ReqState::Responded) {
      rejected("second " + std::string(IsError ? "error" : "response") +
               " for request " + printable(Id) + ": 403");
      return fail(Res, 403,
                  "Invalid state transition: the invocation was already "
                  "answered",
                  "InvalidStateTransition");
    }
    if (!IsError && Req.body.size() > MaxPayloadBytes) {
      // A chunked body: its size was known only once read.
      oversizeLocked(Req.path, Req.body.size());
      rejected(describe(Req) + " above the 6 MiB limit: 413");
      return fail(Res, 413,
                  "Exceeded maximum allowed payload size (" +
                      std::to_string(MaxPayloadBytes) + " bytes).",
                  "RequestEntityTooLarge");
    }
    if (*St == ReqState::TimedOut && concurrent()) {
      // RIE's Managed Instances mode: the invocation is over; the late
      // answer is refused (410 Gone, InvokeTimeout).
      *St = ReqState::Responded;
      rejected("late " + std::string(IsError ? "error" : "response") +
               " for timed-out request " + printable(Id) + ": 410");
      return fail(Res, 410, "Invoke timeout", "InvokeTimeout");
    }
    if (*St == ReqState::TimedOut) {
      *St = ReqState::Responded;
      Out.line("[runtime-api] late " +
               std::string(IsError ? "error" : "response") +
               " for timed-out request " + printable(Id) +
               " accepted and dropped");
      Res.status = 202;
      Res.set_content(R"({"status":"OK"})", JsonType);
      return;
    }
    *St = ReqState::Responded;
    if (!concurrent())
      CurrentOpen = false;
    else
      --Active;
    InvocationOutcome &O = outcomeFor(Id);
    O = InvocationOutcome();
    O.Bytes = Req.body.size();
    if (KeepBodies) {
      O.Body = Req.body;
      O.ContentType = Req.get_header_value("Content-Type");
    }
    if (IsError) {
      O.Kind = OutcomeKind::Error;
      auto J = nlohmann::json::parse(Req.body, nullptr, false);
      if (J.is_object()) {
        if (J.contains("errorType") && J["errorType"].is_string())
          O.ErrorType = J["errorType"];
        if (J.contains("errorMessage") && J["errorMessage"].is_string())
          O.ErrorMessage = J["errorMessage"];
      }
      // The type is the header's, validated as RIE does; the body's
      // errorType (what the caller sees in the payload) when there is no
      // header; Runtime.Unknown when neither says.
      O.PayloadErrorType = O.ErrorType;
      if (Req.has_header("Lambda-Runtime-Function-Error-Type")) {
        O.HeaderErrorType =
            validUtf8(Req.get_header_value("Lambda-Runtime-Function-Error-Type"));
        O.ErrorType = validErrorType(O.HeaderErrorType);
      }
      if (O.ErrorType.empty())
        O.ErrorType = "Runtime.Unknown";
    } else {
      O.Kind = OutcomeKind::Response;
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
           if (Req.has_header("Lambda-Runtime-Function-Error-Type"))
             InitErrorType = validErrorType(validUtf8(
                 Req.get_header_value("Lambda-Runtime-Function-Error-Type")));
           if (InitErrorType.empty())
             InitErrorType = "Runtime.Unknown";
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
           // The body is {"events": ["INVOKE", "SHUTDOWN"]}; anything else is
           // rejected like the cloud does, before any state changes.
           auto J = nlohmann::json::parse(Req.body, nullptr, false);
           auto Bad = [&](const std::string &Why) {
             rejected("extension register with " + Why + ": 400");
             fail(Res, 400, "Invalid request body: " + Why,
                  "InvalidRequestFormat");
           };
           if (!J.is_object())
             return Bad("a body that is not a JSON object");
           Extension E;
           E.Info.Name = validUtf8(Name);
           if (J.contains("events")) {
             if (!J["events"].is_array())
               return Bad("\"events\" not an array");
             for (auto &Ev : J["events"]) {
               if (!Ev.is_string())
                 return Bad("an event type that is not a string");
               if (Ev == "INVOKE" && concurrent()) {
                 // RIE's Managed Instances mode: no INVOKE events at all.
                 rejected("extension '" + printable(Name) +
                          "' registering for INVOKE with --max-concurrency: 403");
                 return fail(Res, 403,
                             "INVOKE: events are not supported for extensions of "
                             "Lambda Managed Instances",
                             "Extension.InvalidEventType");
               }
               if (Ev == "INVOKE")
                 E.Info.Invoke = true;
               else if (Ev == "SHUTDOWN") {
                 // Extensions registering through the API from the
                 // function's process are internal: the cloud (and RIE)
                 // refuse SHUTDOWN for them.
                 rejected("internal extension '" + printable(Name) +
                          "' registering for SHUTDOWN: 403");
                 return fail(Res, 403,
                             "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension",
                             "ShutdownEventNotSupportedForInternalExtension");
               }
               else
                 return fail(Res, 400, "unknown event type",
                             "Extension.InvalidEventType");
             }
           }
           std::lock_guard<std::mutex> L(M);
           if (!Recent.empty()) {
             rejected("extension '" + printable(Name) +
                      "' registered after init: 403");
             return fail(Res, 403, "Extensions register during init only",
                         "Extension.InvalidState");
           }
           if (Extensions.size() >= MaxExtensions) {
             rejected("extension '" + printable(Name) + "' beyond " +
                      std::to_string(MaxExtensions) + " extensions: 400");
             return fail(Res, 400,
                         "Too many extensions (Lambda allows " +
                             std::to_string(MaxExtensions) + ")",
                         "Extension.TooManyExtensions");
           }
           E.Info.Id = newUuid();
           Extensions.push_back(E);
           CV.notify_all();
           Res.status = 200;
           Res.set_header("Lambda-Extension-Identifier", E.Info.Id);
           Res.set_content(dumpJson({{"functionName", FunctionName},
                                     {"functionVersion", "$LATEST"},
                                     {"handler", "function.handler"}}),
                           JsonType);
         });

  S.Get("/2020-01-01/extension/event/next",
        [this](const httplib::Request &Req, httplib::Response &Res) {
          HttpConnection *Conn = currentConnection();
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
          if (Find()->Parked && Find()->Parked->peerClosed()) {
            Find()->Abandoned = true;
            CV.notify_all();
            CV.wait_for(L, std::chrono::seconds(1), [&] {
              return Gen != MyGen || !Find() || !Find()->Parked;
            });
            if (!Find())
              return fail(Res, 500, "the execution environment is shutting down",
                          "ServiceException");
          }
          if (Find()->Parked) {
            rejected("extension event/next while another one was pending: 403");
            return fail(Res, 403, "event/next is already pending for this extension",
                        "Extension.InvalidExtensionState");
          }
          Find()->Waiting = true;
          Find()->Parked = Conn;
          Find()->Abandoned = false;
          CV.notify_all();
          bool Abandoned = false;
          auto Woken = [&] {
            return Gen != MyGen || Stopping || NoWait || !Find()->Queue.empty();
          };
          while (!Woken()) {
            CV.wait_for(L, ParkedCheck,
                        [&] { return Woken() || Find()->Abandoned; });
            if (!Woken() && (Find()->Abandoned || (Conn && Conn->peerClosed()))) {
              Abandoned = true;
              break;
            }
          }
          if (Gen != MyGen || Stopping || (NoWait && !Abandoned && Find()->Queue.empty()))
            return fail(Res, 500, "the execution environment is shutting down",
                        "ServiceException");
          Extension *E = Find();
          E->Parked = nullptr;
          E->Abandoned = false;
          if (Abandoned || (Conn && Conn->peerClosed())) {
            E->Waiting = false;
            CV.notify_all();
            L.unlock();
            rejected("a parked extension event/next was abandoned by its "
                     "client (connection closed)");
            if (Conn)
              Conn->closeAfterResponse();
            return fail(Res, 400, "the client closed the connection",
                        "InvalidRequest");
          }
          E->Waiting = false;
          std::string Event = std::move(E->Queue.front());
          E->Queue.pop_front();
          ++E->Info.EventsDelivered;
          CV.notify_all();
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

  // Telemetry and Logs API subscriptions: answered like RIE's stubs (202
  // with a NotSupported body), so an extension subscribing goes on.
  S.Put("/2022-07-01/telemetry",
        [](const httplib::Request &, httplib::Response &Res) {
          Res.status = 202;
          Res.set_content(R"({"errorMessage":"Telemetry API is not supported","errorType":"Telemetry.NotSupported"})",
                          JsonType);
        });
  S.Put("/2020-08-15/logs",
        [](const httplib::Request &, httplib::Response &Res) {
          Res.status = 202;
          Res.set_content(R"({"errorMessage":"Logs API is not supported","errorType":"Logs.NotSupported"})",
                          JsonType);
        });

  // Before a route reads the body: only GET and POST are part of the API (a
  // HEAD on `next` would take an event and drop it), and a Content-Length
  // that is not a number, or too large to even read, is answered at once.
  S.set_pre_routing_handler(
      [this](const httplib::Request &Req, httplib::Response &Res) {
        try {
          bool SubscribePut = Req.method == "PUT" &&
                              (Req.path == "/2022-07-01/telemetry" ||
                               Req.path == "/2020-08-15/logs");
          if (Req.method != "GET" && Req.method != "POST" && !SubscribePut) {
            // HEAD would take an event from `next` and drop it; PUT, PATCH,
            // PRI... would have their bodies read for nothing.
            rejected(describe(Req) + ": 405");
            Res.set_header("Allow", "GET, POST");
            if (Req.method != "HEAD")
              if (auto *C = currentConnection())
                C->closeAfterResponse();
            fail(Res, 405, Req.method + " is not supported by the Runtime API",
                 "InvalidRequest");
            return httplib::Server::HandlerResponse::Handled;
          }
          HttpConnection *Conn = currentConnection();
          auto Range = Req.headers.equal_range("Content-Length");
          if (Range.first != Range.second) {
            uint64_t Len = 0;
            bool Ok = true, First = true;
            std::string Value;
            for (auto It = Range.first; It != Range.second; ++It) {
              uint64_t V = 0;
              if (!parseContentLength(It->second, V) || (!First && V != Len)) {
                Ok = false;
                Value = It->second;
                break;
              }
              Len = V;
              First = false;
            }
            if (!Ok) {
              if (Conn)
                Conn->closeAfterResponse();
              rejected(describe(Req) + " with Content-Length '" +
                       printable(Value, 40) + "': 400");
              fail(Res, 400, "invalid Content-Length", "InvalidRequest");
              return httplib::Server::HandlerResponse::Handled;
            }
            if (Len > MaxPayloadBytes) {
              // Answered at once, whatever the client does with the body
              // (it is read and dropped afterwards, bounded).
              if (Conn)
                Conn->drainAfterResponse(Len);
              Res.set_header("Connection", "close");
              {
                std::lock_guard<std::mutex> L(M);
                oversizeLocked(Req.path, static_cast<size_t>(Len));
              }
              rejected(describe(Req) + " declaring " + std::to_string(Len) +
                       " bytes, above the 6 MiB limit: 413");
              fail(Res, 413,
                   "Exceeded maximum allowed payload size (" +
                       std::to_string(MaxPayloadBytes) + " bytes).",
                   "RequestEntityTooLarge");
              return httplib::Server::HandlerResponse::Handled;
            }
          } else if (Req.method == "POST") {
            std::string TE = Req.get_header_value("Transfer-Encoding");
            if (TE.empty() || TE != "chunked") {
              if (Conn)
                Conn->closeAfterResponse();
              rejected(describe(Req) + " without a Content-Length: " +
                       (TE.empty() ? "411" : "400"));
              fail(Res, TE.empty() ? 411 : 400,
                   TE.empty() ? "Content-Length required"
                              : "unsupported Transfer-Encoding",
                   "InvalidRequest");
              return httplib::Server::HandlerResponse::Handled;
            }
          }
        } catch (...) {
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });

  // An exception in a handler (none is expected) fails that request only.
  S.set_exception_handler([this](const httplib::Request &Req,
                                 httplib::Response &Res, std::exception_ptr Ep) {
    std::string What = "unknown exception";
    try {
      if (Ep)
        std::rethrow_exception(Ep);
    } catch (const std::exception &E) {
      What = E.what();
    } catch (...) {
    }
    try {
      rejected("internal error while handling " + describe(Req) + ": " +
               printable(What) + ": 500");
    } catch (...) {
    }
    Res.status = 500;
    Res.set_content(errorBody("internal error", "ServiceException"), JsonType);
  });

  // Everything else, and httplib's own errors (413 above the payload limit,
  // 400 for malformed HTTP), get the cloud's JSON error bodies. Never echo
  // raw bytes: a path may hold anything.
  httplib::Server::HandlerWithResponse OnError =
      [this](const httplib::Request &Req, httplib::Response &Res) {
    try {
      if (!Res.body.empty())
        return httplib::Server::HandlerResponse::Unhandled;
      HttpConnection *Conn = currentConnection();
      if (Res.status == 400 && Conn && Conn->bodyTooLarge())
        Res.status = 413;
      if (Res.status == 413) {
        {
          std::lock_guard<std::mutex> L(M);
          uint64_t Len = 0;
          parseContentLength(Req.get_header_value("Content-Length"), Len);
          oversizeLocked(Req.path, static_cast<size_t>(Len));
        }
        rejected(describe(Req) + " above the 6 MiB limit: 413");
        Res.set_content(errorBody("Exceeded maximum allowed payload size (" +
                                      std::to_string(MaxPayloadBytes) +
                                      " bytes).",
                                  "RequestEntityTooLarge"),
                        JsonType);
      } else if (Res.status == 404) {
        rejected("unexpected request " + describe(Req) + ": 404");
        Res.set_content(errorBody("unknown resource " + Req.path,
                                  "InvalidRequest"),
                        JsonType);
      } else {
        bool Printable = !Req.method.empty();
        for (char C : Req.method + Req.path)
          if (static_cast<unsigned char>(C) < 0x20 ||
              static_cast<unsigned char>(C) > 0x7e)
            Printable = false;
        rejected((!Printable ? std::string("malformed request (not HTTP)")
                             : "malformed request " + describe(Req)) +
                 ": " + std::to_string(Res.status));
        Res.set_content(errorBody("malformed request", "InvalidRequest"),
                        JsonType);
      }
    } catch (...) {
      Res.set_content(R"({"errorMessage":"error","errorType":"InvalidRequest"})",
                      JsonType);
    }
    return httplib::Server::HandlerResponse::Handled;
  };
  S.set_error_handler(OnError);
}

void RuntimeApiServer::serveBytesForTesting(const std::string &Input,
                                            std::string &Output) {
  {
    std::lock_guard<std::mutex> L(M);
    if (!NoWait) {
      // As start() does, without a socket or a thread.
      NoWait = true;
      Http->set_keep_alive_timeout(60);
      Http->set_payload_max_length(MaxPayloadBytes);
      Http->setReporter([this](const std::string &What) { rejected(What); });
      installRoutes();
    }
  }
  Http->serveBytes(Input, Output);
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
  ParkedAbandoned = false;
  Queued.clear();
  Outcomes.clear();
  HandOuts.clear();
  MaxNextWaiters = 0;
  Active = MaxActive = 0;
  CV.notify_all();
  Http->resetPeak();
}

void RuntimeApiServer::endGeneration() {
  std::lock_guard<std::mutex> L(M);
  ++Gen;
  Pending.reset();
  Queued.clear();
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
                                  const std::function<bool()> &Done,
                                  bool Interruptible) {
  for (;;) {
    if (Done())
      return Wake::Done;
    if (ProcessExited)
      return Wake::Exited;
    if (Interruptible && Interrupted)
      return Wake::Interrupted;
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

void RuntimeApiServer::interrupt() {
  std::lock_guard<std::mutex> L(M);
  Interrupted = true;
  CV.notify_all();
}

ApiConnections RuntimeApiServer::connections() {
  ConnectionStats S = Http->stats();
  return {S.Accepted, S.Open, S.MaxOpen};
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
      X.Queue.push_back(dumpJson(
          {{"eventType", "INVOKE"},
           {"deadlineMs", E.DeadlineMs},
           {"requestId", E.RequestId},
           {"invokedFunctionArn", E.FunctionArn},
           {"tracing", {{"type", "X-Amzn-Trace-Id"}, {"value", E.TraceId}}}}));
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

// ---- Lambda Managed Instances (--max-concurrency) ---------------------------

namespace {
/// Parked `next` calls one process may hold (each holds an HTTP worker;
/// HttpLimits::MaxWorkers is 128, and posts need workers too). RIE's queue
/// of idle runtimes is 10,000; past ours the answer is RIE's for a full one.
constexpr int MaxParkedNext = 100;
} // namespace

void RuntimeApiServer::nextConcurrent(HttpConnection *Conn, int ClientPort,
                                      httplib::Response &Res) {
  std::unique_lock<std::mutex> L(M);
  uint64_t MyGen = Gen;
  if (NextWaiters >= MaxParkedNext) {
    rejected("more than " + std::to_string(MaxParkedNext) +
             " concurrent next calls: 500");
    return fail(Res, 500, "too many runtime workers waiting in next",
                "Runtime.TooManyIdleRuntimes");
  }
  // Init ends at the first worker's `next` (the cloud's and RIE's rule for
  // Managed Instances); no `next` ends another worker's invocation.
  InitDone = true;
  ++NextWaiters;
  MaxNextWaiters = std::max(MaxNextWaiters, NextWaiters);
  CV.notify_all();
  bool Abandoned = false;
  auto Woken = [&] { return !Queued.empty() || Gen != MyGen || Stopping || NoWait; };
  while (!Woken()) {
    CV.wait_for(L, ParkedCheck, Woken);
    if (Woken())
      break;
    if (Conn && Conn->peerClosed()) {
      Abandoned = true;
      break;
    }
  }
  if (!Abandoned && !Queued.empty() && Gen == MyGen && !Stopping && Conn &&
      Conn->peerClosed())
    Abandoned = true;
  --NextWaiters;
  CV.notify_all();
  if (Abandoned) {
    L.unlock();
    rejected("a parked next was abandoned by its client (connection closed)");
    if (Conn)
      Conn->closeAfterResponse();
    return fail(Res, 400, "the client closed the connection", "InvalidRequest");
  }
  if (Queued.empty() || Gen != MyGen || Stopping)
    return fail(Res, 500, "the execution environment is shutting down",
                "ServiceException");
  auto E = std::make_shared<InvocationEvent>(std::move(Queued.front()));
  Queued.pop_front();
  Recent.emplace_back(E->RequestId, ReqState::Active);
  // Forget the oldest answered or timed-out ids, never one still running:
  // a slow invocation among many quick ones must keep its id (its answer
  // would get 400 and the invocation time out).
  for (auto It = Recent.begin();
       Recent.size() > 16 + 4 * static_cast<size_t>(MaxConcurrency) && It != Recent.end();)
    It = It->second == ReqState::Active ? std::next(It) : Recent.erase(It);
  ++Active;
  MaxActive = std::max(MaxActive, Active);
  HandOuts[E->RequestId] = {Clock::now(), ClientPort, Active};
  CV.notify_all();
  L.unlock();
  Res.status = 200;
  setInvocationHeaders(Res, *E);
  if (E->Payload.empty()) {
    Res.set_content("", JsonType);
    return;
  }
  Res.set_content_provider(
      E->Payload.size(), JsonType,
      [this, E, MyGen](size_t Offset, size_t Length, httplib::DataSink &Sink) {
        if ((Offset == 0 && !Sink.is_writable()) ||
            !Sink.write(E->Payload.data() + Offset, Length)) {
          // Not delivered: the event goes to the next worker.
          std::lock_guard<std::mutex> G(M);
          auto It = Outcomes.find(E->RequestId);
          ReqState *St = findRequestLocked(E->RequestId);
          if (Gen == MyGen && !Stopping && St && *St == ReqState::Active &&
              It != Outcomes.end() && It->second.Kind == OutcomeKind::None) {
            for (auto R = Recent.begin(); R != Recent.end(); ++R)
              if (R->first == E->RequestId) {
                Recent.erase(R);
                break;
              }
            HandOuts.erase(E->RequestId);
            --Active;
            Queued.push_front(*E);
            CV.notify_all();
          }
          return false;
        }
        return true;
      });
}

Wake RuntimeApiServer::dispatchToIdleWorker(InvocationEvent &E,
                                            Clock::time_point Deadline,
                                            const Ticker &Tick, int64_t TimeoutMs) {
  std::unique_lock<std::mutex> L(M);
  Wake W = waitLocked(L, Deadline, Tick, [&] {
    return NextWaiters > static_cast<int>(Queued.size());
  });
  if (W == Wake::Done) {
    E.DeadlineMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() +
                   TimeoutMs;
    Queued.push_back(E);
    Outcomes[E.RequestId] = InvocationOutcome();
    CV.notify_all();
  }
  return W;
}

Wake RuntimeApiServer::waitOutcomeFor(const std::string &Id,
                                      Clock::time_point Deadline,
                                      const Ticker &Tick, InvocationOutcome &O) {
  std::unique_lock<std::mutex> L(M);
  Wake W = waitLocked(L, Deadline, Tick, [&] {
    auto It = Outcomes.find(Id);
    return It != Outcomes.end() && It->second.Kind != OutcomeKind::None;
  });
  auto It = Outcomes.find(Id);
  if (It != Outcomes.end()) {
    O = It->second;
    if (W == Wake::Done)
      Outcomes.erase(It);
  }
  return W;
}

void RuntimeApiServer::markTimedOutId(const std::string &Id) {
  std::lock_guard<std::mutex> L(M);
  if (auto *St = findRequestLocked(Id))
    if (*St == ReqState::Active) {
      *St = ReqState::TimedOut;
      --Active;
    }
  Outcomes.erase(Id);
  for (auto It = Queued.begin(); It != Queued.end(); ++It)
    if (It->RequestId == Id) {
      Queued.erase(It);
      break;
    }
}

bool RuntimeApiServer::handedOut(const std::string &Id, Clock::time_point &When,
                                 int &ClientPort, int &ActiveAtStart) {
  std::lock_guard<std::mutex> L(M);
  auto It = HandOuts.find(Id);
  if (It == HandOuts.end())
    return false;
  When = It->second.When;
  ClientPort = It->second.ClientPort;
  ActiveAtStart = It->second.ActiveAtStart;
  HandOuts.erase(It);
  return true;
}

int RuntimeApiServer::activeInvocations() {
  std::lock_guard<std::mutex> L(M);
  return Active;
}

int RuntimeApiServer::maxActiveInvocations() {
  std::lock_guard<std::mutex> L(M);
  return MaxActive;
}

int RuntimeApiServer::idleWorkers() {
  std::lock_guard<std::mutex> L(M);
  return NextWaiters;
}

int RuntimeApiServer::maxIdleWorkers() {
  std::lock_guard<std::mutex> L(M);
  return MaxNextWaiters;
}

Wake RuntimeApiServer::waitExit(Clock::time_point Deadline,
                                bool Interruptible) {
  std::unique_lock<std::mutex> L(M);
  return waitLocked(L, Deadline, nullptr, [] { return false; }, Interruptible);
}

} // namespace serverless::runtime
