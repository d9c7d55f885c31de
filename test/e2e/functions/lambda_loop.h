//===- lambda_loop.h - A small Runtime API client for test functions ------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// What aws-lambda-cpp's run_handler does, small enough to read in one go, so
// the emulator's end-to-end tests run functions shaped like real ones: one
// CURL handle reused for every Runtime API call (one kept-alive loopback
// connection across freezes), no timeout on `next`, `next` retried 3 times,
// and run() returning when a post fails. The lower-level calls let test
// functions misbehave on purpose.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_TEST_LAMBDA_LOOP_H
#define SERVERLESS_TEST_LAMBDA_LOOP_H

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lambda_loop {

struct Invocation {
  std::string RequestId;
  std::string Payload;
  std::string TraceId;
  std::string FunctionArn;
  int64_t DeadlineMs = 0;
  /// Milliseconds until the deadline (aws-lambda-cpp's get_time_remaining).
  int64_t remainingMs() const;
};

struct Result {
  bool Success = true;
  std::string Payload;   // response, or error message
  std::string ErrorType; // for failures
  static Result success(std::string P) { return {true, std::move(P), {}}; }
  static Result failure(std::string Msg, std::string Type) {
    return {false, std::move(Msg), std::move(Type)};
  }
};

struct HttpResult {
  long Status = 0; // 0: transport error
  std::string Body;
  std::map<std::string, std::string> Headers; // lower-case names
};

class Client {
public:
  /// Uses $AWS_LAMBDA_RUNTIME_API.
  Client();
  ~Client();
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  /// GET next (3 attempts). False when the API is gone.
  bool next(Invocation &Out);
  long postResponse(const std::string &RequestId, const std::string &Body);
  long postError(const std::string &RequestId, const std::string &Message,
                 const std::string &Type);
  long postInitError(const std::string &Message, const std::string &Type);
  /// Registers an (internal) extension; returns its identifier or "".
  std::string registerExtension(const std::string &Name,
                                const std::vector<std::string> &Events);
  /// GET extension/event/next; returns the event JSON or "".
  std::string nextExtensionEvent(const std::string &Id);

  /// Any request, for misbehaving on purpose.
  HttpResult request(const std::string &Method, const std::string &Path,
                     const std::string &Body,
                     const std::vector<std::string> &Headers = {});

private:
  void *Curl;
  std::string Base;
};

using Handler = std::function<Result(const Invocation &)>;

/// The runtime loop: next, handler, post; returns 0 when the API goes away
/// and 1 when a post fails (as aws-lambda-cpp's run_handler does).
int run(const Handler &H);

} // namespace lambda_loop

#endif // SERVERLESS_TEST_LAMBDA_LOOP_H
