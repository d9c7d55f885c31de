// Stand-in for <aws/dynamodb/DynamoDBServiceClientModel.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/Outcome.h>
#include <aws/core/client/ClientConfiguration.h>
#include <aws/dynamodb/DynamoDBErrors.h>
#include <aws/dynamodb/model/GetItemResult.h>
#include <aws/dynamodb/model/PutItemResult.h>
#include <aws/dynamodb/model/QueryResult.h>

namespace Aws
{
  namespace DynamoDB
  {
    // Service configuration: derives from the core ClientConfiguration (requestTimeoutMs etc. are the base's fields).
    struct DynamoDBClientConfiguration : public Aws::Client::ClientConfiguration
    {
      DynamoDBClientConfiguration() = default;
      DynamoDBClientConfiguration(const Aws::Client::ClientConfiguration& config) : Aws::Client::ClientConfiguration(config) {}
    };

    class DynamoDBEndpointProviderBase;

    namespace Model
    {
      class GetItemRequest;
      class PutItemRequest;
      class QueryRequest;

      typedef Aws::Utils::Outcome<GetItemResult, DynamoDBError> GetItemOutcome;
      typedef Aws::Utils::Outcome<PutItemResult, DynamoDBError> PutItemOutcome;
      typedef Aws::Utils::Outcome<QueryResult, DynamoDBError> QueryOutcome;
    } // namespace Model
  } // namespace DynamoDB
} // namespace Aws
