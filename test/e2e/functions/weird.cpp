//===- weird.cpp - Non-UTF-8 bytes in what a function sends ---------------===//
//
// argv[1]:
//   error-type  each invocation posts an error whose body is not JSON, so the
//               Lambda-Runtime-Function-Error-Type header (with a 0xff byte)
//               names the error;
//   ext-name    registers an internal extension named "ext-\xff" during init
//               and serves its events; invocations succeed.
// Whatever a function sends, --json must stay a valid document (issue 15,
// defect 4).
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <cstdio>
#include <cstring>
#include <thread>
#include <unistd.h>

int main(int Argc, char **Argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string Mode = Argc > 1 ? Argv[1] : "error-type";
  if (Mode == "ext-name") {
    lambda_loop::Client C;
    std::string Id = C.registerExtension("ext-\xff", {"INVOKE"});
    std::printf("weird: extension registered: %s\n", Id.empty() ? "no" : "yes");
    std::thread([Id] {
      lambda_loop::Client EC;
      while (!EC.nextExtensionEvent(Id).empty()) {
      }
    }).detach();
  }
  lambda_loop::Client C;
  lambda_loop::Invocation Inv;
  while (C.next(Inv)) {
    long S;
    if (Mode == "error-type")
      S = C.request("POST", "/2018-06-01/runtime/invocation/" + Inv.RequestId + "/error",
                    "not json \xff",
                    {"Lambda-Runtime-Function-Error-Type: Bad\xffType"})
              .Status;
    else
      S = C.postResponse(Inv.RequestId, "{}");
    std::printf("weird: posted -> %ld\n", S);
  }
  return 0;
}
