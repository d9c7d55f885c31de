//===--- JsonLocator.h - Source positions of JSON values --------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// nlohmann/json reports positions for syntax errors only. Model validation
// errors ("unknown key 'relase'") must point at the offending line too, so
// after a successful parse this scanner walks the (known valid) text once and
// builds a tree of its values: each value's offset, each member's key offset,
// an object's members by key. A JSON pointer is resolved by walking the tree
// one segment at a time, so nothing is stored per pointer: time and memory
// are linear in the text (a long key above many values costs its length
// once, not once per value below it). The scan is iterative: nesting depth
// is bounded by nothing but the text.
//
// The scan also finds keys that appear twice in one object, which a JSON
// parser silently collapses (a model with a duplicated key is an error).
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_MODEL_JSONLOCATOR_H
#define SERVERLESS_MODEL_JSONLOCATOR_H

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Allocator.h"
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace serverless::model {

class JsonLocator {
public:
  /// \p Text must be valid JSON (already accepted by a parser). It must
  /// outlive the locator.
  explicit JsonLocator(llvm::StringRef Text);

  /// 1-based line and column of byte \p Offset.
  std::pair<unsigned, unsigned> lineColumn(size_t Offset) const;
  /// Offset of the value at JSON pointer \p Pointer, or of its nearest
  /// recorded ancestor.
  size_t valueOffset(llvm::StringRef Pointer) const;
  /// Offset of the key naming the member at \p Pointer (falls back to the
  /// value of the nearest ancestor).
  size_t keyOffset(llvm::StringRef Pointer) const;

  /// Escapes a key for use in a JSON pointer ("~" -> "~0", "/" -> "~1").
  static std::string escape(llvm::StringRef Key);

  /// A key given twice in one object.
  struct Duplicate {
    size_t Offset;      // Of the later key.
    size_t FirstOffset; // Of the first one.
    std::string Key;    // Decoded.
  };
  const std::vector<Duplicate> &duplicates() const { return Duplicates; }

  /// Bytes held by the index (not the text): proportional to the text.
  size_t memoryBytes() const;

private:
  static constexpr uint32_t NoKey = UINT32_MAX;
  struct Node {
    uint32_t Value = 0;     // Offset of the value's first byte.
    uint32_t Key = NoKey;   // Offset of the member's key (objects only).
    uint32_t FirstChild = 0; // Into Children.
    uint32_t NumChildren = 0;
    char Kind = 0;           // '{', '[' or 0 for a scalar.
  };
  /// The node \p Pointer names, or its deepest existing ancestor; \p Exact
  /// says which.
  uint32_t resolve(llvm::StringRef Pointer, bool &Exact) const;
  void scan();
  void skipSpace(size_t &I) const;
  void skipScalar(size_t &I) const;
  /// Reads a string at \p I (an opening quote) and returns its decoded text.
  llvm::StringRef readString(size_t &I);

  llvm::StringRef Text;
  std::vector<uint32_t> LineStarts; // Offsets where each line begins.
  std::vector<Node> Nodes;          // Node 0 is the root.
  std::vector<uint32_t> Children;   // Each container's children, contiguous.
  /// (object node, decoded key) -> member node.
  llvm::DenseMap<std::pair<uint32_t, llvm::StringRef>, uint32_t> Members;
  llvm::BumpPtrAllocator DecodedKeys; // Keys with escapes, decoded.
  std::vector<Duplicate> Duplicates;
};

} // namespace serverless::model

#endif
