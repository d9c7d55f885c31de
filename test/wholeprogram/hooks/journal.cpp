#include "app.h"

FILE *g_journal;

void open_journal() { g_journal = fopen("/tmp/journal", "a"); }
