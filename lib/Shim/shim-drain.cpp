//===- shim-drain.cpp - the emulator's drainer, standalone -----------------===//
//
// Part of serverless-tidy. Plays the drainer's part of the shim's ring mode
// (ShimProtocol.h, "Ring mode") without the emulator, for tests and
// bench/shim/run.py:
//   serverless-shim-drain RING_DIR LEDGER_DIR [--segments N] [--segment-records N] [--poll-ms N]
// creates RING_DIR/drainer, prints "ready", drains while functions run with
// SERVERLESS_SHIM_RING=RING_DIR SERVERLESS_SHIM_LEDGER=LEDGER_DIR, and on
// SIGTERM/SIGINT (or EOF of stdin when it is a pipe) takes its last look (what was reserved and
// never committed is counted torn), prints its numbers and exits.
//
//===----------------------------------------------------------------------===//
#include "LedgerDrain.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t Quit = 0;
static void onSignal(int) { Quit = 1; }

int main(int Argc, char **Argv) {
  using namespace serverless::shim;
  DrainOptions O;
  const char *Dirs[2] = {nullptr, nullptr};
  int NDirs = 0;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    auto Next = [&]() -> const char * { return I + 1 < Argc ? Argv[++I] : "0"; };
    if (A == "--segments")
      O.Segments = uint32_t(strtoul(Next(), nullptr, 10));
    else if (A == "--segment-records")
      O.SegmentRecords = uint32_t(strtoul(Next(), nullptr, 10));
    else if (A == "--poll-ms")
      O.PollMs = atoi(Next());
    else if (A == "-h" || A == "--help") {
      printf("usage: serverless-shim-drain RING_DIR LEDGER_DIR [--segments N] [--segment-records N] "
             "[--poll-ms N]\n");
      return 0;
    } else if (NDirs < 2)
      Dirs[NDirs++] = Argv[I];
  }
  if (NDirs != 2) {
    fprintf(stderr, "serverless-shim-drain: RING_DIR and LEDGER_DIR needed\n");
    return 2;
  }
  struct sigaction Sa;
  memset(&Sa, 0, sizeof Sa);
  Sa.sa_handler = onSignal;
  sigaction(SIGTERM, &Sa, nullptr);
  sigaction(SIGINT, &Sa, nullptr);
  RingDrainer D(Dirs[0], Dirs[1], O);
  if (!D.ok()) {
    fprintf(stderr, "serverless-shim-drain: %s\n", D.error().c_str());
    return 1;
  }
  D.start();
  printf("ready\n");
  fflush(stdout);
  // EOF on a pipe (the tests, the bench) stops it; a background job's
  // /dev/null or a terminal does not: then SIGTERM/SIGINT.
  struct stat St;
  bool WatchStdin = fstat(0, &St) == 0 && (S_ISFIFO(St.st_mode) || S_ISSOCK(St.st_mode));
  char B[256];
  while (!Quit) {
    pollfd P{0, POLLIN, 0};
    if (!WatchStdin)
      poll(nullptr, 0, 200);
    else if (poll(&P, 1, 200) > 0 && read(0, B, sizeof B) <= 0)
      break;
  }
  D.finish();
  DrainStats S = D.stats();
  rusage Ru;
  getrusage(RUSAGE_SELF, &Ru);
  printf("records=%llu torn=%llu rings=%llu wakeups=%llu passes=%llu cpu_s=%.3f\n",
         (unsigned long long)S.Records, (unsigned long long)S.Torn, (unsigned long long)S.Rings,
         (unsigned long long)S.Wakeups, (unsigned long long)S.Passes,
         Ru.ru_utime.tv_sec + Ru.ru_stime.tv_sec + (Ru.ru_utime.tv_usec + Ru.ru_stime.tv_usec) / 1e6);
  return 0;
}
