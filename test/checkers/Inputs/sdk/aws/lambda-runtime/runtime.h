// Stand-in for <aws/lambda-runtime/runtime.h> (aws-lambda-cpp 0.2.10, main b83d8fa): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <functional>
#if __has_include(<curl/curl.h>)
#include <curl/curl.h>
#else
typedef void CURL;
#endif
#include "aws/lambda-runtime/outcome.h"
#include "aws/http/response.h"

namespace aws {
namespace lambda_runtime {

struct invocation_request {
    std::string payload;
    std::string request_id;
    std::string xray_trace_id;
    std::string client_context;
    std::string cognito_identity;
    std::string function_arn;
    std::string content_type;
    std::chrono::time_point<std::chrono::system_clock> deadline;
    std::string tenant_id;

    inline std::chrono::milliseconds get_time_remaining() const;
};

class invocation_response {
private:
    std::string m_payload;
    std::string m_content_type;
    bool m_success;
    invocation_response() = default;

public:
    invocation_response(std::string const& payload, std::string const& content_type, bool success)
        : m_payload(payload), m_content_type(content_type), m_success(success)
    {
    }

    static invocation_response success(std::string payload, std::string content_type);
    static invocation_response failure(std::string const& error_message, std::string const& error_type);

    std::string const& get_content_type() const { return m_content_type; }
    std::string const& get_payload() const { return m_payload; }
    bool is_success() const { return m_success; }
};

struct no_result {};

class runtime {
public:
    using next_outcome = aws::lambda_runtime::outcome<invocation_request, aws::http::response_code>;
    using post_outcome = aws::lambda_runtime::outcome<no_result, aws::http::response_code>;

    runtime(std::string const& endpoint, std::string const& user_agent);
    runtime(std::string const& endpoint);
    ~runtime();

    next_outcome get_next();
    post_outcome post_success(std::string const& request_id, invocation_response const& handler_response);
    post_outcome post_failure(std::string const& request_id, invocation_response const& handler_response);

private:
    std::string const m_user_agent_header;
    std::array<std::string const, 3> const m_endpoints;
    CURL* const m_curl_handle;
};

inline std::chrono::milliseconds invocation_request::get_time_remaining() const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now());
}

// Entry method
void run_handler(std::function<invocation_response(invocation_request const&)> const& handler);

} // namespace lambda_runtime
} // namespace aws
