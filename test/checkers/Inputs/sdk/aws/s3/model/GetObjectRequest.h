// Stand-in for <aws/s3/model/GetObjectRequest.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class GetObjectRequest
  {
  public:
    GetObjectRequest() = default;
    inline const Aws::String& GetBucket() const { return m_bucket; }
    inline void SetBucket(const Aws::String& value) { m_bucket = value; }
    inline GetObjectRequest& WithBucket(const Aws::String& value) { SetBucket(value); return *this; }
    inline const Aws::String& GetKey() const { return m_key; }
    inline void SetKey(const Aws::String& value) { m_key = value; }
    inline GetObjectRequest& WithKey(const Aws::String& value) { SetKey(value); return *this; }
    inline void SetRange(const Aws::String& value) { m_range = value; }
  private:
    Aws::String m_bucket;
    Aws::String m_key;
    Aws::String m_range;
  };
} // namespace Model
} // namespace S3
} // namespace Aws
