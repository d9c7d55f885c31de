#include "app.h"
#include <curl/curl.h>

namespace app {
static size_t discard(char *, size_t Size, size_t N, void *) { return Size * N; }

static CURL *g_http;

void notify_open() { g_http = curl_easy_init(); }

// One handle for the environment (its connection is kept alive), bounded by
// a timeout.
void notify(const std::string &request_id) {
  const char *url = std::getenv("NOTIFY_URL");
  if (!url || !g_http)
    return;
  curl_easy_setopt(g_http, CURLOPT_URL, url);
  curl_easy_setopt(g_http, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(g_http, CURLOPT_USERAGENT, request_id.c_str());
  curl_easy_setopt(g_http, CURLOPT_TIMEOUT_MS, 1000L);
  curl_easy_perform(g_http);
}
} // namespace app
