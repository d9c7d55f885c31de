#include "app.h"

namespace app {
void rare_export(const std::string &payload) {
  FILE *out = std::fopen("/dev/null", "w"); // RARE-SITE
  if (!out)
    return;
  std::fputs(payload.c_str(), out); // fclose is missing
}
} // namespace app
