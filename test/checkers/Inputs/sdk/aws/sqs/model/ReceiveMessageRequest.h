// Stand-in for <aws/sqs/model/ReceiveMessageRequest.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class ReceiveMessageRequest
  {
  public:
    ReceiveMessageRequest() = default;
    inline void SetQueueUrl(const Aws::String& value) { m_queueUrl = value; }
    inline void SetMaxNumberOfMessages(int value) { m_maxNumberOfMessages = value; }
    // Long polling: the server holds the request up to this many seconds (max 20).
    inline void SetWaitTimeSeconds(int value) { m_waitTimeSeconds = value; }
    inline void SetVisibilityTimeout(int value) { m_visibilityTimeout = value; }
  private:
    Aws::String m_queueUrl;
    int m_maxNumberOfMessages = 0;
    int m_waitTimeSeconds = 0;
    int m_visibilityTimeout = 0;
  };
} // namespace Model
} // namespace SQS
} // namespace Aws
