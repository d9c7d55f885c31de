// Stand-in for <aws/dynamodb/DynamoDBClient.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/client/ClientConfiguration.h>
#include <aws/core/client/AWSClient.h>
#include <aws/core/auth/AWSCredentials.h>
#include <aws/core/auth/AWSCredentialsProvider.h>
#include <aws/dynamodb/DynamoDBServiceClientModel.h>
#include <aws/dynamodb/model/GetItemRequest.h>
#include <aws/dynamodb/model/PutItemRequest.h>
#include <aws/dynamodb/model/QueryRequest.h>
#include <memory>

namespace Aws
{
namespace DynamoDB
{
  class DynamoDBClient : public Aws::Client::AWSJsonClient
  {
    public:
      typedef Aws::Client::AWSJsonClient BASECLASS;
      static const char* GetServiceName();
      static const char* GetAllocationTag();

      typedef DynamoDBClientConfiguration ClientConfigurationType;

        DynamoDBClient(const Aws::DynamoDB::DynamoDBClientConfiguration& clientConfiguration = Aws::DynamoDB::DynamoDBClientConfiguration(),
                       std::shared_ptr<DynamoDBEndpointProviderBase> endpointProvider = nullptr);

        DynamoDBClient(const Aws::Auth::AWSCredentials& credentials,
                       std::shared_ptr<DynamoDBEndpointProviderBase> endpointProvider = nullptr,
                       const Aws::DynamoDB::DynamoDBClientConfiguration& clientConfiguration = Aws::DynamoDB::DynamoDBClientConfiguration());

        /* Legacy constructors due deprecation */
        DynamoDBClient(const Aws::Client::ClientConfiguration& clientConfiguration);

        DynamoDBClient(const Aws::Auth::AWSCredentials& credentials,
                       const Aws::Client::ClientConfiguration& clientConfiguration);

        DynamoDBClient(const std::shared_ptr<Aws::Auth::AWSCredentialsProvider>& credentialsProvider,
                       const Aws::Client::ClientConfiguration& clientConfiguration);

        virtual ~DynamoDBClient();

        virtual Model::GetItemOutcome GetItem(const Model::GetItemRequest& request) const;
        virtual Model::PutItemOutcome PutItem(const Model::PutItemRequest& request) const;
        virtual Model::QueryOutcome Query(const Model::QueryRequest& request) const;
  };

} // namespace DynamoDB
} // namespace Aws
