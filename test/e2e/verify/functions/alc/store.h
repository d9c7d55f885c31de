#pragma once
#include <string>

namespace store {
std::string remember(const std::string &id);
}
