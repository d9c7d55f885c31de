/* Threads, fork+exec, popen, dlopen after start, a signal handler that closes
 * an fd, and errno checks: each invocation must leave exactly one fd open
 * (the plugin's), from plugin.c, whatever else happens. */
#include "mini_runtime.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static int (*plugin_open)(void);
static volatile int sig_fd = -1;
static int errno_bad;

static void on_usr1(int s) { if (sig_fd >= 0) { close(sig_fd); sig_fd = -1; } }

static void *worker(void *arg) {
  for (int i = 0; i < 200; i++) {
    int fd = open("/etc/hostname", O_RDONLY);
    int p[2];
    if (pipe(p) == 0) { close(p[0]); close(p[1]); }
    FILE *f = fopen("/etc/passwd", "r");
    if (f) fclose(f);
    if (fd >= 0) close(fd);
  }
  return NULL;
}

static const char *handler(const char *event) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/etc/hostname", O_RDONLY); /* the child's own */
    (void)fd;
    execl("/bin/true", "true", (char *)NULL);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  FILE *p = popen("echo hi", "r");
  char b[16];
  if (p) { if (fgets(b, sizeof b, p)) {} pclose(p); }
  sig_fd = open("/etc/hostname", O_RDONLY);
  raise(SIGUSR1); /* the handler closes sig_fd */
  errno = 0;
  if (close(-1) != -1 || errno != EBADF) errno_bad++;
  errno = 12345;
  int fd = open("/etc/hostname", O_RDONLY);
  if (errno != 12345) errno_bad++; /* a successful call must not change errno */
  close(fd);
  if (!plugin_open) {
    void *h = dlopen(getenv("PLUGIN_SO"), RTLD_NOW);
    if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); return "{\"ok\":false}"; }
    plugin_open = (int (*)(void))dlsym(h, "plugin_open");
  }
  plugin_open(); /* leaked: one per invocation */
  static char out[64];
  snprintf(out, sizeof out, "{\"errno_bad\":%d}", errno_bad);
  return out;
}
int main(void) {
  signal(SIGUSR1, on_usr1);
  return rt_run(handler);
}
