// Stand-in for <aws/dynamodb/model/QueryRequest.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/dynamodb/DynamoDBRequest.h>
#include <aws/dynamodb/model/AttributeValue.h>
#include <aws/core/utils/memory/stl/AWSString.h>
#include <aws/core/utils/memory/stl/AWSMap.h>

namespace Aws
{
namespace DynamoDB
{
namespace Model
{
  class QueryRequest : public DynamoDBRequest
  {
  public:
    QueryRequest() = default;
    inline virtual const char* GetServiceRequestName() const override { return "Query"; }

    inline const Aws::String& GetTableName() const { return m_tableName; }
    inline void SetTableName(const Aws::String& value) { m_tableName = value; }
    inline QueryRequest& WithTableName(const Aws::String& value) { SetTableName(value); return *this; }

    inline void SetKeyConditionExpression(const Aws::String& value) { m_expression = value; }
    inline const Aws::Map<Aws::String, AttributeValue>& GetExpressionAttributeValues() const { return m_map; }
    inline void SetExpressionAttributeValues(const Aws::Map<Aws::String, AttributeValue>& value) { m_map = value; }
    inline QueryRequest& AddExpressionAttributeValues(const Aws::String& key, const AttributeValue& value) { m_map.emplace(key, value); return *this; }
    inline void SetIndexName(const Aws::String& value) { m_indexName = value; }
    inline void SetLimit(int value) { m_limit = value; }
    Aws::String m_indexName;
    int m_limit = 0;
  private:
    Aws::String m_tableName;
    Aws::Map<Aws::String, AttributeValue> m_map;
    Aws::String m_expression;
  };
} // namespace Model
} // namespace DynamoDB
} // namespace Aws
