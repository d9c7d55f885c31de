#include "io.h"

namespace files {

void close_log(FILE *f) { fclose(f); }

void log_line(FILE *f, const std::string &line) { fputs(line.c_str(), f); }

void close_maybe(FILE *f, bool really) {
  if (really)
    fclose(f);
}

} // namespace files
