// Stand-in for <aws/dynamodb/model/GetItemResult.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class GetItemResult
  {
  public:
    GetItemResult() = default;
    inline const Aws::Map<Aws::String, AttributeValue>& GetItem() const { return m_item; }
  private:
    Aws::Map<Aws::String, AttributeValue> m_item;
  };
} // namespace Model
} // namespace DynamoDB
} // namespace Aws
