#include "net.h"

void configure_timeouts(CURL *h, long ms) { curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms); }

void set_url(CURL *h, const char *url) { curl_easy_setopt(h, CURLOPT_URL, url); }
