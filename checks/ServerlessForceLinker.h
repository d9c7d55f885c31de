//===--- ServerlessForceLinker.h - keep the module linked --------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_CHECKS_FORCELINKER_H
#define SERVERLESS_CHECKS_FORCELINKER_H

extern volatile int ServerlessModuleAnchorSource;
[[maybe_unused]] static int ServerlessModuleAnchorDestination =
    ServerlessModuleAnchorSource;

#endif
