// Stand-in for <aws/dynamodb/model/QueryResult.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class QueryResult
  {
  public:
    QueryResult() = default;
    inline const Aws::Vector<Aws::Map<Aws::String, AttributeValue>>& GetItems() const { return m_items; }
    inline int GetCount() const { return m_count; }
  private:
    Aws::Vector<Aws::Map<Aws::String, AttributeValue>> m_items;
    int m_count = 0;
  };
} // namespace Model
} // namespace DynamoDB
} // namespace Aws
