#include "app.h"
#include <curl/curl.h>

namespace app {
static size_t discard(char *, size_t Size, size_t N, void *) { return Size * N; }

// An HTTP client per call: curl_easy_init makes no descriptor, the
// connection is made inside curl_easy_perform (another line), and no
// timeout is set.
void notify(const std::string &request_id) {
  const char *url = std::getenv("NOTIFY_URL");
  if (!url)
    return;
  CURL *h = curl_easy_init(); // NOTIFY-INIT
  if (!h)
    return;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_USERAGENT, request_id.c_str());
  curl_easy_perform(h); // NOTIFY-PERFORM
  curl_easy_cleanup(h);
}
} // namespace app
