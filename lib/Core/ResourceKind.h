//===--- ResourceKind.h - Static kind words and runtime kinds -----*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The two halves name resources differently: the API models (lib/Model,
// docs/models.md) say what a handle *is* (`postgres-connection`, `FILE`,
// `kafka-producer`), the shim's ledger says what descriptor the kernel made
// (`tcp`, `unix`, `stream`, `file`, `pipe`, ...). This table is the one
// place that relates them, so `serverless-tidy verify` can accept runtime
// evidence for a static finding only when the descriptor is of a kind the
// resource can own (a `FILE` finding is not confirmed by a tcp socket
// opened on the same line).
//
// Each static kind also says whether acquiring it always leaves a record in
// the ledger at the acquisition's own stack (`Eager`: `fopen` opens, a hiredis
// or libpq connect connects before returning). Only then does "no record at
// this site" mean "this code never ran"; a lazily connecting client (libcurl,
// the AWS SDK, librdkafka's broker threads) may run and leave nothing there.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_CORE_RESOURCEKIND_H
#define SERVERLESS_CORE_RESOURCEKIND_H

#include <string>
#include <string_view>
#include <vector>

namespace serverless::core {

struct ResourceKind {
  std::string_view Static;                 // the model's kind word
  std::vector<std::string_view> Runtime;   // shim kinds it can own; empty: memory only
  bool Eager = false;                      // acquiring it always records at its own stack
  std::string_view Note;                   // why, in a few words (docs, verdict reasons)
};

/// The entry of a model kind word, or nullptr for a word the table does not
/// know (then any runtime kind is accepted, and absence proves nothing).
const ResourceKind *resourceKind(std::string_view StaticKind);

/// Every entry, in table order (docs, tests).
const std::vector<ResourceKind> &resourceKinds();

/// Can a resource of \p StaticKind own a descriptor the shim calls
/// \p RuntimeKind? True for an unknown static kind.
bool kindsCompatible(std::string_view StaticKind, std::string_view RuntimeKind);

/// Shim kinds that are network connections (what `connect` makes).
bool isConnectionKind(std::string_view RuntimeKind);

} // namespace serverless::core

#endif
