//===- alc_ledger.cpp - A function on the real aws-lambda-cpp client ------===//
//
// Part of serverless-tidy. Built against the vendored, unchanged
// aws-lambda-cpp (aws-lambda-cpp/), -O2 -g so the handler's helpers are
// inlined: the ledger's sites must come out of DWARF inline chains. What the
// handler does is chosen by the event:
//   "clean"   nothing (the runtime client's own descriptors only)
//   "leak"    opens /etc/hostname in an inlined helper and never closes it
//   "future"  waits in std::future::get() for a thread that sleeps 30 s
//   "curl"    curl_easy_perform to ALC_URL, a server that never answers
//   "dns"     getaddrinfo of an address literal (not a lookup)
// ALC_HOLD=1: init opens /etc/hostname and keeps it (open at shutdown).
//
//===----------------------------------------------------------------------===//

#include <aws/lambda-runtime/runtime.h>

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <netdb.h>
#include <string>
#include <thread>
#include <unistd.h>

using namespace aws::lambda_runtime;

namespace {

int Held = -1;

inline __attribute__((always_inline)) void leakOne() {
  int Fd = ::open("/etc/hostname", O_RDONLY | O_CLOEXEC); // LEAK-SITE
  (void)Fd;
}

int waitForWorker() {
  auto F = std::async(std::launch::async, [] {
    std::this_thread::sleep_for(std::chrono::seconds(30)); // WORKER-SITE
    return 1;
  });
  return F.get(); // FUTURE-SITE
}

size_t discard(char *, size_t N, size_t M, void *) { return N * M; }

void callSlowServer() {
  const char *Url = std::getenv("ALC_URL");
  CURL *C = curl_easy_init();
  curl_easy_setopt(C, CURLOPT_URL, Url ? Url : "http://127.0.0.1:9/");
  curl_easy_setopt(C, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(C, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_perform(C); // CURL-SITE
  curl_easy_cleanup(C);
}

void resolveLiteral() {
  addrinfo *Res = nullptr;
  if (getaddrinfo("127.0.0.1", "80", nullptr, &Res) == 0) // DNS-SITE
    freeaddrinfo(Res);
}

invocation_response handler(invocation_request const &Req) {
  const std::string &P = Req.payload;
  if (P.find("leak") != std::string::npos)
    leakOne();
  if (P.find("future") != std::string::npos)
    waitForWorker();
  if (P.find("curl") != std::string::npos)
    callSlowServer();
  if (P.find("dns") != std::string::npos)
    resolveLiteral();
  return invocation_response::success("{\"ok\":true}", "application/json");
}

} // namespace

int main() {
  if (const char *H = std::getenv("ALC_HOLD"); H && *H == '1')
    Held = ::open("/etc/hostname", O_RDONLY | O_CLOEXEC); // HOLD-SITE
  run_handler(handler);
  return 0;
}
