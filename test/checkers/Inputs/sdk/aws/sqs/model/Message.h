// Stand-in for <aws/sqs/model/Message.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSString.h>
#include <aws/core/utils/memory/stl/AWSStreamFwd.h>
#include <aws/core/utils/memory/stl/AWSVector.h>
#include <memory>

namespace Aws
{
namespace SQS
{
namespace Model
{
  class Message
  {
  public:
    Message() = default;
    inline const Aws::String& GetBody() const { return m_body; }
    inline const Aws::String& GetReceiptHandle() const { return m_receiptHandle; }
  private:
    Aws::String m_body;
    Aws::String m_receiptHandle;
  };
} // namespace Model
} // namespace SQS
} // namespace Aws
