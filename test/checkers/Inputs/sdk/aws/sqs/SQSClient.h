// Stand-in for <aws/sqs/SQSClient.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/client/ClientConfiguration.h>
#include <aws/core/client/AWSClient.h>
#include <aws/core/client/AWSError.h>
#include <aws/core/auth/AWSCredentials.h>
#include <aws/core/utils/Outcome.h>
#include <aws/sqs/model/SendMessageRequest.h>
#include <aws/sqs/model/SendMessageResult.h>
#include <aws/sqs/model/ReceiveMessageRequest.h>
#include <aws/sqs/model/ReceiveMessageResult.h>
#include <memory>

namespace Aws
{
namespace SQS
{
  // In the real SDK these live in SQSErrors.h / SQSServiceClientModel.h.
  enum class SQSErrors { INCOMPLETE_SIGNATURE = 0, INTERNAL_FAILURE, THROTTLING, QUEUE_DOES_NOT_EXIST };
  class SQSError : public Aws::Client::AWSError<SQSErrors>
  {
  public:
    SQSError() {}
  };
  struct SQSClientConfiguration : public Aws::Client::ClientConfiguration
  {
    SQSClientConfiguration() = default;
    SQSClientConfiguration(const Aws::Client::ClientConfiguration& config) : Aws::Client::ClientConfiguration(config) {}
  };
  class SQSEndpointProviderBase;
  namespace Model
  {
    typedef Aws::Utils::Outcome<SendMessageResult, SQSError> SendMessageOutcome;
    typedef Aws::Utils::Outcome<ReceiveMessageResult, SQSError> ReceiveMessageOutcome;
  } // namespace Model

  class SQSClient : public Aws::Client::AWSJsonClient
  {
    public:
      typedef Aws::Client::AWSJsonClient BASECLASS;
      static const char* GetServiceName();
      static const char* GetAllocationTag();

      typedef SQSClientConfiguration ClientConfigurationType;

        SQSClient(const Aws::SQS::SQSClientConfiguration& clientConfiguration = Aws::SQS::SQSClientConfiguration(),
                  std::shared_ptr<SQSEndpointProviderBase> endpointProvider = nullptr);

        /* Legacy constructors due deprecation */
        SQSClient(const Aws::Client::ClientConfiguration& clientConfiguration);

        SQSClient(const Aws::Auth::AWSCredentials& credentials,
                  const Aws::Client::ClientConfiguration& clientConfiguration);

        virtual ~SQSClient();

        virtual Model::SendMessageOutcome SendMessage(const Model::SendMessageRequest& request) const;
        virtual Model::ReceiveMessageOutcome ReceiveMessage(const Model::ReceiveMessageRequest& request) const;
  };
} // namespace SQS
} // namespace Aws
