//===- lambda_loop.cpp - A small Runtime API client for test functions ----===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lambda_loop {

namespace {

size_t onBody(char *Ptr, size_t Size, size_t N, void *User) {
  static_cast<std::string *>(User)->append(Ptr, Size * N);
  return Size * N;
}

size_t onHeader(char *Ptr, size_t Size, size_t N, void *User) {
  auto *H = static_cast<std::map<std::string, std::string> *>(User);
  std::string Line(Ptr, Size * N);
  auto Colon = Line.find(':');
  if (Colon != std::string::npos) {
    std::string K = Line.substr(0, Colon);
    std::transform(K.begin(), K.end(), K.begin(), ::tolower);
    std::string V = Line.substr(Colon + 1);
    V.erase(0, V.find_first_not_of(" \t"));
    V.erase(V.find_last_not_of("\r\n ") + 1);
    (*H)[K] = V;
  }
  return Size * N;
}

} // namespace

int64_t Invocation::remainingMs() const {
  auto Now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return DeadlineMs - Now;
}

Client::Client() : Curl(curl_easy_init()) {
  const char *Api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  Base = std::string("http://") + (Api ? Api : "127.0.0.1:9001");
}

Client::~Client() { curl_easy_cleanup(static_cast<CURL *>(Curl)); }

HttpResult Client::request(const std::string &Method, const std::string &Path,
                           const std::string &Body,
                           const std::vector<std::string> &Headers) {
  CURL *C = static_cast<CURL *>(Curl);
  HttpResult R;
  // Reset keeps the connection cache: the same loopback socket is reused.
  curl_easy_reset(C);
  std::string Url = Base + Path;
  curl_easy_setopt(C, CURLOPT_URL, Url.c_str());
  curl_easy_setopt(C, CURLOPT_NOSIGNAL, 1L);
  // No timeout: `next` may block across a freeze for as long as it likes.
  curl_easy_setopt(C, CURLOPT_TIMEOUT_MS, 0L);
  curl_easy_setopt(C, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(C, CURLOPT_WRITEDATA, &R.Body);
  curl_easy_setopt(C, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(C, CURLOPT_HEADERDATA, &R.Headers);
  curl_slist *List = nullptr;
  List = curl_slist_append(List, "Expect:");
  for (const auto &H : Headers)
    List = curl_slist_append(List, H.c_str());
  curl_easy_setopt(C, CURLOPT_HTTPHEADER, List);
  if (Method == "POST") {
    curl_easy_setopt(C, CURLOPT_POST, 1L);
    curl_easy_setopt(C, CURLOPT_POSTFIELDS, Body.data());
    curl_easy_setopt(C, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(Body.size()));
  } else if (Method != "GET") {
    curl_easy_setopt(C, CURLOPT_CUSTOMREQUEST, Method.c_str());
  }
  CURLcode Code = curl_easy_perform(C);
  if (Code == CURLE_OK)
    curl_easy_getinfo(C, CURLINFO_RESPONSE_CODE, &R.Status);
  curl_slist_free_all(List);
  return R;
}

bool Client::next(Invocation &Out) {
  for (int Attempt = 0; Attempt < 3; ++Attempt) {
    HttpResult R = request("GET", "/2018-06-01/runtime/invocation/next", "");
    if (R.Status != 200)
      continue;
    Out.RequestId = R.Headers["lambda-runtime-aws-request-id"];
    Out.TraceId = R.Headers["lambda-runtime-trace-id"];
    Out.FunctionArn = R.Headers["lambda-runtime-invoked-function-arn"];
    Out.DeadlineMs = std::strtoll(
        R.Headers["lambda-runtime-deadline-ms"].c_str(), nullptr, 10);
    Out.Payload = std::move(R.Body);
    return true;
  }
  return false;
}

long Client::postResponse(const std::string &Id, const std::string &Body) {
  return request("POST", "/2018-06-01/runtime/invocation/" + Id + "/response",
                 Body, {"Content-Type: application/json"})
      .Status;
}

static std::string errorJson(const std::string &Message,
                             const std::string &Type) {
  // Test messages are plain ASCII without quotes; no escaping needed.
  return "{\"errorMessage\":\"" + Message + "\",\"errorType\":\"" + Type +
         "\",\"stackTrace\":[]}";
}

long Client::postError(const std::string &Id, const std::string &Message,
                       const std::string &Type) {
  return request("POST", "/2018-06-01/runtime/invocation/" + Id + "/error",
                 errorJson(Message, Type),
                 {"Content-Type: application/json",
                  "Lambda-Runtime-Function-Error-Type: " + Type})
      .Status;
}

long Client::postInitError(const std::string &Message, const std::string &Type) {
  return request("POST", "/2018-06-01/runtime/init/error",
                 errorJson(Message, Type),
                 {"Lambda-Runtime-Function-Error-Type: " + Type})
      .Status;
}

std::string Client::registerExtension(const std::string &Name,
                                      const std::vector<std::string> &Events) {
  std::string Body = "{\"events\":[";
  for (size_t I = 0; I < Events.size(); ++I)
    Body += (I ? ",\"" : "\"") + Events[I] + "\"";
  Body += "]}";
  HttpResult R = request("POST", "/2020-01-01/extension/register", Body,
                         {"Lambda-Extension-Name: " + Name});
  if (R.Status != 200)
    return "";
  return R.Headers["lambda-extension-identifier"];
}

std::string Client::nextExtensionEvent(const std::string &Id) {
  HttpResult R = request("GET", "/2020-01-01/extension/event/next", "",
                         {"Lambda-Extension-Identifier: " + Id});
  return R.Status == 200 ? R.Body : "";
}

int run(const Handler &H) {
  Client C;
  Invocation Inv;
  while (C.next(Inv)) {
    Result Res = H(Inv);
    long Status = Res.Success
                      ? C.postResponse(Inv.RequestId, Res.Payload)
                      : C.postError(Inv.RequestId, Res.Payload, Res.ErrorType);
    if (Status != 202) {
      std::fprintf(stderr, "lambda_loop: post for %s failed: HTTP %ld\n",
                   Inv.RequestId.c_str(), Status);
      return 1;
    }
  }
  return 0;
}

} // namespace lambda_loop
