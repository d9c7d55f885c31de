/* Syscall-heavy workload for the shim overhead benchmark: per iteration an
 * open/close of a file and a loopback TCP connect/accept/close, all in one
 * thread (the kernel completes the handshake into the listen backlog). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 20000;
  int lst = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (bind(lst, (struct sockaddr *)&a, sizeof a) || listen(lst, 128) ||
      getsockname(lst, (struct sockaddr *)&a, &al)) {
    perror("listen");
    return 1;
  }
  double t0 = now();
  for (long i = 0; i < iters; i++) {
    int f = open("/etc/hostname", O_RDONLY);
    char buf[64];
    if (f < 0 || read(f, buf, sizeof buf) < 0) {
      perror("open");
      return 1;
    }
    close(f);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, sizeof a)) {
      perror("connect");
      return 1;
    }
    int s = accept(lst, NULL, NULL);
    if (s < 0) {
      perror("accept");
      return 1;
    }
    close(s);
    close(c);
  }
  double t1 = now();
  printf("iterations=%ld seconds=%.4f us_per_iter=%.3f\n", iters, t1 - t0, (t1 - t0) * 1e6 / iters);
  close(lst);
  return 0;
}
