// Stand-in for <aws/dynamodb/model/PutItemResult.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/dynamodb/model/AttributeValue.h>
#include <aws/core/utils/memory/stl/AWSString.h>
#include <aws/core/utils/memory/stl/AWSMap.h>
#include <aws/core/utils/memory/stl/AWSVector.h>

namespace Aws
{
namespace DynamoDB
{
namespace Model
{
  class PutItemResult
  {
  public:
    PutItemResult() = default;
    inline const Aws::Map<Aws::String, AttributeValue>& GetAttributes() const { return m_attributes; }
  private:
    Aws::Map<Aws::String, AttributeValue> m_attributes;
  };
} // namespace Model
} // namespace DynamoDB
} // namespace Aws
