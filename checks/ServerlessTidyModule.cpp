//===--- ServerlessTidyModule.cpp - the serverless-* checks ---------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Only registers. The same object file goes into the `--load` plugin, the
// serverless-tidy tool and serverless-clangd (which refer to the anchor below
// so the linker keeps the registration).
//
//===----------------------------------------------------------------------===//

#include "HandlerScopeClientCheck.h"
#include "MissingDeadlineCheck.h"
#include "MissingShutdownHookCheck.h"
#include "UnclosedResourceCheck.h"
#include "clang-tidy/ClangTidyModule.h"
#include "clang-tidy/ClangTidyModuleRegistry.h"

namespace clang::tidy::serverless {

class ServerlessModule : public ClangTidyModule {
public:
  void addCheckFactories(ClangTidyCheckFactories &CheckFactories) override {
    CheckFactories.registerCheck<HandlerScopeClientCheck>(
        "serverless-handler-scope-client");
    CheckFactories.registerCheck<UnclosedResourceCheck>(
        "serverless-unclosed-resource");
    CheckFactories.registerCheck<MissingDeadlineCheck>(
        "serverless-missing-deadline");
    CheckFactories.registerCheck<MissingShutdownHookCheck>(
        "serverless-missing-shutdown-hook");
  }
};

static ClangTidyModuleRegistry::Add<ServerlessModule>
    X("serverless-module", "Checks for serverless function lifecycle mistakes.");

} // namespace clang::tidy::serverless

// Referenced by tools that link the module statically (see
// ServerlessForceLinker.h) so the registration above is not dropped.
// NOLINTNEXTLINE(misc-use-internal-linkage)
volatile int ServerlessModuleAnchorSource = 0;
