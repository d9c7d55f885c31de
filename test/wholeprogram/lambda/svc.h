// A std::function handler holding a lambda, in main.cpp; three call levels
// into svc.cpp and util.cpp.
#pragma once
#include <aws/lambda-runtime/runtime.h>
#include <string>

struct redisContext;
namespace svc {
aws::lambda_runtime::invocation_response process(const std::string &payload); // svc.cpp
void step1(const std::string &payload);                                          // svc.cpp
void step2(const std::string &payload);                                          // util.cpp
redisContext *client();                                                          // util.cpp
} // namespace svc
