// RUN: %check_serverless %s serverless-missing-shutdown-hook %t -- \
// RUN:   -config="{CheckOptions: {ModelFiles: '%S/../Inputs/models/mycorp.json'}}" -- -isystem %sdk

// A smart pointer's reset() releases what it holds because the models say
// so (ownership_transfer: std::unique_ptr::reset, ...); a method of a
// user-modelled client that merely shares the name does not.
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <memory>

using namespace aws::lambda_runtime;

namespace mycorp {
class Queue {
public:
  // A stand-in for the team's library (a header the TU sees in full).
  explicit Queue(const char *url) : url_(url) {}
  void reset() { pending_ = 0; } // Clears pending state; stays connected.
  void close() {}
private:
  const char *url_;
  int pending_ = 0;
};
} // namespace mycorp

mycorp::Queue *g_reset_only;
mycorp::Queue *g_closed;
std::unique_ptr<mycorp::Queue> g_owned;

extern "C" void on_sigterm(int) {
  g_reset_only->reset();
  g_closed->close();
  g_owned.reset();
}

invocation_response handler(invocation_request const &) {
  return invocation_response::success("", "");
}

int main() {
  g_reset_only = new mycorp::Queue("sqs://a");
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'g_reset_only' (queue-client from mycorp::Queue) is created at init scope and never closed on shutdown: install a SIGTERM handler that calls mycorp::Queue::close [serverless-missing-shutdown-hook]
  g_closed = new mycorp::Queue("sqs://b");
  g_owned.reset(new mycorp::Queue("sqs://c"));
  std::signal(SIGTERM, on_sigterm);
  run_handler(handler);
}
