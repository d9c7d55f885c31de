// Stand-in for <aws/core/auth/AWSCredentialsProvider.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/auth/AWSCredentials.h>

namespace Aws
{
    namespace Auth
    {
        class AWSCredentialsProvider
        {
        public:
            virtual ~AWSCredentialsProvider() = default;
            virtual AWSCredentials GetAWSCredentials() = 0;
        };
    } // namespace Auth
} // namespace Aws
