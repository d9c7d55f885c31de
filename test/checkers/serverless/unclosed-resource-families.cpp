// RUN: %check_serverless %s serverless-unclosed-resource %t -- \
// RUN:   -config="{CheckOptions: {serverless-unclosed-resource.HandlerScopeOnly: false}}" \
// RUN:   -- -isystem %sdk -I/usr/include/postgresql -I/usr/include/libmongoc-1.0 -I/usr/include/libbson-1.0

// One leak and one correct release per remaining resource family of the
// default models (the rest are in unclosed-resource*.cpp).
#include <curl/curl.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <mongoc/mongoc.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

void epoll_leak() {
  int ep = epoll_create1(0);
  // CHECK-MESSAGES: :[[@LINE-1]]:12: warning: 'fd' resource acquired by 'epoll_create1' is not released on every path
  (void)ep;
}
void eventfd_ok() {
  int e = eventfd(0, 0);
  if (e < 0)
    return;
  close(e);
}
void pipe_leak() {
  int fds[2];
  if (pipe(fds) != 0)
    return;
  (void)fds;
}
// CHECK-MESSAGES: :[[@LINE-4]]:7: warning: 'fd-pair' resource acquired by 'pipe' is not released on every path; release it with 'close'
int addrinfo_leak(const char *host) {
  struct addrinfo *res = nullptr;
  if (getaddrinfo(host, "443", nullptr, &res) != 0)
    return -1;
  // CHECK-MESSAGES: :[[@LINE-2]]:7: warning: 'addrinfo' resource acquired by 'getaddrinfo' is not released on every path; release it with 'freeaddrinfo'
  return res->ai_family;
}
int pg_result_leak(PGconn *c) {
  PGresult *r = PQexec(c, "SELECT 1");
  // CHECK-MESSAGES: :[[@LINE-1]]:17: warning: 'pg-result' resource acquired by 'PQexec' is not released on every path; release it with 'PQclear'
  return PQntuples(r);
}
int pg_result_ok(PGconn *c) {
  PGresult *r = PQexec(c, "SELECT 1");
  int n = PQntuples(r);
  PQclear(r);
  return n;
}
void curl_slist_leak(CURL *h) {
  struct curl_slist *headers = curl_slist_append(nullptr, "Accept: */*");
  // CHECK-MESSAGES: :[[@LINE-1]]:32: warning: 'curl-slist' resource acquired by 'curl_slist_append' is not released on every path; release it with 'curl_slist_free_all'
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
}
void curl_multi_ok() {
  CURLM *m = curl_multi_init();
  curl_multi_cleanup(m);
}
void kafka_conf_leak() {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  // CHECK-MESSAGES: :[[@LINE-1]]:27: warning: '{{[a-z-]+}}' resource acquired by 'rd_kafka_conf_new' is not released on every path
  (void)conf;
}
void kafka_conf_given_away() {
  char err[64];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  // rd_kafka_new takes ownership of the configuration (the models'
  // ownership_transfer); the new handle itself is destroyed.
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk)
    return;
  rd_kafka_destroy(rk);
}
void mongo_pool_ok(mongoc_client_pool_t *pool) {
  mongoc_client_t *c = mongoc_client_pool_pop(pool);
  mongoc_client_pool_push(pool, c);
}
