// Stand-in for <aws/s3/S3ServiceClientModel.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/Outcome.h>
#include <aws/core/client/ClientConfiguration.h>
#include <aws/core/auth/signer/AWSAuthV4Signer.h>
#include <aws/s3/S3Errors.h>
#include <aws/s3/model/GetObjectResult.h>
#include <aws/s3/model/PutObjectResult.h>

namespace Aws
{
  namespace S3
  {
    enum class US_EAST_1_REGIONAL_ENDPOINT_OPTION
    {
      NOT_SET,
      LEGACY,
      REGIONAL
    };

    struct S3ClientConfiguration : public Aws::Client::ClientConfiguration
    {
      S3ClientConfiguration() = default;
      S3ClientConfiguration(const Aws::Client::ClientConfiguration& config,
                            Aws::Client::AWSAuthV4Signer::PayloadSigningPolicy payloadSigningPolicy = Aws::Client::AWSAuthV4Signer::PayloadSigningPolicy::Never,
                            bool useVirtualAddressing = true,
                            US_EAST_1_REGIONAL_ENDPOINT_OPTION useUSEast1RegionalEndpointOption = US_EAST_1_REGIONAL_ENDPOINT_OPTION::NOT_SET)
        : Aws::Client::ClientConfiguration(config), useVirtualAddressing(useVirtualAddressing) { (void)payloadSigningPolicy; (void)useUSEast1RegionalEndpointOption; }
      bool useVirtualAddressing = true;
    };

    class S3EndpointProviderBase;

    namespace Model
    {
      class GetObjectRequest;
      class PutObjectRequest;

      typedef Aws::Utils::Outcome<GetObjectResult, S3Error> GetObjectOutcome;
      typedef Aws::Utils::Outcome<PutObjectResult, S3Error> PutObjectOutcome;
    } // namespace Model
  } // namespace S3
} // namespace Aws
