// Timeouts configured by a function in another TU (config.cpp) on a handle
// the handler creates (handler.cpp).
#pragma once
#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>

void configure_timeouts(CURL *h, long ms); // config.cpp: sets CURLOPT_TIMEOUT_MS
void set_url(CURL *h, const char *url);    // config.cpp: sets the URL only
void external_prepare(CURL *h);            // defined by no TU: unknown
aws::lambda_runtime::invocation_response handler(aws::lambda_runtime::invocation_request const &req);
