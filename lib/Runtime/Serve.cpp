//===- Serve.cpp - run --serve: RIE's invoke endpoint ----------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/Serve.h"
#include "Runtime/RunOutput.h"
#include "Runtime/RuntimeApiServer.h"
#include "Runtime/Text.h"

#include <httplib.h>

#include <chrono>

namespace serverless::runtime {

bool ServeQueue::push(ServeJob &J, bool &WasClosed) {
  std::lock_guard<std::mutex> L(M);
  WasClosed = Closed;
  if (Closed || Q.size() >= MaxQueued)
    return false;
  J.Index = Accepted++;
  Q.push_back(J);
  if (MaxJobs > 0 && Accepted >= MaxJobs)
    Closed = true; // the last one: later requests get 503
  CV.notify_all();
  return true;
}

std::optional<ServeJob> ServeQueue::pop() {
  std::unique_lock<std::mutex> L(M);
  CV.wait(L, [&] { return !Q.empty() || Closed; });
  if (Q.empty())
    return std::nullopt;
  ServeJob J = std::move(Q.front());
  Q.pop_front();
  return J;
}

void ServeQueue::close() {
  std::lock_guard<std::mutex> L(M);
  Closed = true;
  CV.notify_all();
}

bool ServeQueue::closed() {
  std::lock_guard<std::mutex> L(M);
  return Closed;
}

int64_t ServeQueue::accepted() {
  std::lock_guard<std::mutex> L(M);
  return Accepted;
}

namespace {

std::string base64Decode(const std::string &In, bool &Ok) {
  static const std::string Chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string Out;
  int Val = 0, Bits = -8;
  Ok = true;
  for (unsigned char C : In) {
    if (C == '=' || C == '\r' || C == '\n')
      continue;
    auto P = Chars.find(static_cast<char>(C == '-' ? '+' : C == '_' ? '/' : C));
    if (P == std::string::npos) {
      Ok = false;
      return "";
    }
    Val = (Val << 6) + static_cast<int>(P);
    Bits += 6;
    if (Bits >= 0) {
      Out.push_back(static_cast<char>((Val >> Bits) & 0xff));
      Bits -= 8;
    }
  }
  return Out;
}

std::string errorBody(const std::string &Type, const std::string &Message) {
  return dumpJson({{"errorType", Type}, {"errorMessage", Message}});
}

} // namespace

struct InvokeServer::Impl {
  ServeQueue &Q;
  RunOutput &Out;
  int64_t WaitMs;
  httplib::Server S;
  std::thread T;
  Impl(ServeQueue &Q, RunOutput &Out, int64_t WaitMs) : Q(Q), Out(Out), WaitMs(WaitMs) {}
};

InvokeServer::InvokeServer(ServeQueue &Q, RunOutput &Out, int64_t WaitMs)
    : I(std::make_unique<Impl>(Q, Out, WaitMs)) {}

InvokeServer::~InvokeServer() { stop(); }

bool InvokeServer::start(const std::string &Addr, int WantPort, std::string &Error) {
  httplib::Server &S = I->S;
  // Bounded: 32 connections served at once; a body above the invoke limit
  // is refused before it is read.
  S.new_task_queue = [] { return new httplib::ThreadPool(32); };
  S.set_payload_max_length(MaxPayloadBytes);
  S.set_read_timeout(10, 0);
  S.set_write_timeout(10, 0);
  Impl *P = I.get();
  S.Post("/2015-03-31/functions/function/invocations",
         [P](const httplib::Request &Req, httplib::Response &Res) {
           ServeJob J;
           J.Payload = Req.body.empty() ? "{}" : Req.body;
           if (Req.has_header("X-Amz-Client-Context")) {
             bool Ok = false;
             J.ClientContext = base64Decode(Req.get_header_value("X-Amz-Client-Context"), Ok);
             if (!Ok) {
               Res.status = 400;
               Res.set_content(errorBody("InvalidRequestContentException",
                                         "X-Amz-Client-Context is not base64"),
                               "application/json");
               return;
             }
           }
           J.TraceId = Req.get_header_value("X-Amzn-Trace-Id");
           J.CognitoIdentity = Req.get_header_value("X-Amz-Cognito-Identity");
           J.TenantId = Req.get_header_value("X-Amz-Tenant-Id");
           J.Done = std::make_shared<std::promise<ServeResult>>();
           auto F = J.Done->get_future();
           bool Closed = false;
           if (!P->Q.push(J, Closed)) {
             Res.status = Closed ? 503 : 429;
             Res.set_content(Closed ? errorBody("ServiceException",
                                                "the run is ending: no more invocations")
                                    : errorBody("TooManyRequestsException",
                                                "too many invocations queued"),
                             "application/json");
             return;
           }
           if (F.wait_for(std::chrono::milliseconds(P->WaitMs)) != std::future_status::ready) {
             Res.status = 504;
             Res.set_content(errorBody("ServiceException", "no answer in time"), "application/json");
             return;
           }
           ServeResult R = F.get();
           Res.status = R.Status;
           if (!R.FunctionError.empty())
             Res.set_header("X-Amz-Function-Error", R.FunctionError);
           Res.set_header("X-Amz-Executed-Version", "$LATEST");
           Res.set_content(R.Body, R.ContentType.empty() ? "application/json" : R.ContentType);
         });
  S.set_exception_handler([](const httplib::Request &, httplib::Response &Res, std::exception_ptr) {
    Res.status = 500;
    Res.set_content(errorBody("ServiceException", "internal error"), "application/json");
  });
  if (WantPort == 0) {
    Port = S.bind_to_any_port(Addr);
    if (Port <= 0) {
      Error = "cannot bind " + Addr + " for --serve";
      return false;
    }
  } else {
    if (!S.bind_to_port(Addr, WantPort)) {
      Error = "cannot bind " + Addr + ":" + std::to_string(WantPort) + " for --serve";
      return false;
    }
    Port = WantPort;
  }
  I->T = std::thread([P] { P->S.listen_after_bind(); });
  return true;
}

void InvokeServer::stop() {
  if (!I)
    return;
  I->S.stop();
  if (I->T.joinable())
    I->T.join();
}

bool parseServeAddress(const std::string &Spec, std::string &Addr, int &Port,
                       std::string &Error) {
  std::string P = Spec;
  Addr = "127.0.0.1";
  auto Colon = Spec.rfind(':');
  if (Colon != std::string::npos) {
    Addr = Spec.substr(0, Colon);
    P = Spec.substr(Colon + 1);
    if (Addr.size() > 2 && Addr.front() == '[' && Addr.back() == ']')
      Addr = Addr.substr(1, Addr.size() - 2);
    if (Addr.empty())
      Addr = "127.0.0.1";
  }
  if (P.empty() || P.size() > 5 || P.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(P) > 65535) {
    Error = "expected [ADDR:]PORT (PORT 0-65535)";
    return false;
  }
  Port = std::stoi(P);
  return true;
}

} // namespace serverless::runtime
