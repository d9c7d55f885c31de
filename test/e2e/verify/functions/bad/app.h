// A small multi-file function for `serverless-tidy verify` (the bad one):
// the handler in main.cpp reaches a redis client per call (cache.cpp), an
// audit log opened through a header helper and never closed (audit.cpp),
// and an export that only runs for events asking for it (rare.cpp); main()
// opens a session connection at init and installs no SIGTERM hook.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace app {
std::string cache_lookup(const std::string &key);
void audit(const std::string &request_id);
void rare_export(const std::string &payload);
long count_orders();
void notify(const std::string &request_id);

inline const char *redis_host() { return "127.0.0.1"; }
inline int redis_port() {
  const char *p = std::getenv("REDIS_PORT");
  return p ? std::atoi(p) : 6379;
}

// The acquisition is on this header line; audit.cpp calls it.
inline FILE *open_audit_log() { return std::fopen("/dev/null", "a"); } // AUDIT-OPEN
} // namespace app
