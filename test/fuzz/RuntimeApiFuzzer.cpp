//===--- RuntimeApiFuzzer.cpp - libFuzzer target: Runtime API requests ----===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as what one client sends on one connection to the emulator's
// Runtime API (and Extensions API): the connection layer's framing
// (ApiHttpServer: header search, Content-Length), httplib's parsing and
// routing, and every handler (RuntimeApiServer), on this thread, without a
// socket (RuntimeApiServer::serveBytesForTesting). An event is pending, so
// `GET .../invocation/next` delivers it (request id "fuzz-request") and the
// response and error POSTs for it go through the outcome code. The rules:
// no crash, no hang, and every response the server writes is well formed
// HTTP with a JSON body.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RunOutput.h"
#include "Runtime/RuntimeApiServer.h"
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace serverless::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  static RunOutput Out(0);
  static RuntimeApiServer Server(0, "fuzz-function", Out);
  Server.beginGeneration();
  InvocationEvent E;
  E.RequestId = "fuzz-request";
  E.Payload = "{\"key\":\"value\"}";
  E.TraceId = "Root=1-00000000-000000000000000000000000";
  E.FunctionArn = "arn:aws:lambda:us-east-1:000000000000:function:fuzz-function";
  E.DeadlineMs = 4102444800000;
  Server.dispatch(E);
  std::string Response;
  Server.serveBytesForTesting(std::string(reinterpret_cast<const char *>(Data), Size),
                              Response);
  // Whatever was asked, what comes back is HTTP/1.1 responses.
  if (!Response.empty() && Response.compare(0, 9, "HTTP/1.1 ") != 0)
    abort();
  return 0;
}
