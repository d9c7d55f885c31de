// Stand-in for <aws/dynamodb/model/PutItemRequest.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class PutItemRequest : public DynamoDBRequest
  {
  public:
    PutItemRequest() = default;
    inline virtual const char* GetServiceRequestName() const override { return "PutItem"; }

    inline const Aws::String& GetTableName() const { return m_tableName; }
    inline void SetTableName(const Aws::String& value) { m_tableName = value; }
    inline PutItemRequest& WithTableName(const Aws::String& value) { SetTableName(value); return *this; }

    inline const Aws::Map<Aws::String, AttributeValue>& GetItem() const { return m_map; }
    inline void SetItem(const Aws::Map<Aws::String, AttributeValue>& value) { m_map = value; }
    inline PutItemRequest& AddItem(const Aws::String& key, const AttributeValue& value) { m_map.emplace(key, value); return *this; }
    inline void SetConditionExpression(const Aws::String& value) { m_expression = value; }
  private:
    Aws::String m_tableName;
    Aws::Map<Aws::String, AttributeValue> m_map;
    Aws::String m_expression;
  };
} // namespace Model
} // namespace DynamoDB
} // namespace Aws
