//===--- ResourceKind.cpp - Static kind words and runtime kinds -----------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Core/ResourceKind.h"

#include <algorithm>

namespace serverless::core {

const std::vector<ResourceKind> &resourceKinds() {
  // Shim kinds (lib/Shim/LedgerReader.cpp kindName): file dir tcp udp unix
  // socket pipe epoll eventfd signalfd timerfd stream memfd device.
  static const std::vector<ResourceKind> Table = {
      {"FILE", {"stream", "file"}, true, "a stdio stream: fopen opens a descriptor"},
      {"DIR", {"dir"}, true, "a directory stream: opendir opens a descriptor"},
      {"fd", {"file", "dir", "tcp", "udp", "unix", "socket", "pipe", "epoll", "eventfd", "signalfd",
              "timerfd", "memfd", "device", "stream"}, true, "a raw descriptor"},
      {"socket", {"tcp", "udp", "unix", "socket"}, true, "a socket descriptor"},
      {"fd-pair", {"pipe", "unix", "socket"}, true, "pipe or socketpair"},
      {"pipe-stream", {"stream", "pipe"}, true, "popen: a pipe and a child"},
      {"redis-connection", {"tcp", "unix"}, true, "hiredis connects before redisConnect returns"},
      {"redis-async-connection", {"tcp", "unix"}, true, "hiredis starts the connect in redisAsyncConnect"},
      {"postgres-connection", {"tcp", "unix"}, true, "libpq connects before PQconnectdb returns"},
      {"http-client", {"tcp", "unix"}, false, "libcurl connects in curl_easy_perform, not at curl_easy_init"},
      {"aws-client", {"tcp"}, false, "the AWS SDK connects at the first request"},
      {"grpc-channel", {"tcp", "unix"}, false, "gRPC connects lazily, from its own threads"},
      {"kafka-producer", {"tcp"}, false, "librdkafka connects from its broker threads"},
      {"kafka-consumer", {"tcp"}, false, "librdkafka connects from its broker threads"},
      {"kafka-client", {"tcp"}, false, "librdkafka connects from its broker threads"},
      {"mongo-client", {"tcp", "unix"}, false, "libmongoc connects at the first operation"},
      {"mongo-pool", {"tcp", "unix"}, false, "libmongoc connects at the first operation"},
      {"mongo-pooled-client", {"tcp", "unix"}, false, "libmongoc connects at the first operation"},
      {"lambda-runtime-client", {"tcp"}, false, "the Runtime API connection (the runtime's own)"},
      {"curl-multi", {"tcp", "unix"}, false, "libcurl connects in curl_multi_perform"},
      {"aws-sdk", {}, false, "process-global SDK state (Aws::InitAPI): no descriptor of its own"},
      {"addrinfo", {}, false, "memory only"},
      {"pg-result", {}, false, "memory only"},
      {"redis-reply", {}, false, "memory only"},
      {"kafka-message", {}, false, "memory only"},
      {"kafka-conf", {}, false, "memory only"},
      {"kafka-topic", {}, false, "memory only"},
      {"kafka-topic-conf", {}, false, "memory only"},
      {"curl-slist", {}, false, "memory only"},
      {"curl-mime", {}, false, "memory only"},
      {"curl-url", {}, false, "memory only"},
      {"curl-share", {}, false, "memory only"},
      {"mongo-uri", {}, false, "memory only"},
      {"mongo-collection", {}, false, "memory only"},
      {"mongo-cursor", {}, false, "memory only (its connection belongs to the client)"},
  };
  return Table;
}

const ResourceKind *resourceKind(std::string_view StaticKind) {
  for (const ResourceKind &K : resourceKinds())
    if (K.Static == StaticKind)
      return &K;
  return nullptr;
}

bool kindsCompatible(std::string_view StaticKind, std::string_view RuntimeKind) {
  const ResourceKind *K = resourceKind(StaticKind);
  if (!K)
    return true;
  return std::find(K->Runtime.begin(), K->Runtime.end(), RuntimeKind) != K->Runtime.end();
}

bool isConnectionKind(std::string_view RuntimeKind) {
  return RuntimeKind == "tcp" || RuntimeKind == "unix" || RuntimeKind == "udp" || RuntimeKind == "socket";
}

} // namespace serverless::core
