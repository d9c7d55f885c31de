// Stand-in for <aws/s3/S3Client.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/client/ClientConfiguration.h>
#include <aws/core/client/AWSClient.h>
#include <aws/core/auth/AWSCredentials.h>
#include <aws/core/auth/signer/AWSAuthV4Signer.h>
#include <aws/s3/S3ServiceClientModel.h>
#include <aws/s3/model/GetObjectRequest.h>
#include <aws/s3/model/PutObjectRequest.h>
#include <memory>

namespace Aws
{
  namespace S3
  {
    class S3Client : public Aws::Client::AWSXMLClient
    {
    public:
        typedef Aws::Client::AWSXMLClient BASECLASS;
        static const char* GetServiceName();
        static const char* GetAllocationTag();

        typedef S3ClientConfiguration ClientConfigurationType;

        S3Client(const Aws::S3::S3ClientConfiguration& clientConfiguration = Aws::S3::S3ClientConfiguration(),
                 std::shared_ptr<S3EndpointProviderBase> endpointProvider = nullptr);

        S3Client(const Aws::Auth::AWSCredentials& credentials,
                 std::shared_ptr<S3EndpointProviderBase> endpointProvider = nullptr,
                 const Aws::S3::S3ClientConfiguration& clientConfiguration = Aws::S3::S3ClientConfiguration());

        /* Legacy constructors due deprecation */
        S3Client(const Aws::Client::ClientConfiguration& clientConfiguration,
                 Aws::Client::AWSAuthV4Signer::PayloadSigningPolicy signPayloads,
                 bool useVirtualAddressing,
                 Aws::S3::US_EAST_1_REGIONAL_ENDPOINT_OPTION USEast1RegionalEndPointOption = Aws::S3::US_EAST_1_REGIONAL_ENDPOINT_OPTION::NOT_SET);

        virtual ~S3Client();

        virtual Model::GetObjectOutcome GetObject(const Model::GetObjectRequest& request) const;
        virtual Model::PutObjectOutcome PutObject(const Model::PutObjectRequest& request) const;
    };
  } // namespace S3
} // namespace Aws
