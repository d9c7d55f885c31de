#include "app.h"
#include <cstdio>

namespace app {

void write_audit(const std::string &line) {
  FILE *f = fopen("/tmp/audit.log", "a");
  if (!f)
    return;
  fputs(line.c_str(), f);
}

void write_audit_closed(const std::string &line) {
  FILE *f = fopen("/tmp/audit.log", "a");
  if (!f)
    return;
  fputs(line.c_str(), f);
  fclose(f);
}

// Reached only from main through nothing: not in handler scope.
void unused_leak() {
  FILE *f = fopen("/tmp/x", "r");
  (void)f;
}

} // namespace app
