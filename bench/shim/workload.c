/* Workloads for the shim overhead benchmark (bench/shim/run.py).
 *
 *   workload ITERS [MODE [THREADS]]
 *
 * MODE syscall (default): per iteration an open/read/close of a file and a
 *   loopback TCP socket/connect/accept/close (the kernel completes the
 *   handshake into the listen backlog): 7 ledger records, 4 with a stack.
 * MODE cheap: per iteration open("/dev/null")/close: the cheapest recorded
 *   pair (2 records, 1 with a stack), where the shim's own cost per event
 *   shows most.
 * THREADS (default 1): that many threads each run ITERS iterations, each
 *   with its own listening socket. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long iters;
static int cheap;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void *cheapLoop(void *arg) {
  (void)arg;
  for (long i = 0; i < iters; i++) {
    int f = open("/dev/null", O_RDONLY);
    if (f < 0) {
      perror("open");
      exit(1);
    }
    close(f);
  }
  return NULL;
}

static void *syscallLoop(void *arg) {
  (void)arg;
  int lst = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (bind(lst, (struct sockaddr *)&a, sizeof a) || listen(lst, 128) ||
      getsockname(lst, (struct sockaddr *)&a, &al)) {
    perror("listen");
    exit(1);
  }
  for (long i = 0; i < iters; i++) {
    int f = open("/etc/hostname", O_RDONLY);
    char buf[64];
    if (f < 0 || read(f, buf, sizeof buf) < 0) {
      perror("open");
      exit(1);
    }
    close(f);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, sizeof a)) {
      perror("connect");
      exit(1);
    }
    int s = accept(lst, NULL, NULL);
    if (s < 0) {
      perror("accept");
      exit(1);
    }
    close(s);
    close(c);
  }
  close(lst);
  return NULL;
}

int main(int argc, char **argv) {
  iters = argc > 1 ? atol(argv[1]) : 20000;
  cheap = argc > 2 && !strcmp(argv[2], "cheap");
  int threads = argc > 3 ? atoi(argv[3]) : 1;
  if (threads < 1 || threads > 64)
    threads = 1;
  void *(*loop)(void *) = cheap ? cheapLoop : syscallLoop;
  double t0 = now();
  if (threads == 1) {
    loop(NULL);
  } else {
    pthread_t t[64];
    for (int i = 0; i < threads; i++)
      pthread_create(&t[i], NULL, loop, NULL);
    for (int i = 0; i < threads; i++)
      pthread_join(t[i], NULL);
  }
  double t1 = now();
  /* Peak RSS of this image (VmHWM; ru_maxrss would include the parent's
   * pages from before exec). */
  long hwm = 0;
  FILE *st = fopen("/proc/self/status", "r");
  if (st) {
    char line[256];
    while (fgets(line, sizeof line, st))
      if (!strncmp(line, "VmHWM:", 6))
        hwm = atol(line + 6);
    fclose(st);
  }
  printf("mode=%s threads=%d iterations=%ld seconds=%.4f us_per_iter=%.3f peak_rss_kb=%ld\n",
         cheap ? "cheap" : "syscall", threads, iters, t1 - t0, (t1 - t0) * 1e6 / iters, hwm);
  return 0;
}
