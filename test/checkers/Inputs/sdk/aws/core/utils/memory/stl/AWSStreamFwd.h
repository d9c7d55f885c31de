// Stand-in for <aws/core/utils/memory/stl/AWSStreamFwd.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <iostream>

namespace Aws
{
    typedef std::basic_iostream<char, std::char_traits<char>> IOStream;
} // namespace Aws
