//===- RunObserver.cpp - Hooks into the lifecycle emulator ----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/RunObserver.h"

namespace serverless::runtime {

namespace {
std::vector<std::shared_ptr<RunObserver>> &registry() {
  static std::vector<std::shared_ptr<RunObserver>> R;
  return R;
}
} // namespace

void addRunObserver(std::shared_ptr<RunObserver> Observer) {
  if (Observer)
    registry().push_back(std::move(Observer));
}

const std::vector<std::shared_ptr<RunObserver>> &registeredRunObservers() {
  return registry();
}

} // namespace serverless::runtime
