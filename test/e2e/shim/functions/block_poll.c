/* Blocks past the deadline: in poll() on a redis socket that never answers
 * (BLOCK_MODE=poll), or on a condition variable nobody signals, like a Kafka
 * flush waiting inside librdkafka (BLOCK_MODE=cond; incident 004). */
#include "mini_runtime.h"
#include <poll.h>
#include <pthread.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void wait_for_flush(void) {
  pthread_mutex_lock(&mu);
  pthread_cond_wait(&cv, &mu); /* COND-SITE */
  pthread_mutex_unlock(&mu);
}

static const char *handler(const char *event) {
  if (!strcmp(getenv("BLOCK_MODE") ? getenv("BLOCK_MODE") : "poll", "cond")) {
    wait_for_flush();
    return "{}";
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(atoi(getenv("REDIS_PORT")));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  connect(s, (struct sockaddr *)&a, sizeof a);
  struct pollfd p = {s, POLLIN, 0};
  int r = poll(&p, 1, 20000); /* POLL-SITE: redis sends nothing unasked */
  close(s);
  return r == 0 ? "{\"timeout\":true}" : "{}";
}
int main(void) { return rt_run(handler); }
