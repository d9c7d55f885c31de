// Stand-in for <aws/core/utils/memory/stl/AWSString.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <string>

namespace Aws
{
    // Without AWS_CUSTOM_MEMORY_MANAGEMENT, Aws::Allocator<T> is std::allocator<T>, so this is std::string.
    using String = std::basic_string<char, std::char_traits<char>, std::allocator<char>>;
} // namespace Aws
