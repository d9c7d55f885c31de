// The example function: main.cpp registers the handler defined in handler.cpp, which
// stores orders (store.cpp) and notifies a webhook (notify.cpp); lifecycle.cpp opens the
// audit log at init and installs the SIGTERM hook.
#pragma once
#include <aws/lambda-runtime/runtime.h>
#include <string>

namespace orders {
aws::lambda_runtime::invocation_response handle(aws::lambda_runtime::invocation_request const &req);
bool save(const std::string &order);                  // store.cpp
void notify(const std::string &order, long budget_ms); // notify.cpp
void open_audit_log();                                // lifecycle.cpp
void audit(const std::string &line);                  // lifecycle.cpp
void install_sigterm_hook();                          // lifecycle.cpp
} // namespace orders
