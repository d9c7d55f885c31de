// Stand-in for <aws/lambda-runtime/version.h> (aws-lambda-cpp 0.2.10): declarations mirror the real header; bodies are not the SDK's.
#pragma once

namespace aws {
namespace lambda_runtime {

unsigned get_version_major();
unsigned get_version_minor();
unsigned get_version_patch();
char const* get_version();

} // namespace lambda_runtime
} // namespace aws
