#pragma once
#include <curl/curl.h>

namespace app {
CURL *make_client(const char *url);
long send(CURL *client);
} // namespace app
