#include "app.h"

namespace app {
void audit(const std::string &request_id) {
  FILE *log = open_audit_log();
  if (!log)
    return;
  std::fprintf(log, "invoked %s\n", request_id.c_str());
  std::fclose(log);
}
} // namespace app
