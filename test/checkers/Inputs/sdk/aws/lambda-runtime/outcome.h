// Stand-in for <aws/lambda-runtime/outcome.h> (aws-lambda-cpp 0.2.10): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <utility>

namespace aws {
namespace lambda_runtime {

template <typename TResult, typename TFailure>
class outcome {
public:
    outcome(TResult const& s) : m_s(s), m_f(), m_success(true) {}
    outcome(TResult&& s) : m_s(std::move(s)), m_f(), m_success(true) {}
    outcome(TFailure const& f) : m_s(), m_f(f), m_success(false) {}
    outcome(TFailure&& f) : m_s(), m_f(std::move(f)), m_success(false) {}

    TResult const& get_result() const& { return m_s; }
    TResult&& get_result() && { return std::move(m_s); }
    TFailure const& get_failure() const& { return m_f; }
    TFailure&& get_failure() && { return std::move(m_f); }
    bool is_success() const { return m_success; }

private:
    // The real class keeps these in a union; separate members keep the stand-in trivial.
    TResult m_s;
    TFailure m_f;
    bool m_success;
};

} // namespace lambda_runtime
} // namespace aws
