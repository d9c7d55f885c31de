/* A ledger that fills up (run with SERVERLESS_SHIM_CAPACITY=1024):
 * invocation 1 opens a file it keeps (HELD-SITE), invocation 2 opens and
 * closes /dev/null EVENTS times (default 3000: 6,000 records, past the
 * capacity), invocation 3 closes the held file. Nothing is leaked: with the
 * closes dropped, a reader that trusted the ledger would report the held
 * file open at SIGTERM and a growth. */
#include "mini_runtime.h"
#include <fcntl.h>

static int held = -1;
static int n;

static const char *handler(const char *event) {
  ++n;
  if (n == 1)
    held = open("/etc/hostname", O_RDONLY); /* HELD-SITE: closed in invocation 3 */
  if (n == 2) {
    const char *e = getenv("EVENTS");
    int events = e ? atoi(e) : 3000;
    for (int i = 0; i < events; i++)
      close(open("/dev/null", O_RDONLY));
  }
  if (n == 3 && held >= 0) {
    close(held);
    held = -1;
  }
  return "{\"ok\":true}";
}
int main(void) { return rt_run(handler); }
