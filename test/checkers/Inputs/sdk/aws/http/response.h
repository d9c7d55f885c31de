// Stand-in for <aws/http/response.h> (aws-lambda-cpp 0.2.10): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include "aws/lambda-runtime/outcome.h"

#include <string>
#include <vector>
#include <cstddef>

namespace aws {
namespace http {
enum class response_code;
class response {
public:
    inline void add_header(std::string name, std::string const& value);
    inline void append_body(const char* p, size_t sz);
    inline bool has_header(char const* header) const;
    inline lambda_runtime::outcome<std::string, bool> get_header(char const* header) const;
    inline response_code get_response_code() const { return m_response_code; }
    inline void set_response_code(aws::http::response_code c) { m_response_code = c; }
    inline void set_content_type(char const* ct) { m_content_type = ct; }
    inline std::string const& get_body() const { return m_body; }
    inline std::string const& get_content_type() const { return m_content_type; }

private:
    response_code m_response_code;
    using key_value_collection = std::vector<std::pair<std::string, std::string>>;
    key_value_collection m_headers;
    std::string m_body;
    std::string m_content_type;
};

enum class response_code {
    REQUEST_NOT_MADE = -1,
    OK = 200,
    ACCEPTED = 202,
    BAD_REQUEST = 400,
    FORBIDDEN = 403,
    NOT_FOUND = 404,
    REQUEST_ENTITY_TOO_LARGE = 413,
    INTERNAL_SERVER_ERROR = 500,
};

} // namespace http
} // namespace aws
