// Stand-in for <aws/core/client/ClientConfiguration.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <aws/core/utils/memory/stl/AWSString.h>
#include <memory>

namespace Aws
{
    namespace Http
    {
        enum class Scheme { HTTP, HTTPS };
    } // namespace Http
    namespace Utils
    {
        namespace Threading
        {
            class Executor;
        } // namespace Threading
    } // namespace Utils
    namespace Client
    {
        class RetryStrategy; // forward declare

        struct ClientConfigurationInitValues {
            bool shouldDisableIMDS = false;
        };

        struct ClientConfiguration
        {
            ClientConfiguration();
            ClientConfiguration(const ClientConfigurationInitValues &configuration);
            ClientConfiguration(const char* profileName, bool shouldDisableIMDS = false);
            explicit ClientConfiguration(bool useSmartDefaults, const char* defaultMode = "legacy", bool shouldDisableIMDS = false);
            virtual ~ClientConfiguration() = default;

            Aws::String userAgent;
            Aws::Http::Scheme scheme;
            Aws::String region;
            bool useDualStack = false;
            bool useFIPS = false;
            unsigned maxConnections = 25;
            // The constructors set requestTimeoutMs = 3000, connectTimeoutMs = 1000, httpRequestTimeoutMs = 0.
            long httpRequestTimeoutMs = 0;
            long requestTimeoutMs = 0;
            long connectTimeoutMs = 1000;
            bool enableTcpKeepAlive = true;
            unsigned long tcpKeepAliveIntervalMs = 30000;
            unsigned long lowSpeedLimit = 1;
            std::shared_ptr<RetryStrategy> retryStrategy;
            Aws::String endpointOverride;
            Aws::String proxyHost;
            unsigned proxyPort = 0;
            std::shared_ptr<Aws::Utils::Threading::Executor> executor;
            bool verifySSL = true;
            Aws::String caPath;
            Aws::String caFile;
            bool disableExpectHeader = false;
            bool enableClockSkewAdjustment = true;
            Aws::String profileName;
            bool disableIMDS = false;
        };
    } // namespace Client
} // namespace Aws
