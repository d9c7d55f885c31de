# -*- Python -*-
# lit configuration for serverless-tidy's checker tests. The same tests run
# once through `clang-tidy-19 --load=<plugin>` and once through the
# serverless-tidy tool (lit parameter `runner`), so both must agree.
import os
import lit.formats

config.name = "serverless-tidy-" + lit_config.params.get("runner", "plugin")
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".cpp", ".c", ".test"]
config.excludes = ["Inputs", "e2e", "unit", "wholeprogram", "fuzz", "CMakeLists.txt", "lit.cfg.py", "check_serverless.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.serverless_binary_dir, "lit-" + lit_config.params.get("runner", "plugin"))

# A sanitized build (SERVERLESS_SANITIZE): the plugin is instrumented and
# clang-tidy-19 is not, so clang-tidy-19 runs with clang's shared ASan runtime
# preloaded (also wherever a test runs %clang_tidy). Any sanitizer report
# fails the test; leaks are not checked (clang frees little on purpose).
clang_tidy = config.clang_tidy
# Debian's default clang-tidy (14), for the plugin's version guard.
clang_tidy_14 = "clang-tidy-14"
if getattr(config, "asan_runtime", ""):
    clang_tidy = "env LD_PRELOAD=%s %s" % (config.asan_runtime, config.clang_tidy)
    clang_tidy_14 = "env LD_PRELOAD=%s %s" % (config.asan_runtime, clang_tidy_14)
    config.available_features.add("sanitized")
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0:halt_on_error=1"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"

runner = lit_config.params.get("runner", "plugin")
if runner == "plugin":
    tidy = "%s --load=%s" % (clang_tidy, config.plugin)
elif runner == "tool":
    tidy = config.serverless_tidy + " check"
else:
    lit_config.fatal("unknown runner '%s' (plugin or tool)" % runner)
config.available_features.add("runner-" + runner)

config.substitutions.append(("%check_serverless",
    "%s %s -runner='%s' -filecheck=%s" % (config.python, os.path.join(config.test_source_root, "check_serverless.py"), tidy, config.filecheck)))
config.substitutions.append(("%clang_tidy_serverless", tidy))
config.substitutions.append(("%serverless_tidy", config.serverless_tidy))
config.substitutions.append(("%clang_tidy_14", clang_tidy_14))
config.substitutions.append(("%clang_tidy", clang_tidy))
config.substitutions.append(("%plugin", config.plugin))
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%wholeprogram", os.path.join(config.test_source_root, "wholeprogram")))
config.substitutions.append(("%sdk", os.path.join(config.test_source_root, "checkers", "Inputs", "sdk")))
# npm tools the tests install from the npm registry (the SARIF Multitool), once per build tree.
config.substitutions.append(("%npm_prefix", os.path.join(config.serverless_binary_dir, "npm-tools")))
# FileCheck and not from llvm-19-tools.
config.environment["PATH"] = os.path.dirname(config.filecheck) + os.pathsep + os.environ.get("PATH", "")
config.environment["HOME"] = config.test_exec_root
# npm (the SARIF Multitool install) behind a proxy or a private CA.
for var in ("NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
