// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -isystem %sdk

// Conditions correlated with the acquisition: a flag tested before the
// acquisition and again before the release, a stored result tested instead
// of the handle, a list appended to (the same resource). Each negative sits
// next to the positive that must still be reported.
#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>
#include <cstdio>

using namespace aws::lambda_runtime;

static int guarded_by_flag(const char *path, bool fromfile) {
  FILE *fp;
  if (fromfile)
    fp = fopen(path, "r");
  else
    fp = stdin;
  if (!fp)
    return -1;
  int c = fgetc(fp);
  if (fromfile)
    fclose(fp);
  return c;
}

static int guard_inverted(const char *path, bool fromfile) {
  FILE *fp = fromfile ? fopen(path, "r") : stdin;
  // CHECK-MESSAGES: :[[@LINE-1]]:25: warning: 'FILE' resource acquired by 'fopen' is not released on every path
  if (!fp)
    return -1;
  int c = fgetc(fp);
  if (!fromfile)
    fclose(fp); // Closes stdin, never the opened file.
  return c;
}

static int guard_rewritten(const char *path, bool fromfile) {
  bool opened = fromfile;
  FILE *fp = opened ? fopen(path, "r") : stdin;
  // CHECK-MESSAGES: :[[@LINE-1]]:23: warning: 'FILE' resource acquired by 'fopen' is not released on every path
  if (!fp)
    return -1;
  opened = !opened; // No longer the guard it was.
  if (opened)
    fclose(fp);
  return 0;
}

static int flag_set_with_acquisition(const char *path) {
  FILE *f = nullptr;
  bool opened = false;
  if (path[0] == '/') {
    f = fopen(path, "r");
    opened = true;
  }
  int c = -1;
  if (opened && f)
    c = fgetc(f);
  if (opened)
    fclose(f);
  return c;
}

// The mongo-c-driver map-reduce example's shape: the flag is set after the
// acquisition and tested once, at the cleanup label.
static int flag_tested_once(const char *path, bool fail) {
  bool opened = false;
  FILE *f = nullptr;
  if (fail)
    goto cleanup;
  f = fopen(path, "r");
  opened = true;
  if (!f)
    return -1;
  fgetc(f);
cleanup:
  if (opened)
    fclose(f);
  return 0;
}

static int flag_set_elsewhere(const char *path, bool later) {
  FILE *f = fopen(path, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path
  bool opened = false;
  if (later)
    opened = true; // Not tied to the acquisition.
  if (opened)
    fclose(f);
  return 0;
}

static int stored_status(const char *host) {
  struct addrinfo *res = nullptr;
  int err = getaddrinfo(host, "80", nullptr, &res);
  if (err)
    return err; // Failed: nothing to free.
  freeaddrinfo(res);
  return 0;
}

static int stored_status_leak(const char *host) {
  struct addrinfo *res = nullptr;
  int err = getaddrinfo(host, "80", nullptr, &res);
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'addrinfo' resource acquired by 'getaddrinfo' is not released on every path
  if (err != 0)
    return err;
  return res->ai_family;
}

static int stored_test(const char *p) {
  int fd = open(p, O_RDONLY);
  bool failed = (fd == -1);
  if (failed)
    return -1;
  close(fd);
  return 0;
}

static int stored_test_leak(const char *p) {
  int fd = open(p, O_RDONLY);
  // CHECK-MESSAGES: :[[@LINE-1]]:12: warning: 'fd' resource acquired by 'open' is not released on every path
  const bool ok = fd >= 0;
  if (!ok)
    return -1;
  return 0;
}

static void appended(CURL *h) {
  struct curl_slist *list = nullptr;
  list = curl_slist_append(list, "A: 1");
  list = curl_slist_append(list, "B: 2");
  for (int i = 0; i < 3; ++i)
    list = curl_slist_append(list, "C: 3");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_perform(h);
  curl_slist_free_all(list);
}

static void appended_leak(CURL *h) {
  struct curl_slist *list = nullptr;
  list = curl_slist_append(list, "A: 1");
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: 'curl-slist' resource acquired by 'curl_slist_append' is not released on every path
  list = curl_slist_append(list, "B: 2");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_perform(h);
}

invocation_response handler(invocation_request const &req) {
  bool f = req.payload.empty();
  guarded_by_flag("/x", f);
  guard_inverted("/x", f);
  guard_rewritten("/x", f);
  flag_set_with_acquisition("/x");
  flag_set_elsewhere("/x", f);
  flag_tested_once("/x", f);
  stored_status("h");
  stored_status_leak("h");
  stored_test("/y");
  stored_test_leak("/y");
  if (CURL *h = curl_easy_init()) {
    appended(h);
    appended_leak(h);
    curl_easy_cleanup(h);
  }
  return invocation_response::success("", "");
}

int main() { run_handler(handler); }
