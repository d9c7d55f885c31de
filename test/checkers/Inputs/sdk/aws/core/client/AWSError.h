// Stand-in for <aws/core/client/AWSError.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSString.h>

namespace Aws
{
    namespace Client
    {
        template<typename ERROR_TYPE>
        class AWSError
        {
        public:
            AWSError() : m_errorType(), m_isRetryable(false) {}
            AWSError(ERROR_TYPE errorType, bool isRetryable) : m_errorType(errorType), m_isRetryable(isRetryable) {}

            inline const ERROR_TYPE GetErrorType() const { return m_errorType; }
            inline const Aws::String& GetExceptionName() const { return m_exceptionName; }
            inline const Aws::String& GetMessage() const { return m_message; }
            inline bool ShouldRetry() const { return m_isRetryable; }

        private:
            ERROR_TYPE m_errorType;
            Aws::String m_exceptionName;
            Aws::String m_message;
            bool m_isRetryable;
        };
    } // namespace Client
} // namespace Aws
