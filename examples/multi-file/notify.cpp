#include "orders.h"
#include <curl/curl.h>

namespace orders {

static CURL *g_http = curl_easy_init(); // Created once per process: fine.

// Defect: the webhook call has no timeout although the caller passes the
// invocation's remaining budget.
void notify(const std::string &order, long budget_ms) {
  (void)budget_ms;
  curl_easy_setopt(g_http, CURLOPT_URL, "http://127.0.0.1:8080/hook");
  curl_easy_setopt(g_http, CURLOPT_POSTFIELDS, order.c_str());
  curl_easy_perform(g_http);
}

} // namespace orders
