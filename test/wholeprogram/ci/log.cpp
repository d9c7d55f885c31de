#include "ci.h"
#include <cstdio>

namespace ci {

void write_log(const std::string &s) {
  FILE *f = fopen("/tmp/ci.log", "a");
  if (!f)
    return;
  fputs(s.c_str(), f);
}

} // namespace ci
