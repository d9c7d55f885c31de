// Stand-in for <sw/redis++/connection_pool.h> (redis-plus-plus 1.3.15): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <chrono>
#include <cstddef>
#include "sw/redis++/connection.h"

namespace sw {

namespace redis {

struct ConnectionPoolOptions {
    std::size_t size = 1;

    // 0 means wait forever for a free connection.
    std::chrono::milliseconds wait_timeout{0};

    std::chrono::milliseconds connection_lifetime{0};

    std::chrono::milliseconds connection_idle_time{0};
};

class ConnectionPool;

}

}
