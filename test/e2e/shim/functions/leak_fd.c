/* Leaks one fd per invocation (incident 003's config file). */
#include "mini_runtime.h"
#include <fcntl.h>

static const char *handler(const char *event) {
  int fd = open("/etc/hostname", O_RDONLY); /* LEAK-SITE: never closed */
  (void)fd;
  return "{\"ok\":true}";
}
int main(void) { return rt_run(handler); }
