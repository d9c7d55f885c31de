// Resources acquired by a helper in one TU (open.cpp), released by a helper
// in another (close.cpp), used by the handler in a third (handler.cpp).
#pragma once
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>
#include <string>

namespace files {
FILE *open_log(const char *path);                 // open.cpp: a fresh FILE* (or null)
int open_socket();                                // open.cpp: a fresh descriptor
FILE *shared_log();                               // open.cpp: NOT fresh (a static)
void close_log(FILE *f);                          // close.cpp: releases its argument
void log_line(FILE *f, const std::string &line);  // close.cpp: writes, does not release
void close_maybe(FILE *f, bool really);           // close.cpp: releases on one path only
} // namespace files

// Declared, defined by no TU of the program: what it does is unknown.
void external_sink(FILE *f);

aws::lambda_runtime::invocation_response handler(aws::lambda_runtime::invocation_request const &req);
