//===--- PluginVersionGuard.cpp - Refuse to load into another clang-tidy --===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The plugin is built against clang-tidy 19's C++ ABI and takes every Clang
// symbol from the clang-tidy that loads it. Loaded into another major version
// (Debian's default `clang-tidy` is 14) the dynamic loader binds lazily: the
// checks are registered and listed, and the process then dies with `symbol
// lookup error` on the first file, or worse, calls a same-named function
// with another layout. So, before anything else of the plugin runs, ask the
// host which Clang it is (clang::getClangFullVersion() of whatever Clang the
// process has, found by name) and stop with one line when the major version
// is not ours. Only in the plugin: serverless-tidy and serverless-clangd
// link Clang 19 themselves.
//
//===----------------------------------------------------------------------===//

#include "clang/Basic/Version.h"
#include <cstdlib>
#include <dlfcn.h>
#include <string>
#include <unistd.h>

namespace {

/// The first number after "version " in \p S ("Debian clang version
/// 14.0.6" -> 14), or -1.
int majorOf(const std::string &S) {
  size_t At = S.find("version ");
  if (At == std::string::npos)
    return -1;
  At += 8;
  int Major = 0;
  bool Digits = false;
  for (; At < S.size() && S[At] >= '0' && S[At] <= '9'; ++At, Digits = true)
    Major = Major * 10 + (S[At] - '0');
  return Digits ? Major : -1;
}

void writeErr(const std::string &S) {
  const char *P = S.data();
  size_t N = S.size();
  while (N) {
    ssize_t W = ::write(STDERR_FILENO, P, N);
    if (W <= 0)
      return;
    P += W;
    N -= size_t(W);
  }
}

// Priority 101: before the module's own static registration in this object.
__attribute__((constructor(101))) void serverlessPluginVersionGuard() {
  if (std::getenv("SERVERLESS_TIDY_SKIP_VERSION_CHECK"))
    return;
  using VersionFn = std::string (*)();
  auto *Fn = reinterpret_cast<VersionFn>(
      ::dlsym(RTLD_DEFAULT, "_ZN5clang19getClangFullVersionB5cxx11Ev"));
  if (!Fn)
    return; // A host without exported Clang symbols cannot run the plugin anyway.
  std::string Host = Fn();
  int HostMajor = majorOf(Host);
  if (HostMajor < 0 || HostMajor == CLANG_VERSION_MAJOR)
    return;
  Dl_info Self{};
  ::dladdr(reinterpret_cast<void *>(&serverlessPluginVersionGuard), &Self);
  writeErr(std::string("error: ") + (Self.dli_fname ? Self.dli_fname : "libserverless-tidy-plugin.so") +
           " needs clang-tidy " + std::to_string(CLANG_VERSION_MAJOR) + " (built against clang " +
           CLANG_VERSION_STRING + "), but this clang-tidy is " + Host + "; run clang-tidy-" +
           std::to_string(CLANG_VERSION_MAJOR) + " --load=... instead\n");
  ::_exit(1);
}

} // namespace
