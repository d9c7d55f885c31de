//===- forker.cpp - A function that leaves children behind ----------------===//
//
// Each invocation forks a child that sleeps forever, and a grandchild that
// calls setsid() to leave the process group (a daemon); prints their pids so
// the tests can check the emulator killed and reaped them all.
//
//===----------------------------------------------------------------------===//

#include "lambda_loop.h"

#include <cstdio>
#include <unistd.h>

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  return lambda_loop::run([](const lambda_loop::Invocation &) {
    pid_t Child = fork();
    if (Child == 0) {
      for (;;)
        pause();
    }
    int Pipe[2];
    (void)!pipe(Pipe);
    pid_t Daemon = fork();
    if (Daemon == 0) {
      if (fork() == 0) {
        setsid();
        pid_t Me = getpid();
        (void)!write(Pipe[1], &Me, sizeof Me);
        for (;;)
          pause();
      }
      _exit(0);
    }
    pid_t Grand = -1;
    (void)!read(Pipe[0], &Grand, sizeof Grand);
    close(Pipe[0]);
    close(Pipe[1]);
    std::printf("forker: child=%d daemon=%d\n", Child, Grand);
    return lambda_loop::Result::success("{}");
  });
}
