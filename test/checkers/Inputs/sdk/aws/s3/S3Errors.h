// Stand-in for <aws/s3/S3Errors.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/client/AWSError.h>

namespace Aws
{
namespace S3
{
enum class S3Errors
{
  INCOMPLETE_SIGNATURE = 0,
  INTERNAL_FAILURE,
  THROTTLING,
  REQUEST_TIMEOUT,
  NO_SUCH_BUCKET,
  NO_SUCH_KEY
};

class S3Error : public Aws::Client::AWSError<S3Errors>
{
public:
  S3Error() {}
  S3Error(const Aws::Client::AWSError<S3Errors>& rhs) : Aws::Client::AWSError<S3Errors>(rhs) {}
};
} // namespace S3
} // namespace Aws
