// A small Lambda function for the CI output tests (test/tool/ci-*.test): the
// handler (handler.cpp, which also registers it) reaches a leak two files
// away through a chain of calls, and builds a client a fix-it can make static.
#pragma once
#include <aws/lambda-runtime/runtime.h>
#include <string>

namespace ci {
void step_one(const std::string &s);
void step_two(const std::string &s);
void write_log(const std::string &s);
} // namespace ci
