#include "app.h"
#include <curl/curl.h>

namespace app {

static CURL *g_curl = curl_easy_init();

std::string fetch_price(const std::string &sku) {
  curl_easy_setopt(g_curl, CURLOPT_URL, sku.c_str());
  CURL *h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, sku.c_str());
  curl_easy_perform(h);
  curl_easy_cleanup(h);
  return sku;
}

} // namespace app
