/* Loaded with dlopen after start by robust.c. */
#include <fcntl.h>
int plugin_open(void) {
  return open("/etc/hostname", O_RDONLY); /* PLUGIN-SITE */
}
