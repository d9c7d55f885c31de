// A five-file Lambda function: main.cpp registers the handler (handler.cpp);
// the clients, connections, blocking calls and the SIGTERM hook live in the
// other files. Every EXPECT line in the test names one finding of the whole
// program; the per-TU run must not report what it cannot know.
#pragma once
#include <aws/lambda-runtime/runtime.h>
#include <string>

struct redisContext;
namespace app {
aws::lambda_runtime::invocation_response handler(aws::lambda_runtime::invocation_request const &req);
// db.cpp
void init_db();
void record_order(const std::string &order);
// cache.cpp
std::string cache_get(const std::string &key);
redisContext *shared_cache();
redisContext *lazy_cache();
std::string cache_get_once(const std::string &key);
// http.cpp
std::string fetch_price(const std::string &sku);
// audit.cpp
void write_audit(const std::string &line);
void write_audit_closed(const std::string &line);
// shutdown.cpp
void install_shutdown();
void publish(const std::string &event);
class Recorder {
public:
  Recorder();
  void record(const std::string &line);
};
} // namespace app
