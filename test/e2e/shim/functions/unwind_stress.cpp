// Stacks the shim's cached-CFI unwinder must take exactly as libgcc's
// _Unwind_Backtrace does (test_shim.py unwind, SERVERLESS_SHIM_UNWIND=check):
// built -O2 without frame pointers; recursion, alloca (an rbp-based CFA), a
// frame larger than 64 KiB, exceptions thrown and caught around the calls,
// std::function and lambdas, threads, a signal handler that opens a file
// (a signal frame: libgcc's part), and a dlopen'd object (PLUGIN_SO).
#include <alloca.h>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <functional>
#include <signal.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

static volatile int Sink;

__attribute__((noinline)) int openDeep(int Depth) {
  if (Depth > 0) {
    int R = openDeep(Depth - 1);
    Sink += R;
    return R + 1;
  }
  close(open("/dev/null", O_RDONLY));
  return 0;
}
__attribute__((noinline)) int withAlloca(int N) {
  char *P = static_cast<char *>(alloca(N));
  memset(P, 1, N);
  Sink += P[N / 2];
  close(open("/dev/null", O_RDONLY));
  return P[0];
}
__attribute__((noinline)) int bigFrame() {
  volatile char Buf[100000];
  Buf[0] = 1;
  Buf[99999] = 2;
  close(open("/dev/null", O_RDONLY));
  return Buf[0] + Buf[99999];
}
__attribute__((noinline)) void thrower(int I) {
  close(open("/dev/null", O_RDONLY));
  if (I % 3 == 0)
    throw std::runtime_error("x");
}
static void onSignal(int) { close(open("/dev/null", O_RDONLY)); }

int main() {
  signal(SIGUSR1, onSignal);
  for (int I = 0; I < 200; ++I) {
    openDeep(I % 40);
    withAlloca(16 + I * 8);
    bigFrame();
    try {
      thrower(I);
    } catch (std::exception &) {
    }
    std::function<void()> Fn = [] {
      if (FILE *F = fopen("/etc/hostname", "r"))
        fclose(F);
    };
    Fn();
    if (I % 50 == 0)
      raise(SIGUSR1);
  }
  std::vector<std::thread> Ts;
  for (int T = 0; T < 4; ++T)
    Ts.emplace_back([] {
      for (int I = 0; I < 100; ++I) {
        openDeep(I % 10);
        withAlloca(100);
      }
    });
  for (auto &T : Ts)
    T.join();
  if (const char *So = getenv("PLUGIN_SO"))
    if (void *H = dlopen(So, RTLD_NOW)) {
      if (auto F = reinterpret_cast<int (*)()>(dlsym(H, "plugin_open")))
        for (int I = 0; I < 10; ++I)
          close(F());
      dlclose(H);
    }
  puts("ok");
  return 0;
}
