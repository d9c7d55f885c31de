// Stand-in for <aws/core/auth/AWSCredentials.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSString.h>

namespace Aws
{
    namespace Auth
    {
        class AWSCredentials
        {
        public:
            AWSCredentials() = default;
            AWSCredentials(const Aws::String& accessKeyId, const Aws::String& secretKey);
            AWSCredentials(const Aws::String& accessKeyId, const Aws::String& secretKey, const Aws::String& sessionToken);
            inline const Aws::String& GetAWSAccessKeyId() const { return m_accessKeyId; }
        private:
            Aws::String m_accessKeyId;
            Aws::String m_secretKey;
            Aws::String m_sessionToken;
        };
    } // namespace Auth
} // namespace Aws
