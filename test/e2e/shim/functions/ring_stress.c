/* The shim's ring mode under load (test_shim.py ring_*).
 *
 *   ring_stress THREADS ITERS MODE [PROGRESS_FILE]
 *
 * MODE loop: each thread opens and closes /dev/null ITERS times (0: until
 *   killed); after each close it adds 1 to its uint64 counter in
 *   PROGRESS_FILE (mmap'd), so a test that SIGKILLs it knows how many pairs
 *   were complete.
 * MODE handoff: THREADS producers each open /dev/null ITERS times and hand
 *   the descriptor to one consumer thread, which closes it: the number a
 *   close frees is reopened by another thread, so the ledger is right only
 *   if a close is ordered before the open that reuses its number. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long iters;
static volatile uint64_t *progress;

static void *loop(void *arg) {
  long t = (long)arg;
  for (long i = 0; iters == 0 || i < iters; i++) {
    int f = open("/dev/null", O_RDONLY);
    if (f < 0) {
      perror("open");
      exit(1);
    }
    close(f);
    if (progress)
      __atomic_store_n(&progress[t], (uint64_t)i + 1, __ATOMIC_RELEASE);
  }
  return NULL;
}

#define QCAP 64
static int queue[QCAP];
static int qhead, qtail, producers_left;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *producer(void *arg) {
  (void)arg;
  for (long i = 0; i < iters; i++) {
    int f = open("/dev/null", O_RDONLY);
    if (f < 0) {
      perror("open");
      exit(1);
    }
    pthread_mutex_lock(&mu);
    while (qtail - qhead == QCAP)
      pthread_cond_wait(&cv, &mu);
    queue[qtail++ % QCAP] = f;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  pthread_mutex_lock(&mu);
  producers_left--;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  return NULL;
}

static void *consumer(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&mu);
    while (qtail == qhead && producers_left)
      pthread_cond_wait(&cv, &mu);
    if (qtail == qhead) {
      pthread_mutex_unlock(&mu);
      return NULL;
    }
    int f = queue[qhead++ % QCAP];
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    close(f);
  }
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  iters = argc > 2 ? atol(argv[2]) : 1000;
  const char *mode = argc > 3 ? argv[3] : "loop";
  if (threads < 1 || threads > 64)
    threads = 1;
  if (argc > 4) {
    int fd = open(argv[4], O_RDWR);
    if (fd < 0 || ftruncate(fd, 4096) != 0) {
      perror("progress");
      return 1;
    }
    progress = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
  }
  pthread_t t[65];
  if (!strcmp(mode, "handoff")) {
    producers_left = threads;
    pthread_create(&t[threads], NULL, consumer, NULL);
    for (long i = 0; i < threads; i++)
      pthread_create(&t[i], NULL, producer, NULL);
    for (int i = 0; i <= threads; i++)
      pthread_join(t[i], NULL);
  } else {
    for (long i = 0; i < threads; i++)
      pthread_create(&t[i], NULL, loop, (void *)i);
    for (int i = 0; i < threads; i++)
      pthread_join(t[i], NULL);
  }
  printf("done\n");
  return 0;
}
