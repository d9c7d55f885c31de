// Stand-in for <aws/dynamodb/model/AttributeValue.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSString.h>

namespace Aws
{
namespace DynamoDB
{
namespace Model
{
  class AttributeValue
  {
  public:
    AttributeValue() = default;
    AttributeValue(const Aws::String& s) : m_s(s) {}

    const Aws::String& GetS() const { return m_s; }
    AttributeValue& SetS(const Aws::String& s) { m_s = s; return *this; }
    const Aws::String& GetN() const { return m_n; }
    AttributeValue& SetN(const Aws::String& n) { m_n = n; return *this; }
    bool GetBool() const { return m_bool; }
    AttributeValue& SetBool(bool b) { m_bool = b; return *this; }

  private:
    Aws::String m_s;
    Aws::String m_n;
    bool m_bool = false;
  };
} // namespace Model
} // namespace DynamoDB
} // namespace Aws
