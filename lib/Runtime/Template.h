//===- Template.h - Function configuration from the deployment -*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// `run --template FILE [--function NAME]`: the function's configuration
// taken from its deployment description, so `run` runs it the way it is
// deployed (and agrees with the static checks, which read the same files):
//   * AWS SAM / CloudFormation (template.yaml): Resources of type
//     AWS::Serverless::Function or AWS::Lambda::Function; Timeout,
//     MemorySize, Environment.Variables, Layers, Handler, FunctionName and
//     CapacityProviderConfig (Managed Instances: --max-concurrency) from
//     Properties, SAM's Globals.Function as defaults, else 3 s / 128 MB.
//   * Serverless Framework (serverless.yml): functions.<f>.{timeout,
//     memorySize, environment, layers, handler, name} over provider.*,
//     else 6 s / 1024 MB (the framework's defaults).
// Values that are not plain scalars (`!Ref P`, `${self:...}`) are skipped
// with a note. A layer whose name says Extension (LambdaInsightsExtension,
// Datadog-Extension, AWS-Parameters-and-Secrets-Lambda-Extension) is taken
// as an external extension and simulated; other layers are noted.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_TEMPLATE_H
#define SERVERLESS_RUNTIME_TEMPLATE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace serverless::runtime {

struct TemplateFunction {
  std::string Kind;     // "sam" or "serverless"
  std::string Name;     // logical id / functions key
  std::optional<int64_t> TimeoutMs, MemoryMb;
  // SAM's CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig
  // (Lambda Managed Instances): PerExecutionEnvironmentMaxConcurrency, or
  // SAM CLI's default 4 when it is not given.
  std::optional<int64_t> MaxConcurrency;
  std::vector<std::string> Env; // K=V, the template's Environment.Variables
  std::vector<std::string> Extensions; // layers taken as external extensions
  std::vector<std::string> Layers;     // every layer, as written
  std::string Handler, FunctionName;
  std::vector<std::string> Notes;      // what was skipped, and why
};

/// Reads \p Path and picks function \p Function ("" = the only one). False
/// with a one-line \p Error (unreadable, not YAML, no such function: the
/// names are listed).
bool readTemplate(const std::string &Path, const std::string &Function,
                  TemplateFunction &Out, std::string &Error);

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_TEMPLATE_H
