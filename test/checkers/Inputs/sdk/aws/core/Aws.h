// Stand-in for <aws/core/Aws.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSString.h>
#include <aws/core/utils/memory/AWSMemory.h>

namespace Aws
{
    namespace Utils
    {
        namespace Logging
        {
            enum class LogLevel : int { Off = 0, Fatal = 1, Error = 2, Warn = 3, Info = 4, Debug = 5, Trace = 6 };
        } // namespace Logging
    } // namespace Utils

    struct LoggingOptions
    {
        Aws::Utils::Logging::LogLevel logLevel = Aws::Utils::Logging::LogLevel::Off;
        const char* defaultLogPrefix = "aws_sdk_";
    };

    struct HttpOptions
    {
        bool initAndCleanupCurl = true;
        bool installSigPipeHandler = false;
        bool compliantRfc3986Encoding = false;
    };

    struct SDKOptions
    {
        LoggingOptions loggingOptions;
        HttpOptions httpOptions;
    };

    /**
     * Initialize the SDK; call once, before any other SDK call.
     */
    void InitAPI(const SDKOptions& options);

    /**
     * Shutdown the SDK with the same options; every client must be gone first.
     */
    void ShutdownAPI(const SDKOptions& options);
} // namespace Aws
