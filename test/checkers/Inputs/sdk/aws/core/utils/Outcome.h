// Stand-in for <aws/core/utils/Outcome.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <utility>

namespace Aws
{
    namespace Utils
    {
        template<typename R, typename E> // Result, Error
        class Outcome
        {
        public:
            Outcome() : success(false) {}
            Outcome(const R& r) : result(r), success(true) {}
            Outcome(const E& e) : error(e), success(false) {}
            Outcome(R&& r) : result(std::forward<R>(r)), success(true) {}
            Outcome(E&& e) : error(std::forward<E>(e)), success(false) {}

            inline const R& GetResult() const { return result; }
            inline R& GetResult() { return result; }
            inline R&& GetResultWithOwnership() { return std::move(result); }
            inline const E& GetError() const { return error; }
            inline E&& GetErrorWithOwnership() { return std::move(error); }
            inline bool IsSuccess() const { return this->success; }

        private:
            R result;
            E error;
            bool success = false;
        };
    } // namespace Utils
} // namespace Aws
