// Stand-in for <sw/redis++/utils.h> (redis-plus-plus 1.3.15): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <string>
#include <string_view>
#include <optional>

namespace sw {

namespace redis {

// C++17 build (cxx17/sw/redis++/cxx_utils.h).
using StringView = std::string_view;

template <typename T>
using Optional = std::optional<T>;

using OptionalString = Optional<std::string>;

using OptionalLongLong = Optional<long long>;

using OptionalDouble = Optional<double>;

}

}
