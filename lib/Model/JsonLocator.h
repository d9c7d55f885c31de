//===--- JsonLocator.h - Source positions of JSON values --------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// nlohmann/json reports positions for syntax errors only. Model validation
// errors ("unknown key 'relase'") must point at the offending line too, so
// after a successful parse this scanner walks the (known valid) text once and
// records the offset of every value and every object key by JSON pointer.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_MODEL_JSONLOCATOR_H
#define SERVERLESS_MODEL_JSONLOCATOR_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include <string>
#include <utility>
#include <vector>

namespace serverless::model {

class JsonLocator {
public:
  /// \p Text must be valid JSON (already accepted by a parser).
  explicit JsonLocator(llvm::StringRef Text);

  /// 1-based line and column of byte \p Offset.
  std::pair<unsigned, unsigned> lineColumn(size_t Offset) const;
  /// Offset of the value at JSON pointer \p Pointer, or of its nearest
  /// recorded ancestor.
  size_t valueOffset(llvm::StringRef Pointer) const;
  /// Offset of the key naming the member at \p Pointer (falls back to the
  /// value).
  size_t keyOffset(llvm::StringRef Pointer) const;

  /// Escapes a key for use in a JSON pointer ("~" -> "~0", "/" -> "~1").
  static std::string escape(llvm::StringRef Key);

private:
  void scanValue(size_t &I, const std::string &Pointer, unsigned Depth);
  void skipSpace(size_t &I) const;
  std::string readString(size_t &I) const;

  llvm::StringRef Text;
  std::vector<size_t> LineStarts; // Offsets where each line begins.
  llvm::StringMap<size_t> Values;
  llvm::StringMap<size_t> Keys;
};

} // namespace serverless::model

#endif
