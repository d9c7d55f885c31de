// Stand-in for <aws/s3/model/PutObjectRequest.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class PutObjectRequest
  {
  public:
    PutObjectRequest() = default;
    inline void SetBucket(const Aws::String& value) { m_bucket = value; }
    inline PutObjectRequest& WithBucket(const Aws::String& value) { SetBucket(value); return *this; }
    inline void SetKey(const Aws::String& value) { m_key = value; }
    inline PutObjectRequest& WithKey(const Aws::String& value) { SetKey(value); return *this; }
    inline void SetBody(const std::shared_ptr<Aws::IOStream>& body) { m_body = body; }
    inline void SetContentType(const Aws::String& value) { m_contentType = value; }
  private:
    Aws::String m_bucket;
    Aws::String m_key;
    std::shared_ptr<Aws::IOStream> m_body;
    Aws::String m_contentType;
  };
} // namespace Model
} // namespace S3
} // namespace Aws
