// Stand-in for <aws/dynamodb/DynamoDBErrors.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/client/AWSError.h>

namespace Aws
{
namespace DynamoDB
{
enum class DynamoDBErrors
{
  INCOMPLETE_SIGNATURE = 0,
  INTERNAL_FAILURE,
  THROTTLING,
  SERVICE_UNAVAILABLE,
  REQUEST_TIMEOUT,
  CONDITIONAL_CHECK_FAILED,
  PROVISIONED_THROUGHPUT_EXCEEDED,
  RESOURCE_NOT_FOUND
};

class DynamoDBError : public Aws::Client::AWSError<DynamoDBErrors>
{
public:
  DynamoDBError() {}
  DynamoDBError(const Aws::Client::AWSError<DynamoDBErrors>& rhs) : Aws::Client::AWSError<DynamoDBErrors>(rhs) {}
};
} // namespace DynamoDB
} // namespace Aws
