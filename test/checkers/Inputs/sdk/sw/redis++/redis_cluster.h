// Stand-in for <sw/redis++/redis_cluster.h> (redis-plus-plus 1.3.15): declarations mirror the real header; bodies are not the SDK's.
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

class ShardsPool;

struct ClusterOptions {
    std::chrono::milliseconds slot_map_refresh_interval = std::chrono::seconds(10);
};

class RedisCluster {
public:
    explicit RedisCluster(const ConnectionOptions &connection_opts,
                    const ConnectionPoolOptions &pool_opts = {},
                    Role role = Role::MASTER,
                    const ClusterOptions &cluster_opts = {}) : _pool(nullptr) { (void)connection_opts; (void)pool_opts; (void)role; (void)cluster_opts; }

    explicit RedisCluster(const std::string &uri) : _pool(nullptr) { (void)uri; }

    RedisCluster(const RedisCluster &) = delete;
    RedisCluster& operator=(const RedisCluster &) = delete;

    RedisCluster(RedisCluster &&) = default;
    RedisCluster& operator=(RedisCluster &&) = default;

    ~RedisCluster() = default;


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
    std::shared_ptr<ShardsPool> _pool;
};

}

}
