// Stand-in for <aws/core/utils/memory/AWSMemory.h> (aws-sdk-cpp 1.11): declarations mirror the real header; bodies are not the SDK's.
#pragma once

#include <memory>
#include <utility>

namespace Aws
{
    template<typename T, typename ...ArgTypes>
    T* New(const char* allocationTag, ArgTypes&&... args)
    {
        (void)allocationTag;
        return new T(std::forward<ArgTypes>(args)...);
    }

    template<typename T>
    void Delete(T* pointerToT)
    {
        delete pointerToT;
    }

    template<typename T>
    struct Deleter
    {
        Deleter() {}
        void operator()(T *pointerToT) const { Aws::Delete(pointerToT); }
    };

    template< typename T > using UniquePtr = std::unique_ptr< T, Deleter< T > >;

    template<typename T, typename ...ArgTypes>
    UniquePtr<T> MakeUnique(const char* allocationTag, ArgTypes&&... args)
    {
        return UniquePtr<T>(Aws::New<T>(allocationTag, std::forward<ArgTypes>(args)...));
    }

    template<typename T, typename ...ArgTypes>
    std::shared_ptr<T> MakeShared(const char* allocationTag, ArgTypes&&... args)
    {
        (void)allocationTag;
        return std::allocate_shared<T, std::allocator<T>>(std::allocator<T>(), std::forward<ArgTypes>(args)...);
    }
} // namespace Aws
