// Stand-in for <sw/redis++/command_options.h> (redis-plus-plus 1.3.15): declarations mirror the real header; bodies are not the SDK's.
#pragma once

namespace sw {

namespace redis {

enum class UpdateType {
    EXIST,
    NOT_EXIST,
    ALWAYS
};

enum class Role {
    MASTER,
    SLAVE
};

}

}
