#include "net.h"

static CURL *g_configured = curl_easy_init();
static CURL *g_plain = curl_easy_init();

aws::lambda_runtime::invocation_response handler(aws::lambda_runtime::invocation_request const &req) {
  long left = static_cast<long>(req.get_time_remaining().count());
  configure_timeouts(g_configured, left);
  curl_easy_perform(g_configured); // Configured in config.cpp.

  set_url(g_plain, "http://127.0.0.1/");
  curl_easy_perform(g_plain); // set_url sets no timeout: a finding.

  CURL *h = curl_easy_init();
  if (!h)
    return aws::lambda_runtime::invocation_response::failure("curl", "Init");
  external_prepare(h);
  curl_easy_perform(h); // Unknown: external_prepare is defined nowhere.
  curl_easy_cleanup(h);
  return aws::lambda_runtime::invocation_response::success("ok", "text/plain");
}
