// Stand-in for <sw/redis++/errors.h> (redis-plus-plus 1.3.15): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <exception>
#include <string>

namespace sw {

namespace redis {

class Error : public std::exception {
public:
    explicit Error(const std::string &msg) : _msg(msg) {}
    virtual const char* what() const noexcept override { return _msg.data(); }
private:
    std::string _msg;
};

class IoError : public Error {
public:
    explicit IoError(const std::string &msg) : Error(msg) {}
};

class TimeoutError : public IoError {
public:
    explicit TimeoutError(const std::string &msg) : IoError(msg) {}
};

class ClosedError : public Error {
public:
    explicit ClosedError(const std::string &msg) : Error(msg) {}
};

class ReplyError : public Error {
public:
    explicit ReplyError(const std::string &msg) : Error(msg) {}
};

}

}
