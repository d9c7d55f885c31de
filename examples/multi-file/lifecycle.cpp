#include "orders.h"
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace orders {

static FILE *g_audit;

void open_audit_log() { g_audit = fopen("/tmp/orders-audit.log", "a"); }

void audit(const std::string &line) { fprintf(g_audit, "%s\n", line.c_str()); }

// Defect: the SIGTERM hook exits without flushing the audit log: buffered lines
// are lost at every shutdown (incident 003's class).
static void on_sigterm(int) { _exit(0); }

void install_sigterm_hook() { std::signal(SIGTERM, on_sigterm); }

} // namespace orders
