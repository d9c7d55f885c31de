//===--- ApiModel.h - Library knowledge loaded from JSON --------*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The API model answers questions about libraries ("is this type a client?",
// "which argument of this call carries the handle / the timeout?", "what
// releases what?") and never walks an AST. Its contents come from JSON files
// whose schema is written once, in docs/models.md; the default files are
// embedded at build time (cmake/EmbedModels.cmake) and user files are merged
// on top: an entry with the same key replaces the default one, an entry with
// "disabled": true removes it.
//
// Every entry remembers where it came from (file:line:col and its
// "provenance" string) so diagnostics and `serverless-tidy models dump` can
// say why the tool believes something.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_MODEL_APIMODEL_H
#define SERVERLESS_MODEL_APIMODEL_H

#include "Model/NamePattern.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace serverless::model {

/// Where an entry was defined and what its author said it is based on.
struct Origin {
  std::string File;
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Provenance;
  std::string Note;
  std::string location() const;
};

/// Where a call keeps the handle it acquires, releases or blocks on.
struct HandleRef {
  enum KindTy { None, Return, Arg, This, OutArg } Kind = None;
  unsigned Index = 0; // For Arg and OutArg.
  std::string str() const;
};

struct NotClient {
  NamePattern Type;
  Origin From;
};

struct Factory {
  NamePattern Function;
  std::string Kind;                          // Empty with CreatesTemplateArg.
  std::string Creates;                       // Display name of what is created.
  std::optional<unsigned> CreatesTemplateArg; // make_shared<T>-style.
  Origin From;
};

/// Refines a resource kind by a constant argument (rd_kafka_new's type).
struct KindIfArg {
  unsigned Arg = 0;
  std::string Equals;
  std::string Kind;
  /// Overrides the resource's `shutdown` for this refinement (a Kafka
  /// consumer is closed, not flushed; a FILE opened "r" has nothing to flush).
  std::optional<std::string> Shutdown;
};

struct CallSpec {
  NamePattern Function;
  HandleRef Handle;
  std::vector<KindIfArg> KindIf;
  /// Acquire entries: the result continues the resource passed as this
  /// argument when that is not null (`list = curl_slist_append(list, s)`
  /// returns the same list head): not a second resource.
  std::optional<unsigned> ContinuesArg;
  Origin From;
};

struct ClientType {
  NamePattern Type;
  std::string Kind;
  std::string Shutdown; // "", "close", "flush" or "exit".
  /// Why a function-local `static` of this type is not a safe fix
  /// (`static_unsafe`): empty when nothing in the model says so.
  std::string StaticUnsafe;
  Origin From;
  /// Calls that flush / release an instance at shutdown (optional; `delete`
  /// and smart-pointer reset release pointer clients without an entry).
  std::vector<CallSpec> Flush, Release;
};

/// A condition on one argument of a call, as the source spells it.
struct ArgCondition {
  unsigned Arg = 0;
  /// A bit flag or-ed into the argument (`MSG_DONTWAIT`, `O_NONBLOCK`).
  std::string Flag;
  /// Otherwise: the argument is this enumerator, macro or string literal.
  std::string Equals;
  /// `arg N has FLAG` / `arg N is VALUE`, also the merge key's part.
  std::string str() const;
};

/// A call on a handle that matters only when its argument conditions hold
/// (`setvbuf(f, NULL, _IONBF, 0)`).
struct ConditionalCall {
  NamePattern Function;
  HandleRef Handle;
  std::vector<ArgCondition> If; // All must hold.
  Origin From;
};

struct Resource {
  enum InvalidForm { InvalidNone, Null, Negative, NullOrErrField, StatusCall };
  std::string Kind;
  std::string Description;
  std::vector<CallSpec> Acquire;
  std::vector<CallSpec> Release;
  InvalidForm Invalid = InvalidNone;
  std::string Shutdown; // "", "close", "flush" or "exit".
  Origin From;
  /// Calls that flush the handle (the graceful action of "flush" resources;
  /// optional: without them a release counts).
  std::vector<CallSpec> Flush;
  /// Calls after which the handle has nothing buffered to flush
  /// (`unbuffered_by`: setvbuf with _IONBF or _IOLBF).
  std::vector<ConditionalCall> UnbufferedBy;
};

/// How a blocking call's wait is bounded.
struct TimeoutSpec {
  enum ViaTy {
    Argument,          // The timeout is an argument of the call itself.
    Setter,            // A call on the same handle sets it (curl_easy_setopt).
    Conninfo,          // A key in a connection string argument.
    ConnectionSetting, // A server-side setting on the connection.
    Method,            // A method called on an object beforehand.
    Field,             // Fields of a configuration object.
    NoTimeout          // The call cannot be bounded; use Alternative.
  } Via = NoTimeout;
  // Argument / Conninfo.
  unsigned Arg = 0;
  std::string Unit; // ms, s, us, timeval, timespec, chrono.
  std::vector<long long> Infinite;
  bool NullIsInfinite = false;
  // Setter.
  std::optional<NamePattern> SetterFunction;
  HandleRef SetterHandle;
  std::optional<unsigned> OptionArg;
  std::map<std::string, std::string> Options; // Option name -> unit.
  std::optional<unsigned> ValueArg;
  // Conninfo.
  std::string Key;
  // ConnectionSetting.
  std::string Setting;
  // Method.
  HandleRef Object;
  std::vector<NamePattern> Methods;
  // Field.
  std::optional<NamePattern> FieldType;
  std::map<std::string, std::string> Fields;  // Field -> unit.
  std::map<std::string, long long> Defaults;  // Field -> library default.
  // NoTimeout.
  std::string Alternative;
};


/// A call that makes a handle non-blocking (`socket(..., SOCK_NONBLOCK)`,
/// `fcntl(fd, F_SETFL, ... | O_NONBLOCK)`) or makes some of the blocking
/// calls on it not wait for a peer (datagram sockets for sends).
struct NonBlocking {
  NamePattern Function;
  HandleRef Handle;
  std::vector<ArgCondition> If;   // All must hold.
  std::vector<NamePattern> Calls; // The blocking calls affected; empty: all.
  Origin From;
};

/// How a descriptor is registered with the object a readiness call watches
/// (`readiness[].registered_by`): one of
///  * Field: an object of record \p Type whose field \p Field is given the
///    descriptor (`struct pollfd p = {s, POLLIN, 0}`, `{.fd = s}`,
///    `fds[i].fd = s`); the object, or the array it is an element of, is
///    the watched set;
///  * Macro: an expansion of the macro \p Macro whose argument \p FdArg is
///    the descriptor and argument \p SetArg the set (`FD_SET(s, &set)`);
///  * Call: a call of \p Function, when \p If holds, whose argument
///    \p FdArg is the descriptor and \p SetArg the set
///    (`epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev)`).
struct Registration {
  enum KindTy { Field, Macro, Call } Kind = Call;
  std::optional<NamePattern> Type; // Field.
  std::string FieldName;           // Field.
  std::string MacroName;           // Macro.
  std::optional<NamePattern> Function; // Call.
  unsigned FdArg = 0, SetArg = 0;  // Macro, Call.
  std::vector<ArgCondition> If;    // Call: all must hold.
  /// One text per rule: equal rules of several entries (poll and ppoll
  /// share the pollfd rule) are collected once.
  std::string key() const;
};

/// A call that waits until descriptors registered with its argument
/// \p SetArg are ready (`poll`, `select`'s read set, `epoll_wait`): after it,
/// the blocking calls \p Calls on a registered descriptor do not wait.
struct Readiness {
  NamePattern Function;
  unsigned SetArg = 0;
  std::vector<NamePattern> Calls; // Non-empty.
  std::vector<Registration> RegisteredBy; // Non-empty.
  Origin From;
};

struct Blocking {
  NamePattern Function;
  /// Names \p Function also matches that do not block (a stub's Async*
  /// methods); blocking() skips them.
  std::vector<NamePattern> Except;
  HandleRef Handle;
  TimeoutSpec Timeout;
  /// The call does not block when any of these holds (`recv(..., MSG_DONTWAIT)`,
  /// `flock(fd, LOCK_EX | LOCK_NB)`, `waitpid(..., WNOHANG)`).
  std::vector<ArgCondition> NonBlockingIf;
  Origin From;
};

struct FunctionEntry { // throwing, async_signal_safe.
  NamePattern Function;
  Origin From;
};

/// A call that hands argument \p Arg to an owner (`curl_multi_add_handle`,
/// `rd_kafka_new`'s conf): the caller is no longer responsible for it.
struct OwnershipTransfer {
  NamePattern Function;
  unsigned Arg = 0;
  /// Only when every condition holds (`curl_easy_setopt(h, CURLOPT_PRIVATE,
  /// p)`): the models' `if`, read by conditionHolds() like `nonblocking`'s.
  std::vector<ArgCondition> If;
  Origin From;
};

/// A call whose result designates the object it is given (`std::move(h)`,
/// `p.get()`, `p->`, `*p` on a smart pointer): the object is \p Of.
struct View {
  NamePattern Function;
  HandleRef Of;
  Origin From;
};

struct HandlerRegistrar {
  NamePattern Function;
  unsigned HandlerArg = 0;
  Origin From;
  /// Does the registrar return when SIGTERM is handled (`returns_on_sigterm`)?
  /// aws-lambda-cpp's run_handler does not: it is blocked in the Runtime
  /// API's next call, so code after it never runs at shutdown.
  bool ReturnsOnSigterm = true;
};

struct DeadlineSource {
  std::optional<NamePattern> Function;
  std::optional<NamePattern> Field;
  Origin From;
};

struct SignalInstaller {
  NamePattern Function;
  unsigned SignalArg = 0;
  /// None for signalfd-style installers: the signal is read from an fd.
  std::optional<unsigned> HandlerArg;
  std::vector<std::string> HandlerFields;
  Origin From;
};

struct ExitHook {
  NamePattern Function;
  unsigned HandlerArg = 0;
  Origin From;
};

struct OnceCall {
  NamePattern Function;
  unsigned CallableArg = 0;
  Origin From;
};

/// A set of model entries: the embedded defaults plus user files.
class ApiModel {
public:
  /// A model holding the embedded default files. Parsing them cannot fail at
  /// run time: the build's own tests load them.
  static ApiModel withDefaults();

  /// Parses \p Text (named \p FileName in errors) and merges it on top.
  /// Errors are `FILE:LINE:COL: error: MESSAGE` lines; on error nothing of
  /// the file is merged.
  llvm::Error addBuffer(llvm::StringRef FileName, llvm::StringRef Text);
  /// Reads \p Path and merges it; a missing or unreadable file is an error.
  llvm::Error addFile(llvm::StringRef Path);

  // Queries. Names are fully qualified, without template arguments.
  const ClientType *clientType(llvm::StringRef TypeName) const;
  bool isNotClient(llvm::StringRef TypeName) const;
  const Factory *factory(llvm::StringRef FunctionName) const;
  /// The resource and the acquire/release entry \p FunctionName matches.
  std::pair<const Resource *, const CallSpec *>
  acquisition(llvm::StringRef FunctionName) const;
  std::pair<const Resource *, const CallSpec *>
  release(llvm::StringRef FunctionName) const;
  const Resource *resourceByKind(llvm::StringRef Kind) const;
  const Blocking *blocking(llvm::StringRef FunctionName) const;
  bool isThrowing(llvm::StringRef FunctionName) const;
  /// Every `ownership_transfer` entry for \p FunctionName, conditions not
  /// evaluated: analyses ask ownershipTransferAt() (Binding/CallBinding.h), the
  /// one reading of an entry against a call.
  std::vector<const OwnershipTransfer *>
  ownershipTransfersOf(llvm::StringRef FunctionName) const;
  /// The `views` entry for \p FunctionName, if any.
  const View *view(llvm::StringRef FunctionName) const;
  const HandlerRegistrar *handlerRegistrar(llvm::StringRef FunctionName) const;
  bool isDeadlineFunction(llvm::StringRef FunctionName) const;
  bool isDeadlineField(llvm::StringRef FieldName) const;
  const SignalInstaller *signalInstaller(llvm::StringRef FunctionName) const;
  const ExitHook *exitHook(llvm::StringRef FunctionName) const;
  bool isAsyncSignalSafe(llvm::StringRef FunctionName) const;
  const OnceCall *onceCall(llvm::StringRef FunctionName) const;
  /// Every `nonblocking` entry for \p FunctionName (several conditions per
  /// function are separate entries).
  std::vector<const NonBlocking *> nonBlocking(llvm::StringRef FunctionName) const;
  /// Every `readiness` entry for \p FunctionName (one per watched argument).
  std::vector<const Readiness *> readiness(llvm::StringRef FunctionName) const;

  // Whole sections, for dumping and for analyses that need to scan.
  llvm::ArrayRef<ClientType> clients() const { return Clients; }
  llvm::ArrayRef<NotClient> notClients() const { return NotClients; }
  llvm::ArrayRef<Factory> factories() const { return Factories; }
  llvm::ArrayRef<Resource> resources() const { return Resources; }
  llvm::ArrayRef<Blocking> blockingCalls() const { return BlockingCalls; }
  llvm::ArrayRef<FunctionEntry> throwing() const { return Throwing; }
  llvm::ArrayRef<OwnershipTransfer> ownershipTransfers() const { return Ownership; }
  llvm::ArrayRef<HandlerRegistrar> handlerRegistrars() const { return Registrars; }
  llvm::ArrayRef<DeadlineSource> deadlineSources() const { return DeadlineSources; }
  llvm::ArrayRef<SignalInstaller> signalInstallers() const { return SignalInstallers; }
  llvm::ArrayRef<ExitHook> exitHooks() const { return ExitHooks; }
  llvm::ArrayRef<FunctionEntry> asyncSignalSafe() const { return AsyncSignalSafe; }
  llvm::ArrayRef<OnceCall> onceCalls() const { return OnceCalls; }
  llvm::ArrayRef<NonBlocking> nonBlockingEntries() const { return NonBlockings; }
  llvm::ArrayRef<Readiness> readinessEntries() const { return Readinesses; }
  /// Whole-program summaries: a function of the analysed program that
  /// returns a fresh handle of the resource \p Kind (\p Acquire) or releases
  /// it through parameter \p Arg on every path, added to that resource's
  /// entry as if a model listed it. False when no resource has that kind or
  /// the name is not a valid pattern.
  bool addProgramFunction(llvm::StringRef Kind, llvm::StringRef Function, bool Acquire,
                          unsigned Arg = 0);

  /// The files merged so far, in order.
  llvm::ArrayRef<std::string> files() const { return Files; }

  /// The merged model as JSON text (for `serverless-tidy models dump`).
  std::string dump() const;

private:
  friend class ModelParser;
  std::vector<ClientType> Clients;
  std::vector<NotClient> NotClients;
  std::vector<Factory> Factories;
  std::vector<Resource> Resources;
  std::vector<Blocking> BlockingCalls;
  std::vector<FunctionEntry> Throwing;
  std::vector<OwnershipTransfer> Ownership;
  std::vector<View> Views;
  std::vector<HandlerRegistrar> Registrars;
  std::vector<DeadlineSource> DeadlineSources;
  std::vector<SignalInstaller> SignalInstallers;
  std::vector<ExitHook> ExitHooks;
  std::vector<FunctionEntry> AsyncSignalSafe;
  std::vector<OnceCall> OnceCalls;
  std::vector<NonBlocking> NonBlockings;
  std::vector<Readiness> Readinesses;
  std::vector<std::string> Files;
};

} // namespace serverless::model

#endif
