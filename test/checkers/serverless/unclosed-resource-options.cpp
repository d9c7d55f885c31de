// RUN: %check_serverless %s serverless-unclosed-resource %t -- \
// RUN:   -config="{CheckOptions: {serverless-unclosed-resource.AcquireReleasePairs: 'mylib_open:mylib_close;pool_*_get:pool_put'}}" -- -isystem %sdk

struct Conn;
Conn *mylib_open(const char *);
void mylib_close(Conn *);
Conn *pool_db_get();
void pool_put(Conn *);

[[clang::annotate("serverless.handler")]] int handle(int n) {
  Conn *c = mylib_open("x");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'resource' resource acquired by 'mylib_open' is not released on every path; release it with 'mylib_close'
  Conn *p = pool_db_get();
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'resource' resource acquired by 'pool_db_get' is not released on every path; release it with 'pool_put'
  if (n)
    return 1;
  pool_put(p);
  Conn *ok = mylib_open("y");
  mylib_close(ok);
  (void)c;
  return 0;
}
