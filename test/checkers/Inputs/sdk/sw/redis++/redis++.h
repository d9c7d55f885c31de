// Stand-in for <sw/redis++/redis++.h> (redis-plus-plus 1.3.15): declarations mirror the real header; bodies are not the SDK's.
#ifndef SEWENEW_REDISPLUSPLUS_REDISPLUSPLUS_H
#define SEWENEW_REDISPLUSPLUS_REDISPLUSPLUS_H

// The real header also includes queued_redis.h and sentinel.h; the stand-in has only these.
#include "sw/redis++/redis.h"
#include "sw/redis++/redis_cluster.h"

#endif // end SEWENEW_REDISPLUSPLUS_REDISPLUSPLUS_H
