// Stand-in for <aws/sqs/model/ReceiveMessageResult.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSVector.h>
#include <aws/sqs/model/Message.h>

namespace Aws
{
namespace SQS
{
namespace Model
{
  class ReceiveMessageResult
  {
  public:
    ReceiveMessageResult() = default;
    inline const Aws::Vector<Message>& GetMessages() const { return m_messages; }
  private:
    Aws::Vector<Message> m_messages;
  };
} // namespace Model
} // namespace SQS
} // namespace Aws
