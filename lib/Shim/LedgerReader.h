//===- LedgerReader.h - read what libserverless-shim.so recorded ----------===//
//
// Part of serverless-tidy. Parses the ledger directory written by the shim
// (format: lib/Runtime/ShimProtocol.h), replays each process's records into a
// live descriptor table, and answers per-invocation questions: descriptors
// opened/closed/open after, new connections, DNS lookups, calls blocked past
// the deadline, descriptors open at SIGTERM/SIGKILL, growth per invocation,
// leak sites and the projected EMFILE invocation. Program counters are
// symbolized after the run with LLVM's symbolizer library (DWARF inline
// chains kept; llvm-symbolizer as a subprocess where the library is not
// linked), and each record's site is the first frame in the user's code.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_SHIM_LEDGERREADER_H
#define SERVERLESS_SHIM_LEDGERREADER_H

#include "ShimProtocol.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace serverless::shim {

struct MapEntry {
  uint64_t Start = 0, End = 0, Offset = 0;
  std::string Path;
};

struct ProcessLedger {
  std::string File;
  ShimLedgerHeader Header{};
  std::vector<ShimRecord> Records; // committed records in cursor order
  std::vector<MapEntry> Maps;      // union of all maps snapshots, newest first
  uint64_t Torn = 0;               // uncommitted slots (killed mid-write)
  bool forked() const { return Header.flags & SHIM_LEDGER_FLAG_FORKED; }
};

struct SymbolizedFrame {
  uint64_t Pc = 0;
  std::string Object, Function, File;
  int Line = 0;
  int Column = 0;
  std::string ObjectPath; // the mapped object, absolute ("" when unmapped)
  bool Inlined = false;   // an inlined frame (a caller of it shares the PC)
  std::string text() const; // "file.cpp:42 (function)" or "object+0x1234"
};

/// Where a record came from, as data: the first frame in the user's code
/// (its PC's DWARF inline chain expanded), with the inline chain of that PC,
/// innermost first. Empty Path: no line information (no -g, or not found).
struct SiteInfo {
  std::string Path, Function, Object;
  int Line = 0, Column = 0;
  bool DebugInfo = false;              // the object had line information for it
  std::vector<SymbolizedFrame> Inline; // every frame of the site's PC, innermost first
  std::string Entry;                   // the call the user's frame made (e.g. curl_easy_perform)
  nlohmann::json toJson() const;
};

/// A descriptor alive at some point, with where it came from.
struct LiveFd {
  int Fd = -1;
  std::string Kind, Peer, Call, Site;
  uint64_t Invocation = 0;
  uint32_t Phase = 0;
  bool RuntimeApi = false;
  size_t RecordIndex = 0;
  SiteInfo Where;
  // Owned by the Runtime API client, not the user's code ("aws-lambda-cpp",
  // "runtime-api-connection"; see runtimeClientSignatures()). Empty: the user's.
  std::string RuntimeClient;
};

struct ConnectionInfo {
  std::string Peer, Site;
  SiteInfo Where;
};
struct BlockedCall {
  std::string Call, Site;
  // The whole blocking call's time: from the first of an unbroken run of
  // interposed blocking calls on this thread (curl_easy_perform's poll
  // slices are one wait). -1: not in an interposed call.
  int64_t BlockedMs = -1;
  int64_t CallMs = -1; // the interposed call in flight only (the last slice)
  int Tid = 0;
  std::vector<std::string> Stack;
  SiteInfo Where;
};

/// A Runtime API client recognised by the frames that create its
/// descriptors: the first frame in the user's code is a function of the
/// client (its own connection, libcurl's wakeup socket pair under it).
struct RuntimeClientSignature {
  const char *Client;         // "aws-lambda-cpp"
  const char *FunctionPrefix; // demangled qualified name prefix
  const char *What;           // what it owns, for the docs and the JSON
  // The site's object must be this executable ("node"; Debian's "nodejs"
  // too); nullptr: any object.
  const char *Object = nullptr;
  bool Exact = false;         // the function is FunctionPrefix itself
};
const std::vector<RuntimeClientSignature> &runtimeClientSignatures();
/// The client owning a descriptor made at \p W ("" when it is the user's).
std::string runtimeClientOf(const SiteInfo &W);
/// Objects of a runtime client (the Node.js executable, aws-lambda-ric's
/// addon): no "build with -g" hint for them, the user's code is not there.
bool isRuntimeClientObject(const std::string &Path);

struct InvocationStats {
  uint64_t Index = 0;
  int FdsOpened = 0, FdsClosed = 0, FdsOpenAfter = 0;
  std::vector<ConnectionInfo> ConnectionsOpened;
  int DnsLookups = 0;
  std::vector<BlockedCall> BlockedPastDeadline;
  bool TimedOut = false; // the emulator's deadline passed (killed or kept)
  // The ledger dropped records before this invocation's end was recorded:
  // its numbers are lower bounds, and it is left out of rates and sites.
  bool Incomplete = false;
  // Descriptors opened in this invocation and still open when it was killed
  // at its deadline: held by the call in flight, not leaked.
  std::vector<LiveFd> InFlightAtTimeout;
};

struct LeakSite {
  std::string Site, Kind;
  double PerInvocation = 0;
  int Count = 0;
  SiteInfo Where;
};
struct ConnectionSite {
  std::string Peer, Site;
  double PerInvocation = 0;
  SiteInfo Where;
};

/// A kind of evidence the ledger gives (what `run --fail-on` can name):
/// fd-growth, emfile-projected, connection-per-invocation,
/// blocked-at-deadline, open-at-shutdown.
struct Evidence {
  std::string Kind, Text;
};

/// run --max-concurrency: one invocation as the emulator saw it.
struct InvocationSpan {
  int64_t Index = 0;               // the run document's index
  uint64_t Local = 0;              // the ledger's invocation number (1-based; 0 unknown)
  int ClientPort = 0;              // client port of the Runtime API connection (0: unknown)
  uint64_t StartNs = 0, EndNs = 0; // CLOCK_MONOTONIC; EndNs 0: timed out, may still run
  uint64_t DeadlineNs = 0;         // CLOCK_MONOTONIC (0 unknown)
};

/// Descriptors (grouped by where they were made) that invocations running
/// at the same time used: a client shared by concurrent invocations, which
/// must then be thread-safe. Computed by SharedSites.cpp from the USE
/// records (a socket's reading thread changed) and the spans.
struct SharedSite {
  std::string Site, Kind, Peer;
  SiteInfo Where;                   // where the descriptors were made
  int Fds = 0;                      // descriptors of this site used so
  std::vector<int64_t> Invocations; // run-document indices that used them
  int OverlappingPairs = 0;         // pairs of those that ran at the same time
  std::vector<std::pair<std::string, SiteInfo>> UseSites; // where they were read
};

struct AnalysisOptions {
  uint64_t FdLimit = 0;       // 0: the limit the shim saw at start (or 1024)
  int MainPid = 0;            // 0: the first non-forked ledger
  uint64_t Invocations = 0;   // 0: the highest invocation seen in the records
  int WarmupInvocations = 1;  // excluded from growth and leak rates
  std::string Symbolizer;     // empty: llvm-symbolizer-19 or /usr/lib/llvm-19/bin/llvm-symbolizer
  bool Symbolize = true;
  // The emulator sent SIGTERM / SIGKILL. A function without a SIGTERM handler
  // dies before its shim writes anything, so the ledger alone cannot say.
  // SIGKILL without Sigterm: killed without warning (no extension).
  bool Sigterm = false, Sigkill = false;
  // Local invocation numbers (1-based) whose deadline passed.
  std::vector<uint64_t> TimedOut;
  // run --max-concurrency: the invocations' spans (shared sites are found
  // only with them).
  std::vector<InvocationSpan> Spans;
};

struct Analysis {
  std::vector<ProcessLedger> Processes;
  const ProcessLedger *Main = nullptr;
  uint64_t FdLimit = 1024;
  std::vector<InvocationStats> Invocations; // index 1..N (empty in standalone runs)
  // Descriptors open at the end of the run, at SIGTERM and at SIGKILL.
  std::vector<LiveFd> OpenAtExit, OpenAtSigterm, OpenAtSigkill;
  bool SawSigterm = false, SawSigkill = false;
  double FdsPerInvocation = 0;      // growth of fds_open_after after warm-up
  bool GrowthMeasured = false;      // enough invocations after warm-up for a rate
  int GrowthPoints = 0;             // invocations the rate is fitted over
  std::optional<uint64_t> EmfileAt; // projected invocation reaching FdLimit
  std::vector<LeakSite> LeakSites;
  std::vector<ConnectionSite> ConnectionSites;
  std::vector<BlockedCall> DeadlineStacks; // every stack captured
  uint64_t TotalOpened = 0, TotalClosed = 0, Dropped = 0;
  // Records the main process's ledger dropped (its file was full): every
  // record after the last one kept is lost, so what was open after that
  // point is unknown. LastCompleteInvocation: the last invocation whose end
  // was recorded (0: none).
  // MainTorn (counted in MainDropped): slots reserved but never committed
  // (the process died mid-record).
  uint64_t MainDropped = 0, LastCompleteInvocation = 0, MainTorn = 0;
  bool openFdsUnknown() const { return MainDropped != 0; }
  std::string droppedText() const; // "the ledger dropped N records after invocation K"
  std::vector<std::string> Warnings;
  // The first shutdown signal was SIGTERM (else SIGKILL without warning).
  bool SigtermSent = false;
  // Descriptors of the Runtime API client open at the end (not the user's).
  std::vector<LiveFd> RuntimeClientFds;
  // Objects with user frames but no line information: "-g needed".
  std::vector<std::string> NoDebugInfo;
  // Local invocation number -> the label printed ("invocation N" in the
  // summary): `serverless-tidy run` gives the run document's index.
  std::map<uint64_t, int64_t> IndexLabels;
  // run --max-concurrency: the spans analysed and what they shared.
  std::vector<InvocationSpan> Spans;
  std::vector<SharedSite> SharedSites;
  // The evidence kinds this ledger shows (for --fail-on), in words.
  std::vector<Evidence> evidence() const;

  nlohmann::json invocationJson(uint64_t Index) const; // fields for one `invocations[]` entry
  nlohmann::json shutdownJson() const;                 // {"open_fds": [...], "open_fds_at_sigkill": [...]}
  nlohmann::json toJson(bool WithInvocations = true) const; // everything
  std::vector<std::string> summaryLines() const;       // terminal summary, in words
};

/// Loads every ledger in Dir and analyses it. Errors (no ledger, bad magic)
/// come back in Err; partial data still gives an Analysis.
std::optional<Analysis> analyzeLedgerDir(const std::string &Dir, const AnalysisOptions &Opts,
                                         std::string *Err = nullptr);

/// SharedSites.cpp: the shared sites of \p A given its spans; \p Where and
/// \p Text are the reader's symbolization (a record's site, its text).
std::vector<SharedSite>
findSharedSites(const Analysis &A, const std::vector<InvocationSpan> &Spans,
                const std::function<SiteInfo(const ProcessLedger &, const ShimRecord &)> &Where,
                const std::function<std::string(const SiteInfo &)> &Text);
/// What a timed-out concurrent invocation held: the control page names the
/// latest started invocation, so each timed-out invocation keeps only its
/// own worker thread's deadline stacks and the descriptors that thread made
/// between its start and its deadline (other threads ran other invocations).
void attributeDeadlineStacks(Analysis &A, const std::vector<InvocationSpan> &Spans);
/// Their JSON ("shared_sites"), summary lines and evidence
/// ("shared-across-invocations"); nothing without spans.
nlohmann::json sharedSitesJson(const Analysis &A);
void sharedSitesLines(const Analysis &A, std::vector<std::string> &Lines);
void sharedSitesEvidence(const Analysis &A, std::vector<Evidence> &E);

const char *callName(unsigned Call);
const char *kindName(unsigned Kind);
std::string formatPeer(const ShimRecord &R);

} // namespace serverless::shim

#endif
