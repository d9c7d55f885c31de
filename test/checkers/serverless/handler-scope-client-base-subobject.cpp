// RUN: %check_serverless %s serverless-handler-scope-client %t -- -- -isystem %sdk

// A client class whose base is a client type too (a vendored libpqxx 6.x:
// pqxx::connection derives from pqxx::basic_connection_base): constructing
// it is one client, reported once where it is created — not again at the
// base initializer or a delegating constructor inside the library.
#include <aws/lambda-runtime/runtime.h>

using namespace aws::lambda_runtime;

namespace pqxx {
class basic_connection_base {
public:
  explicit basic_connection_base(const char *) {}
};
class connection : public basic_connection_base {
public:
  explicit connection(const char *o) : basic_connection_base(o) {}
  connection() : connection("") {}
};
} // namespace pqxx

invocation_response handler(invocation_request const &) {
  pqxx::connection c("host=db");
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'pqxx::connection' is constructed on every invocation of handler 'handler'; construct it once at init scope and reuse it [serverless-handler-scope-client]
  pqxx::connection d;
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'pqxx::connection' is constructed on every invocation of handler 'handler'
  pqxx::basic_connection_base b("host=db");
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'pqxx::basic_connection_base' is constructed on every invocation of handler 'handler'
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
