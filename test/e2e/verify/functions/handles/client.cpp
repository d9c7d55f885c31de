// The handle is made here and used elsewhere: curl_easy_init opens no
// socket; the connection is made inside curl_easy_perform, in send()
// (net.cpp), a function make_client is never on the stack of.
#include "client.h"

namespace app {
static size_t discard(char *, size_t Size, size_t N, void *) { return Size * N; }

CURL *make_client(const char *url) {
  CURL *h = curl_easy_init(); // HANDLE-INIT
  if (!h)
    return nullptr;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  return h;
}
} // namespace app
