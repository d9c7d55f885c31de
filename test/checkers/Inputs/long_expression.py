#!/usr/bin/env python3
"""Writes a handler whose body holds expressions of N terms (default 20,000).

Clang parses and analyses these with its own data-recursive traversals; a
RecursiveASTVisitor that overrides TraverseStmt without the data-recursion
queue, or any recursive walk over an expression's children, recurses once
per term and overflows the stack (issue 15, item 8). The handler also
constructs a client per invocation, so a test can tell that the checks ran
to the end. The terms are longs: clang-tidy-19 itself overflows its stack
on a 20,000-term `||` chain, and clang takes 20 s on a sum of 20,000
bools.
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000


def chain(term, op=" + "):
    return op.join([term] * n)


print("""#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>
#include <poll.h>
#include <cstdio>
#include <string>

using namespace aws::lambda_runtime;

static long twice(long v) { return 2 * v; }

invocation_response handler(invocation_request const &req) {
  long x = static_cast<long>(req.payload.size());
  long ms = req.get_time_remaining().count();
  // A sum of terms, a chain of calls, a constant and a derived timeout.
  long sum = %s;
  long calls = %s;
  struct pollfd p = {0, POLLIN, 0};
  poll(&p, 1, %s);
  CURL *h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, %s);
  curl_easy_perform(h);
  curl_easy_cleanup(h);
  std::FILE *f = std::fopen("/tmp/x", "r");
  long fsum = %s;
  std::fclose(f);
  Aws::DynamoDB::DynamoDBClient client;
  return invocation_response::success(std::to_string(sum + calls + fsum), "");
}

int main() { run_handler(handler); }
""" % (chain("x"),
       chain("twice(x)"),
       chain("1"),
       chain("ms") + " / %d" % n,
       chain("std::ftell(f)")))
