// Stand-in for <aws/core/auth/signer/AWSAuthV4Signer.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

namespace Aws
{
    namespace Client
    {
        class AWSAuthV4Signer
        {
        public:
            enum class PayloadSigningPolicy
            {
                RequestDependent,
                Always,
                Never
            };
        };
    } // namespace Client
} // namespace Aws
