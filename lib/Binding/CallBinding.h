//===--- CallBinding.h - A call bound to its model roles -------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The one place where a call expression meets the API model: which
// expression holds the handle a model entry names (`handle`: an argument,
// an out-argument, `this`), which calls merely view the object they are
// given (`views`: `std::move(h)`, `p.get()`, `p->`), and what an acquisition
// acquires once its `kind_if_arg` refinements are read (`rd_kafka_new(
// RD_KAFKA_CONSUMER, ...)` is a consumer in every analysis), and which
// `ownership_transfer` entry applies to a call once its `if` conditions are
// read (`curl_easy_setopt(h, CURLOPT_PRIVATE, p)` hands `p` over,
// `CURLOPT_WRITEDATA` does not). Analyses ask this instead of reading the
// model's call entries themselves.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_BINDING_CALLBINDING_H
#define SERVERLESS_BINDING_CALLBINDING_H

#include "AST/Expr.h"
#include "AST/Names.h"
#include "Model/ApiModel.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/DenseMap.h"
#include <optional>
#include <string>
#include <vector>

namespace serverless {

/// An acquisition call with its refinements applied.
struct BoundAcquisition {
  const model::Resource *Resource = nullptr;
  const model::CallSpec *Spec = nullptr; // The acquire entry that matched.
  std::string Function;                  // The callee's model name.
  std::string Kind;                      // After kind_if_arg.
  std::string Shutdown;                  // After kind_if_arg's shutdown.
};

/// The `ownership_transfer` entry that applies to \p Call: its function is
/// the callee (for a member call, the method; the entry's `arg` then counts
/// the arguments after the object) and every one of its `if` conditions
/// holds (conditionHolds(): `curl_easy_setopt(h, CURLOPT_PRIVATE, p)` hands
/// `p` over, `curl_easy_setopt(h, CURLOPT_URL, p)` does not). Null when none
/// does; the last entry that applies wins. The one reading of the section:
/// every analysis asks here (or CallBinding::ownershipTransfer()), never by
/// name. The caller checks that argument `arg` is present.
const model::OwnershipTransfer *ownershipTransferAt(const clang::CallExpr *Call,
                                                    const model::ApiModel &Model,
                                                    NameCache &Names);

class CallBinding {
public:
  CallBinding(const model::ApiModel &Model, NameCache &Names) : Model(Model), Names(Names) {}

  /// The expression \p Call keeps the handle \p H in (null for `return`,
  /// none, or a missing argument).
  static const clang::Expr *handleExpr(const clang::Expr *Call, const model::HandleRef &H);

  /// For a call the model lists in `views`, the object it designates.
  const clang::Expr *viewed(const clang::Expr *E);
  /// designatedVar()/baseVar() with the model's views.
  const clang::VarDecl *designated(const clang::Expr *E);
  const clang::VarDecl *base(const clang::Expr *E);

  /// The model's reading of an acquisition call (null Resource: not one).
  /// kind_if_arg is evaluated here, once, for every analysis.
  BoundAcquisition acquisition(const clang::CallExpr *CE);
  /// Whether the model lists \p FD as an acquisition at all (cached; no
  /// argument is read): acquisition() of a call to it has a Resource.
  bool isModelledAcquisition(const clang::FunctionDecl *FD);

  /// The `ownership_transfer` entry that applies to \p CE (see
  /// ownershipTransferAt()); the entries naming its callee are looked up once
  /// per callee.
  const model::OwnershipTransfer *ownershipTransfer(const clang::CallExpr *CE);

  /// The model's entries for \p FD by its qualified name, looked up once per
  /// function: a lookup by name scans every pattern of its section, and a
  /// long handler makes tens of thousands of calls to a few callees.
  const model::View *view(const clang::FunctionDecl *FD);
  std::pair<const model::Resource *, const model::CallSpec *>
  release(const clang::FunctionDecl *FD);
  bool isThrowing(const clang::FunctionDecl *FD);

  const model::ApiModel &model() const { return Model; }
  NameCache &names() { return Names; }

private:
  /// The model's acquire entry for \p FD (cached per callee).
  std::pair<const model::Resource *, const model::CallSpec *>
  acquisitionEntry(const clang::FunctionDecl *FD);

  const model::ApiModel &Model;
  NameCache &Names;
  llvm::DenseMap<const clang::FunctionDecl *, const model::View *> Views;
  /// The model's acquisition entry per callee: a lookup by name scans every
  /// acquire pattern of every resource, and a long handler makes tens of
  /// thousands of calls to a few callees.
  llvm::DenseMap<const clang::FunctionDecl *,
                 std::pair<const model::Resource *, const model::CallSpec *>>
      Acquisitions;
  llvm::DenseMap<const clang::FunctionDecl *,
                 std::pair<const model::Resource *, const model::CallSpec *>>
      Releases;
  llvm::DenseMap<const clang::FunctionDecl *, bool> Throwing;
  llvm::DenseMap<const clang::FunctionDecl *, std::vector<const model::OwnershipTransfer *>>
      Transfers;
};

} // namespace serverless

#endif
