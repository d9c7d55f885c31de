// Stand-in for <aws/s3/model/GetObjectResult.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSString.h>
#include <aws/core/utils/memory/stl/AWSStreamFwd.h>
#include <aws/core/utils/memory/stl/AWSVector.h>
#include <memory>

namespace Aws
{
namespace S3
{
namespace Model
{
  class GetObjectResult
  {
  public:
    GetObjectResult() = default;
    inline Aws::IOStream& GetBody() const { return *m_body; }
    inline long long GetContentLength() const { return m_contentLength; }
    inline const Aws::String& GetContentType() const { return m_contentType; }
  private:
    Aws::IOStream* m_body = nullptr;
    long long m_contentLength = 0;
    Aws::String m_contentType;
  };
} // namespace Model
} // namespace S3
} // namespace Aws
