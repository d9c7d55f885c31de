// RUN: %check_serverless %s serverless-missing-deadline %t -- -- -isystem %sdk -I/usr/include/postgresql
// RUN: %check_serverless -check-suffixes=,STRICT %s serverless-missing-deadline %t -- \
// RUN:   -config="{CheckOptions: {serverless-missing-deadline.StrictUnknownTimeouts: true}}" -- -isystem %sdk -I/usr/include/postgresql

// libpq, hiredis, redis-plus-plus, gRPC and std::future, over the real
// Debian headers (redis++ is the stand-in).
#include <aws/lambda-runtime/runtime.h>
#include <grpcpp/grpcpp.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <sw/redis++/redis++.h>
#include <algorithm>
#include <chrono>
#include <future>
#include <string>

using namespace aws::lambda_runtime;

// A generated unary stub, as protoc writes it.
namespace helloworld {
struct HelloRequest {};
struct HelloReply {};
class Greeter {
public:
  class Stub {
  public:
    ::grpc::Status SayHello(::grpc::ClientContext *context, const HelloRequest &request, HelloReply *response);
    void AsyncSayHello(::grpc::ClientContext *context, const HelloRequest &request, HelloReply *response);
  };
};
} // namespace helloworld

PGconn *g_pg_bounded;   // statement_timeout in its conninfo (main)
PGconn *g_pg_set;       // SET statement_timeout run in main
PGconn *g_pg_plain;     // neither
helloworld::Greeter::Stub *g_stub;

static void postgres_cases(invocation_request const &req) {
  PGconn *a = PQconnectdb("host=db dbname=app");
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'PQconnectdb' can block without bound: the connection string has no connect_timeout; add connect_timeout=<value> [serverless-missing-deadline]
  // A server-side setting: the role or the server may set it, which the
  // analysis cannot see: reported only with StrictUnknownTimeouts.
  PQexec(a, "SELECT 1");
  // CHECK-MESSAGES-STRICT: :[[@LINE-1]]:3: warning: 'PQexec' can block without bound: no statement_timeout is set on this connection (nor seen for its role or server); set it in the connection string (options=-c statement_timeout=...) or run 'SET statement_timeout' on it, derived from invocation_request::get_time_remaining()
  PQfinish(a);

  // A constant-folded concatenation with both keys.
  const std::string base = "host=db ";
  PGconn *b = PQconnectdb((base + "connect_timeout=2 options='-c statement_timeout=5000'").c_str());
  PQexec(b, "SELECT 1");
  PQfinish(b);

  // SET on the connection before the query; a query before it is unbounded.
  PGconn *c = PQconnectdb("host=db connect_timeout=2");
  PQexec(c, "SELECT 0");
  // CHECK-MESSAGES-STRICT: :[[@LINE-1]]:3: warning: 'PQexec' can block without bound: no statement_timeout is set on this connection
  PQexec(c, "SET statement_timeout = 3000");
  PQexec(c, "SELECT 1");
  PQfinish(c);

  // connect_timeout of 60 s: a constant at or above MaxBlockingMs.
  PGconn *d = PQconnectdb("host=db connect_timeout=60 options=-cstatement_timeout=1000");
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'PQconnectdb' can block for 60000 ms (MaxBlockingMs is 30000)
  PQfinish(d);

  // A conninfo built at run time: unknown, not reported.
  std::string dyn = "host=" + req.payload;
  PGconn *e = PQconnectdb(dyn.c_str());
  PQfinish(e);

  const char *const keys[] = {"host", "dbname", nullptr};
  const char *const vals[] = {"db", "app", nullptr};
  PGconn *f = PQconnectdbParams(keys, vals, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'PQconnectdbParams' can block without bound: the connection string has no connect_timeout
  PQfinish(f);
  const char *const keys2[] = {"host", "connect_timeout", nullptr};
  const char *const vals2[] = {"db", "3", nullptr};
  PGconn *g = PQconnectdbParams(keys2, vals2, 0);
  PQfinish(g);

  PGconn *h = PQsetdbLogin("db", "5432", nullptr, nullptr, "app", "u", "p");
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'PQsetdbLogin' can block without bound: it takes no timeout; use 'PQconnectdb'
  PQfinish(h);

  PQexec(g_pg_bounded, "SELECT 1");
  PQexec(g_pg_set, "SELECT 1");
  PQexec(g_pg_plain, "SELECT 1");
  // CHECK-MESSAGES-STRICT: :[[@LINE-1]]:3: warning: 'PQexec' can block without bound: no statement_timeout is set on this connection
}

static void redis_cases(invocation_request const &req) {
  redisContext *a = redisConnect("127.0.0.1", 6379);
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'redisConnect' can block without bound: it takes no timeout; use 'redisConnectWithTimeout'
  redisCommand(a, "PING");
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'redisCommand' can block without bound: no redisSetTimeout is set on this handle
  redisFree(a);

  // A later redisSetTimeout bounds the context.
  redisContext *b = redisConnect("127.0.0.1", 6379);
  struct timeval tv = {0, 500000};
  redisSetTimeout(b, tv);
  redisCommand(b, "PING");
  redisFree(b);

  redisContext *c = redisConnectUnix("/tmp/redis.sock");
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'redisConnectUnix' can block without bound: it takes no timeout; use 'redisConnectUnixWithTimeout'
  redisFree(c);
  struct timeval connect_tv = {1, 0};
  redisContext *d = redisConnectWithTimeout("127.0.0.1", 6379, connect_tv);
  redisFree(d);

  sw::redis::ConnectionOptions none;
  none.host = "127.0.0.1";
  sw::redis::Redis r1(none);
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'sw::redis::Redis' is constructed from 'sw::redis::ConnectionOptions' 'none' with no connect_timeout or socket_timeout set; its calls can block without bound
  sw::redis::ConnectionOptions connect_only;
  connect_only.connect_timeout = std::chrono::milliseconds(100);
  sw::redis::Redis r2(connect_only);
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'sw::redis::Redis' is constructed from 'sw::redis::ConnectionOptions' 'connect_only' with no socket_timeout set
  sw::redis::ConnectionOptions both;
  both.connect_timeout = std::chrono::milliseconds(100);
  both.socket_timeout = std::min(req.get_time_remaining(), std::chrono::milliseconds(500));
  sw::redis::Redis r3(both);
}

static void grpc_cases(invocation_request const &req) {
  helloworld::HelloRequest in;
  helloworld::HelloReply out;
  grpc::ClientContext none;
  g_stub->SayHello(&none, in, &out);
  // CHECK-MESSAGES: :[[@LINE-1]]:11: warning: 'helloworld::Greeter::Stub::SayHello' can block without bound: set_deadline is not called on 'none' before it; call it with a deadline derived from invocation_request::get_time_remaining()
  g_stub->AsyncSayHello(&none, in, &out);
  grpc::ClientContext bounded;
  bounded.set_deadline(req.deadline - std::chrono::milliseconds(100));
  g_stub->SayHello(&bounded, in, &out);
  grpc::ClientContext fixed;
  fixed.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  g_stub->SayHello(&fixed, in, &out);
}

static void future_cases(invocation_request const &req) {
  std::future<int> a = std::async(std::launch::async, [] { return 1; });
  a.get();
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'std::future::get' can block without bound: wait_for or wait_until is not called on 'a' before it
  std::future<int> b = std::async(std::launch::async, [] { return 1; });
  if (b.wait_for(req.get_time_remaining()) == std::future_status::ready)
    b.get();
  std::future<int> c = std::async(std::launch::async, [] { return 1; });
  c.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'std::__basic_future::wait' can block without bound: wait_for or wait_until is not called on 'c' before it
}

invocation_response handler(invocation_request const &req) {
  postgres_cases(req);
  redis_cases(req);
  grpc_cases(req);
  future_cases(req);
  return invocation_response::success("", "");
}

int main() {
  g_pg_bounded = PQconnectdb("host=db connect_timeout=2 options='-c statement_timeout=5s'");
  g_pg_set = PQconnectdb("host=db connect_timeout=2");
  PQexec(g_pg_set, "SET SESSION statement_timeout TO 4000");
  g_pg_plain = PQconnectdb("host=db");
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'PQconnectdb' can block without bound: the connection string has no connect_timeout
  run_handler(handler);
}
