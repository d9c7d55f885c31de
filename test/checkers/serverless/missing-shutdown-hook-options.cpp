// RUN: echo '{"schema": "serverless-tidy-model/1", "library": "mycorp", "clients": [{"type": "mycorp::Journal", "kind": "journal", "shutdown": "flush", "flush": [{"function": "mycorp::Journal::sync", "handle": "this"}]}]}' > %t.json
// RUN: %check_serverless %s serverless-missing-shutdown-hook %t -- \
// RUN:   -config="{CheckOptions: {ModelFiles: '%t.json'}}" -- -isystem %sdk

// A user model (the ModelFiles option) adds a client that must be flushed;
// NOLINT silences one finding.
#include <aws/lambda-runtime/runtime.h>
#include <csignal>

using namespace aws::lambda_runtime;

namespace mycorp {
struct Journal {
  explicit Journal(const char *) {}
  void sync() {}
  void append(const char *) {}
};
} // namespace mycorp

mycorp::Journal journal("/tmp/journal");
// CHECK-MESSAGES: :[[@LINE-1]]:17: warning: 'journal' (journal from mycorp::Journal) is created at init scope and never flushed on shutdown: install a SIGTERM handler that calls mycorp::Journal::sync [serverless-missing-shutdown-hook]
mycorp::Journal audit("/tmp/audit"); // NOLINT(serverless-missing-shutdown-hook)
// NOLINTNEXTLINE(serverless-*)
mycorp::Journal metrics("/tmp/metrics");
mycorp::Journal synced("/tmp/synced"); // Flushed by the handler below.

static void on_term(int) { synced.sync(); }

invocation_response handler(invocation_request const &) {
  journal.append("x");
  return invocation_response::success("", "");
}

int main() {
  std::signal(SIGTERM, on_term);
  run_handler(handler);
  return 0;
}
