// Stand-in for <aws/sqs/model/SendMessageRequest.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class SendMessageRequest
  {
  public:
    SendMessageRequest() = default;
    inline void SetQueueUrl(const Aws::String& value) { m_queueUrl = value; }
    inline SendMessageRequest& WithQueueUrl(const Aws::String& value) { SetQueueUrl(value); return *this; }
    inline void SetMessageBody(const Aws::String& value) { m_messageBody = value; }
    inline SendMessageRequest& WithMessageBody(const Aws::String& value) { SetMessageBody(value); return *this; }
  private:
    Aws::String m_queueUrl;
    Aws::String m_messageBody;
  };
} // namespace Model
} // namespace SQS
} // namespace Aws
