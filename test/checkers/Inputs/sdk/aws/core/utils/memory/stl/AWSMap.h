// Stand-in for <aws/core/utils/memory/stl/AWSMap.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <map>

namespace Aws
{
    template<typename K, typename V> using Map = std::map<K, V>;
} // namespace Aws
