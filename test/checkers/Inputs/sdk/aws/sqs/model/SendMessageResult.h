// Stand-in for <aws/sqs/model/SendMessageResult.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class SendMessageResult
  {
  public:
    SendMessageResult() = default;
    inline const Aws::String& GetMessageId() const { return m_messageId; }
  private:
    Aws::String m_messageId;
  };
} // namespace Model
} // namespace SQS
} // namespace Aws
