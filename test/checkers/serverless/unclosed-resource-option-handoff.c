// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -std=gnu17

// Ownership handed through an option value: `curl_easy_setopt(h,
// CURLOPT_PRIVATE, fp)` stores `fp` in the easy handle for whoever reads it
// back with curl_easy_getinfo(CURLINFO_PRIVATE) when curl_multi_info_read
// reports the transfer done (curl docs/examples multi-event.c, multi-uv.c):
// the model's ownership_transfer entry on curl_easy_setopt holds only when
// argument 1 is CURLOPT_PRIVATE. Every other option only borrows its value
// (CURLOPT_WRITEDATA: curl writes to the stream, the caller still closes it),
// and an option the source does not spell as CURLOPT_PRIVATE is not one.
#include <curl/curl.h>
#include <stdio.h>

static CURLM *g_multi;

__attribute__((annotate("serverless.handler"))) void add_download(const char *url,
                                                                   const char *name) {
  FILE *file = fopen(name, "wb");
  if (!file)
    return;
  CURL *handle = curl_easy_init();
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, file);
  curl_easy_setopt(handle, CURLOPT_PRIVATE, file); // Read back and closed when done.
  curl_easy_setopt(handle, CURLOPT_URL, url);
  curl_multi_add_handle(g_multi, handle);
}

// The same, with the option parenthesised and the value cast: still
// CURLOPT_PRIVATE, still the stream.
__attribute__((annotate("serverless.handler"))) void private_cast(const char *name) {
  FILE *file = fopen(name, "wb");
  if (!file)
    return;
  CURL *handle = curl_easy_init();
  curl_easy_setopt(handle, (CURLOPT_PRIVATE), (void *)file);
  curl_multi_add_handle(g_multi, handle);
}

// Borrowed only: the stream is written by the transfer and never closed.
__attribute__((annotate("serverless.handler"))) void write_only(const char *url,
                                                                 const char *name) {
  FILE *file = fopen(name, "wb");
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!file)
    return;
  CURL *handle = curl_easy_init();
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, file);
  curl_easy_setopt(handle, CURLOPT_URL, url);
  curl_multi_add_handle(g_multi, handle);
}

// The option comes from a variable: not spelled CURLOPT_PRIVATE, so the
// model cannot say the value is handed over.
__attribute__((annotate("serverless.handler"))) void option_from_variable(CURLoption opt,
                                                                           const char *name) {
  FILE *file = fopen(name, "wb");
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!file)
    return;
  CURL *handle = curl_easy_init();
  curl_easy_setopt(handle, opt, file);
  curl_multi_add_handle(g_multi, handle);
}

// CURLOPT_PRIVATE given something else: the stream itself is still held.
__attribute__((annotate("serverless.handler"))) void private_is_other(const char *name) {
  FILE *file = fopen(name, "wb");
  // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!file)
    return;
  CURL *handle = curl_easy_init();
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, file);
  curl_easy_setopt(handle, CURLOPT_PRIVATE, (void *)name);
  curl_multi_add_handle(g_multi, handle);
}
