// The fixed function: one redis client for the environment (created at
// init, closed by the SIGTERM hook), the audit log and the export closed.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace app {
void cache_open();
void cache_close();
std::string cache_lookup(const std::string &key);
void audit(const std::string &request_id);
void rare_export(const std::string &payload);
long count_orders();
void notify(const std::string &request_id);
void notify_open();
void db_open();
void db_close();

inline const char *redis_host() { return "127.0.0.1"; }
inline int redis_port() {
  const char *p = std::getenv("REDIS_PORT");
  return p ? std::atoi(p) : 6379;
}

inline FILE *open_audit_log() { return std::fopen("/dev/null", "a"); }
} // namespace app
