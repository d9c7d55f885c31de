//===--- DeadlineAnalysis.h - Blocking calls and their bounds ---*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// For every blocking call the `blocking` section of the API models lists, in
// handler scope (and connection set-up in init scope), decides how long it
// can wait: without bound, for a constant time, or for a time derived from
// the invocation's remaining time (`deadline_sources`). The check turns the
// resulting sites into diagnostics; thresholds (MaxBlockingMs, the function
// timeout) are applied there, so one analysis per TU serves every option set.
//
// Three parts, computed once per TU (TUContext::shared):
//
//  * Deadline taint (flow-insensitive, per TU): a local or parameter is
//    derived from the deadline when its initialiser or an assignment to it
//    mentions a deadline source or another derived variable. Arithmetic,
//    std::chrono conversions, std::min/max, count() are all "mentions". A
//    parameter is derived when a call inside the analysed functions passes
//    a derived argument (callers are visited before callees).
//
//  * Handle facts (flow-sensitive, may-analysis over clang's CFG): for each
//    tracked handle variable, the timeout facts established on some path
//    since its creation: a setter option (`curl_easy_setopt(h,
//    CURLOPT_TIMEOUT, ...)`), a method called on the object
//    (`ctx.set_deadline(...)`, `f.wait_for(...)`), a server-side setting
//    (`SET statement_timeout` run on the connection, or `options=-c
//    statement_timeout=...` in its conninfo), a configuration field
//    (`opts.socket_timeout = ...`). Creation (a model factory/acquire call
//    assigned to the variable, or a local's declaration) resets the facts;
//    join is union. A variable whose origin is unknown (a parameter, a copy
//    of another pointer, a reference) is never reported.
//    Globals enter every function with the facts established on them
//    anywhere in init or handler scope (flow-insensitive), so a handle
//    configured in `main` counts as configured.
//
//  * Values: a timeout argument / setter value / conninfo value / field is
//    classified as derived, constant (converted to ms from the model's unit,
//    through never-written locals and chrono durations) or unknown.
//
// Not modelled (FIXME): handles reached through members or returned by user
// helper functions (unknown origin, not reported); facts established in a
// callee on a handle passed to it; PQconnectdbParams values arrays.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_ANALYSIS_DEADLINEANALYSIS_H
#define SERVERLESS_ANALYSIS_DEADLINEANALYSIS_H

#include "Analysis/TUContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Stmt.h"
#include <string>
#include <vector>

namespace serverless {

/// One blocking call (or configuration) and how long it can wait.
struct DeadlineSite {
  enum KindTy {
    InfiniteArgument,  // Timeout argument equal to a model `infinite` value.
    NullArgument,      // Null timeout pointer where null means infinite.
    MissingSetter,     // No setter option on the handle (curl, hiredis, SO_*).
    MissingConninfoKey,// Connection string without the timeout key.
    MissingSetting,    // Connection without the server-side setting.
    MissingMethod,     // No bounding method called on the object first.
    MissingFields,     // Config object without any of its timeout fields.
    NoTimeout,         // The call has no timeout at all.
    Constant,          // A constant timeout (Value ms), not derived.
    EffectivelyInfinite, // A constant of EffectivelyInfiniteMs or more (INT_MAX ms, LONG_MAX s).
    FieldConstant,     // A config field set to a constant (Value ms).
  } Kind;
  /// A constant timeout this long (2^31 - 1 ms, 24.8 days) or longer waits
  /// without bound for any purpose: INT_MAX and LONG_MAX mean "forever".
  static constexpr long long EffectivelyInfiniteMs = 2147483647;
  const clang::Stmt *Site = nullptr;
  clang::SourceLocation Loc;
  const clang::FunctionDecl *Function = nullptr;
  bool InHandlerScope = false;
  /// The blocking call's qualified name, or the field's name.
  std::string Callee;
  /// What is missing, for messages: "CURLOPT_TIMEOUT or CURLOPT_TIMEOUT_MS",
  /// "connect_timeout", "grpc::ClientContext::set_deadline", the setter.
  std::string Missing;
  /// For NoTimeout: the model's alternative call (may be empty); for
  /// MissingFields and FieldConstant: the configuration type.
  std::string Alternative;
  /// The infinite value as written, or the constant in milliseconds.
  long long Value = 0;
  /// The handle variable, when the finding is about one.
  std::string HandleName;
  clang::SourceLocation HandleCreated;
  /// Where a constant was set, when not at the call (setter, conninfo).
  clang::SourceLocation ValueSetAt;
  /// User functions with no body in this TU the handle was handed to before
  /// the call (function, parameter): they may set its timeout.
  std::vector<std::pair<const clang::FunctionDecl *, unsigned>> PassedToUnseen;
};

class DeadlineAnalysis {
public:
  explicit DeadlineAnalysis(TUContext &TU);
  ~DeadlineAnalysis();

  llvm::ArrayRef<DeadlineSite> sites() const { return Sites; }
  /// How to name the deadline source in a fix suggestion, from the model:
  /// `invocation_request::get_time_remaining()`.
  const std::string &deadlineHint() const { return Hint; }
  /// Whole-program summaries: (function, parameter) pairs whose body sets a
  /// timeout on that parameter (a setter, a bounding method, a setting).
  llvm::ArrayRef<std::pair<const clang::FunctionDecl *, unsigned>> configurers() const {
    return Configurers;
  }

  /// Functions with blocking calls that were not analysed: more statements
  /// than the MaxFunctionStatements budget (TUContext::overBudget).
  llvm::ArrayRef<const clang::FunctionDecl *> skipped() const { return Skipped; }

private:
  std::vector<DeadlineSite> Sites;
  std::vector<const clang::FunctionDecl *> Skipped;
  std::vector<std::pair<const clang::FunctionDecl *, unsigned>> Configurers;
  std::string Hint;
};

} // namespace serverless

#endif
