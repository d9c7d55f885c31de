// Stand-in for <aws/core/client/AWSClient.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/client/ClientConfiguration.h>

namespace Aws
{
    namespace Client
    {
        // Base of every service client: owns the HTTP client (connection pool) and the signer.
        class AWSClient
        {
        public:
            AWSClient(const Aws::Client::ClientConfiguration& configuration);
            virtual ~AWSClient();
        };

        class AWSJsonClient : public AWSClient
        {
        public:
            typedef AWSClient BASECLASS;
            AWSJsonClient(const Aws::Client::ClientConfiguration& configuration);
            virtual ~AWSJsonClient() = default;
        };

        class AWSXMLClient : public AWSClient
        {
        public:
            typedef AWSClient BASECLASS;
            AWSXMLClient(const Aws::Client::ClientConfiguration& configuration);
            virtual ~AWSXMLClient() = default;
        };
    } // namespace Client
} // namespace Aws
