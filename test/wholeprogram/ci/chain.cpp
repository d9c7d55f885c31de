#include "ci.h"

namespace ci {

void step_one(const std::string &s) { step_two(s + "1"); }

void step_two(const std::string &s) { write_log(s + "2"); }

} // namespace ci
