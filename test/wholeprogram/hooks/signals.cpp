#include "app.h"
#include <csignal>
#include <unistd.h>

static void on_term(int) {
  flush_all();
  _exit(0);
}

static void on_int(int) { fflush(g_journal); }

void install_hooks() {
  std::signal(SIGTERM, on_term);
  std::signal(SIGINT, on_int);
}
