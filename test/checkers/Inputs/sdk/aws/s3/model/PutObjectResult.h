// Stand-in for <aws/s3/model/PutObjectResult.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
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
  class PutObjectResult
  {
  public:
    PutObjectResult() = default;
    inline const Aws::String& GetETag() const { return m_eTag; }
  private:
    Aws::String m_eTag;
  };
} // namespace Model
} // namespace S3
} // namespace Aws
