// Stand-in for <aws/core/utils/memory/stl/AWSVector.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <vector>

namespace Aws
{
    template<typename T> using Vector = std::vector<T>;
} // namespace Aws
