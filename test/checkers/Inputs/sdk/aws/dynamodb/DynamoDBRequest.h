// Stand-in for <aws/dynamodb/DynamoDBRequest.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSString.h>

namespace Aws
{
namespace DynamoDB
{
  class DynamoDBRequest
  {
  public:
    virtual ~DynamoDBRequest() = default;
    virtual const char* GetServiceRequestName() const = 0;
  };
} // namespace DynamoDB
} // namespace Aws
