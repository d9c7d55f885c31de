#include "client.h"

namespace app {
long send(CURL *client) {
  if (curl_easy_perform(client) != CURLE_OK) // HANDLE-PERFORM
    return -1;
  long status = 0;
  curl_easy_getinfo(client, CURLINFO_RESPONSE_CODE, &status);
  return status;
}
} // namespace app
