// Stand-in for <sw/redis++/connection.h> (redis-plus-plus 1.3.15): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <chrono>
#include <string>

namespace sw {

namespace redis {

enum class ConnectionType {
    TCP = 0,
    UNIX
};

struct ConnectionOptions {
    ConnectionOptions() = default;

    ConnectionOptions(const ConnectionOptions &) = default;
    ConnectionOptions& operator=(const ConnectionOptions &) = default;

    ConnectionOptions(ConnectionOptions &&) = default;
    ConnectionOptions& operator=(ConnectionOptions &&) = default;

    ~ConnectionOptions() = default;

    ConnectionType type = ConnectionType::TCP;

    std::string host;

    int port = 6379;

    std::string path;

    std::string user = "default";

    std::string password;

    int db = 0;

    bool keep_alive = false;

    // 0 means no timeout.
    std::chrono::milliseconds connect_timeout{0};

    std::chrono::milliseconds socket_timeout{0};

    bool readonly = false;

    int resp = 2;

    std::string name;
};

}

}
