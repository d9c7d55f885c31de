// Stand-in for <hiredis/adapters/libevent.h> (libevent-dev is not installed
// for the tests): the declaration the model's ownership_transfer names.
#ifndef SERVERLESS_STANDIN_HIREDIS_LIBEVENT_H
#define SERVERLESS_STANDIN_HIREDIS_LIBEVENT_H
#include <hiredis/async.h>
struct event_base;
extern "C" int redisLibeventAttach(redisAsyncContext *ac, struct event_base *base);
#endif
