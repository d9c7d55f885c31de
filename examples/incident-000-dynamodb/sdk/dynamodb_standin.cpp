// The parts of aws-sdk-cpp this example calls, for running it without the
// SDK (Debian does not package it): bodies for the declarations of the
// stand-in headers in test/checkers/Inputs/sdk. Like the SDK's
// CurlHttpClient, a client owns its connection pool: a libcurl easy handle
// made when the client is constructed (curl_easy_init opens no socket), a
// connection opened at the first request (curl_easy_perform) and kept alive
// for the next ones, closed when the client is destroyed. GetItem is an HTTP
// POST of the DynamoDB JSON protocol to ClientConfiguration::endpointOverride
// (here a loopback endpoint standing in for DynamoDB), with the SDK's default
// timeouts (connect 1 s, request 3 s).
//
// Built without debug information, like an installed SDK: its frames are
// not the user's code.
#include <aws/core/Aws.h>
#include <aws/dynamodb/DynamoDBClient.h>

#include <curl/curl.h>

#include <map>
#include <mutex>

namespace {
std::mutex Lock;
std::map<const Aws::Client::AWSClient *, CURL *> Pools;
std::map<const Aws::Client::AWSClient *, Aws::String> Endpoints;

size_t discard(char *, size_t Size, size_t N, void *) { return Size * N; }
} // namespace

namespace Aws {
void InitAPI(const SDKOptions &) { curl_global_init(CURL_GLOBAL_DEFAULT); }
void ShutdownAPI(const SDKOptions &) { curl_global_cleanup(); }

namespace Client {
ClientConfiguration::ClientConfiguration() : scheme(Aws::Http::Scheme::HTTPS), requestTimeoutMs(3000) {}

AWSClient::AWSClient(const ClientConfiguration &Config) {
  std::lock_guard<std::mutex> G(Lock);
  Pools[this] = curl_easy_init();
  Endpoints[this] = Config.endpointOverride;
}
AWSClient::~AWSClient() {
  std::lock_guard<std::mutex> G(Lock);
  curl_easy_cleanup(Pools[this]);
  Pools.erase(this);
  Endpoints.erase(this);
}
AWSJsonClient::AWSJsonClient(const ClientConfiguration &Config) : AWSClient(Config) {}
} // namespace Client

namespace DynamoDB {
DynamoDBClient::DynamoDBClient(const Aws::Client::ClientConfiguration &Config) : AWSJsonClient(Config) {}
DynamoDBClient::~DynamoDBClient() = default;

Model::GetItemOutcome DynamoDBClient::GetItem(const Model::GetItemRequest &Request) const {
  CURL *H;
  Aws::String Url;
  {
    std::lock_guard<std::mutex> G(Lock);
    H = Pools[this];
    Url = Endpoints[this];
  }
  if (!H || Url.empty())
    return Model::GetItemOutcome(DynamoDBError());
  Aws::String Body = "{\"TableName\":\"" + Request.GetTableName() + "\",\"Key\":{}}";
  struct curl_slist *Headers = curl_slist_append(nullptr, "Content-Type: application/x-amz-json-1.0");
  Headers = curl_slist_append(Headers, "X-Amz-Target: DynamoDB_20120810.GetItem");
  curl_easy_setopt(H, CURLOPT_URL, Url.c_str());
  curl_easy_setopt(H, CURLOPT_HTTPHEADER, Headers);
  curl_easy_setopt(H, CURLOPT_POSTFIELDS, Body.c_str());
  curl_easy_setopt(H, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(H, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  curl_easy_setopt(H, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(H, CURLOPT_NOSIGNAL, 1L);
  CURLcode Rc = curl_easy_perform(H);
  long Status = 0;
  curl_easy_getinfo(H, CURLINFO_RESPONSE_CODE, &Status);
  curl_easy_setopt(H, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(Headers);
  if (Rc != CURLE_OK || Status != 200)
    return Model::GetItemOutcome(DynamoDBError());
  return Model::GetItemOutcome(Model::GetItemResult());
}
Model::PutItemOutcome DynamoDBClient::PutItem(const Model::PutItemRequest &) const {
  return Model::PutItemOutcome(DynamoDBError()); // not used by the example
}
Model::QueryOutcome DynamoDBClient::Query(const Model::QueryRequest &) const {
  return Model::QueryOutcome(DynamoDBError()); // not used by the example
}
} // namespace DynamoDB
} // namespace Aws
