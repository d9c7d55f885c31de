// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -isystem %sdk

// A handle handed to an owner that releases it later (the models'
// ownership_transfer): an easy handle added to a multi handle, mime subparts
// and headers given to a part, an async Redis context attached to an event
// loop. Handing it to a call that does not take ownership still leaks.
#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

using namespace aws::lambda_runtime;

static CURLM *g_multi;

static void add_transfer(const char *url) {
  CURL *eh = curl_easy_init();
  curl_easy_setopt(eh, CURLOPT_URL, url);
  curl_easy_setopt(eh, CURLOPT_TIMEOUT_MS, 1000L);
  curl_multi_add_handle(g_multi, eh); // Cleaned up when the multi reports it done.
}

static void not_added(const char *url) {
  CURL *eh = curl_easy_init();
  // CHECK-MESSAGES: :[[@LINE-1]]:14: warning: 'http-client' resource acquired by 'curl_easy_init' is not released on every path
  curl_easy_setopt(eh, CURLOPT_URL, url);
}

static void mime(CURL *h) {
  curl_mime *mime = curl_mime_init(h);
  curl_mime *alt = curl_mime_init(h);
  curl_mimepart *part = curl_mime_addpart(mime);
  curl_mime_subparts(part, alt); // The parent owns alt.
  struct curl_slist *headers = nullptr;
  headers = curl_slist_append(headers, "Content-Disposition: inline");
  curl_mime_headers(part, headers, 1); // The part owns the list.
  curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
  curl_mime_free(mime);
}

// take_ownership is read by value (the model's `"equals": "1"`): 1 or a
// constant equal to it hands the list to the part; 0 leaves it the caller's.
#define TAKE_IT 1
static void mimeHeaders(CURL *h) {
  curl_mime *mime = curl_mime_init(h);
  curl_mimepart *part = curl_mime_addpart(mime);
  struct curl_slist *owned = curl_slist_append(nullptr, "X-A: 1");
  curl_mime_headers(part, owned, TAKE_IT);
  struct curl_slist *kept = curl_slist_append(nullptr, "X-B: 2");
  // CHECK-MESSAGES: :[[@LINE-1]]:29: warning: 'curl-slist' resource acquired by 'curl_slist_append' is not released on every path
  curl_mime_headers(part, kept, 0);
  curl_mime_free(mime);
}

static void on_reply(redisAsyncContext *c, void *, void *) { redisAsyncDisconnect(c); }

static int async_get(struct event_base *base) {
  redisAsyncContext *c = redisAsyncConnect("127.0.0.1", 6379);
  if (c == nullptr || c->err)
    return 1;
  redisLibeventAttach(c, base); // The loop drives it; freed after the disconnect.
  redisAsyncCommand(c, on_reply, nullptr, "GET k");
  return 0;
}

invocation_response handler(invocation_request const &req) {
  add_transfer(req.payload.c_str());
  not_added(req.payload.c_str());
  if (CURL *h = curl_easy_init()) {
    mime(h);
    mimeHeaders(h);
    curl_easy_cleanup(h);
  }
  async_get(nullptr);
  return invocation_response::success("", "");
}

int main() {
  g_multi = curl_multi_init();
  run_handler(handler);
}
