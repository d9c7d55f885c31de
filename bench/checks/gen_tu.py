#!/usr/bin/env python3
"""Generates a large handler TU (default 5,000 lines) that includes real library
headers (hiredis, libpq, curl, rdkafka) and the AWS stand-ins: many helpers, a
handler calling them in chains, and some client constructions."""
import sys

lines = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
out = open(sys.argv[1], "w")
w = out.write
w("""#include <aws/core/Aws.h>
#include <aws/dynamodb/DynamoDBClient.h>
#include <aws/lambda-runtime/runtime.h>
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>
using namespace aws::lambda_runtime;
""")
n = 0
count = 15
while count < lines - 20:
    w(f"""
static int helper_{n}(const std::string &in, std::map<std::string, int> &acc) {{
  int total = 0;
  for (size_t i = 0; i < in.size(); ++i) {{
    total += static_cast<int>(in[i]) * {n % 7 + 1};
    if (total % 3 == 0) acc[in.substr(0, i % 5)] += total;
  }}
  std::vector<int> v(static_cast<size_t>({n % 11 + 1}), total);
  for (int x : v) total ^= x;
""")
    count += 10
    if n % 25 == 0:
        w(f"""  if (total == {n}) {{ redisContext *c = redisConnect("127.0.0.1", 6379); redisFree(c); }}
  if (total == {n + 1}) {{ CURL *h = curl_easy_init(); curl_easy_cleanup(h); }}
""")
        count += 2
    if n > 0:
        w(f"  total += helper_{n - 1}(in, acc) % 13;\n" if n % 4 == 0 else "")
        count += 1 if n % 4 == 0 else 0
    w("  return total;\n}\n")
    count += 2
    n += 1
w("""
invocation_response handler(invocation_request const &req) {
  std::map<std::string, int> acc;
  int total = 0;
""")
for i in range(0, n, 4):
    w(f"  total += helper_{i}(req.payload, acc);\n")
w("""  Aws::DynamoDB::DynamoDBClient db;
  return invocation_response::success(std::to_string(total), "text/plain");
}

int main() { run_handler(handler); }
""")
out.close()
