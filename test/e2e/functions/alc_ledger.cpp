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
//   "crash"   abort()
//   "context" answers with what the invocation carried (client context,
//             tenant id, trace id)
//   "fail"    invocation_response::failure("asked to fail", "Function.Asked")
// ALC_HOLD=1: init opens /etc/hostname and keeps it (open at shutdown).
// ALC_INIT_MS=N: init takes N ms (sleeps before run_handler).
// ALC_SIGTERM=log|ignore: a SIGTERM hook that prints "alc: SIGTERM <pid>"
//   and exits 0 (log), or SIGTERM ignored (ignore).
// ALC_PRINT_ENV=1: init prints what it was started with (cwd, variables,
//   open descriptors) as one "alc-env {json}" line.
//
//===----------------------------------------------------------------------===//

#include <aws/lambda-runtime/runtime.h>

#include <curl/curl.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <dirent.h>
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

std::string jsonString(const char *S);

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
  if (P.find("crash") != std::string::npos)
    std::abort();
  if (P.find("context") != std::string::npos)
    return invocation_response::success(
        "{\"client_context\":" + jsonString(Req.client_context.c_str()) +
            ",\"tenant_id\":" + jsonString(Req.tenant_id.c_str()) +
            ",\"trace_id\":" + jsonString(Req.xray_trace_id.c_str()) + "}",
        "application/json");
  if (P.find("fail") != std::string::npos)
    return invocation_response::failure("asked to fail", "Function.Asked");
  return invocation_response::success("{\"ok\":true}", "application/json");
}

void onSigterm(int) {
  char Buf[64];
  int N = std::snprintf(Buf, sizeof Buf, "alc: SIGTERM %d\n", int(::getpid()));
  if (N > 0)
    (void)!::write(1, Buf, size_t(N));
  ::_exit(0);
}

std::string jsonString(const char *S) {
  if (!S)
    return "null";
  std::string Out = "\"";
  for (; *S; ++S)
    if (*S == '"' || *S == '\\')
      Out += std::string("\\") + *S;
    else if (static_cast<unsigned char>(*S) >= 0x20)
      Out += *S;
  return Out + "\"";
}

void printEnvironment() {
  std::string Fds;
  if (DIR *D = ::opendir("/proc/self/fd")) {
    int Own = ::dirfd(D);
    while (dirent *E = ::readdir(D))
      if (E->d_name[0] != '.' && std::atoi(E->d_name) != Own)
        Fds += (Fds.empty() ? "" : ",") + std::string(E->d_name);
    ::closedir(D);
  }
  char Cwd[4096] = "";
  if (!::getcwd(Cwd, sizeof Cwd))
    Cwd[0] = 0;
  std::printf("alc-env {\"cwd\":%s,\"LAMBDA_TASK_ROOT\":%s,\"LAMBDA_RUNTIME_DIR\":%s,"
              "\"HOME\":%s,\"AWS_ACCESS_KEY_ID\":%s,\"AWS_SECRET_ACCESS_KEY\":%s,"
              "\"AWS_PROFILE\":%s,\"ALC_FROM_FILE\":%s,\"fds\":[%s]}\n",
              jsonString(Cwd).c_str(), jsonString(std::getenv("LAMBDA_TASK_ROOT")).c_str(),
              jsonString(std::getenv("LAMBDA_RUNTIME_DIR")).c_str(),
              jsonString(std::getenv("HOME")).c_str(),
              jsonString(std::getenv("AWS_ACCESS_KEY_ID")).c_str(),
              jsonString(std::getenv("AWS_SECRET_ACCESS_KEY")).c_str(),
              jsonString(std::getenv("AWS_PROFILE")).c_str(),
              jsonString(std::getenv("ALC_FROM_FILE")).c_str(), Fds.c_str());
  std::fflush(stdout);
}

} // namespace

int main() {
  if (const char *E = std::getenv("ALC_PRINT_ENV"); E && *E == '1')
    printEnvironment();
  if (const char *T = std::getenv("ALC_SIGTERM")) {
    if (std::strcmp(T, "log") == 0)
      std::signal(SIGTERM, onSigterm);
    else if (std::strcmp(T, "ignore") == 0)
      std::signal(SIGTERM, SIG_IGN);
  }
  if (const char *I = std::getenv("ALC_INIT_MS"))
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(I)));
  if (const char *H = std::getenv("ALC_HOLD"); H && *H == '1')
    Held = ::open("/etc/hostname", O_RDONLY | O_CLOEXEC); // HOLD-SITE
  run_handler(handler);
  return 0;
}
