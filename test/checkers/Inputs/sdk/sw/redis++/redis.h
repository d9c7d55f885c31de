// Stand-in for <sw/redis++/redis.h> (redis-plus-plus 1.3.15): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include "sw/redis++/connection.h"
#include "sw/redis++/connection_pool.h"
#include "sw/redis++/command_options.h"
#include "sw/redis++/utils.h"
#include "sw/redis++/errors.h"

namespace sw {

namespace redis {

class Redis {
public:
    explicit Redis(const ConnectionOptions &connection_opts,
            const ConnectionPoolOptions &pool_opts = {}) : _pool(nullptr) { (void)connection_opts; (void)pool_opts; }

    // Construct Redis instance with URI:
    // "tcp://127.0.0.1", "tcp://127.0.0.1:6379?socket_timeout=50ms&connect_timeout=1s"
    explicit Redis(const std::string &uri) : _pool(nullptr) { (void)uri; }

    Redis(const Redis &) = delete;
    Redis& operator=(const Redis &) = delete;

    Redis(Redis &&) = default;
    Redis& operator=(Redis &&) = default;

    ~Redis() = default;

    std::string ping();

    long long del(const StringView &key);

    long long exists(const StringView &key);

    bool expire(const StringView &key, long long timeout);

    bool expire(const StringView &key, const std::chrono::seconds &timeout);

    OptionalString get(const StringView &key);

    long long incr(const StringView &key);

    bool set(const StringView &key,
                const StringView &val,
                const std::chrono::milliseconds &ttl = std::chrono::milliseconds(0),
                UpdateType type = UpdateType::ALWAYS);

    bool set(const StringView &key,
                const StringView &val,
                bool keepttl,
                UpdateType type = UpdateType::ALWAYS);

    OptionalString hget(const StringView &key, const StringView &field);

    bool hset(const StringView &key, const StringView &field, const StringView &val);

    long long lpush(const StringView &key, const StringView &val);

    OptionalString rpop(const StringView &key);

    long long publish(const StringView &channel, const StringView &message);

private:
    std::shared_ptr<ConnectionPool> _pool;
};

}

}
