//===- LedgerReader.h - read what libserverless-shim.so recorded ----------===//
//
// Part of serverless-tidy. Parses the ledger directory written by the shim
// (format: lib/Runtime/ShimProtocol.h), replays each process's records into a
// live descriptor table, and answers per-invocation questions: descriptors
// opened/closed/open after, new connections, DNS lookups, calls blocked past
// the deadline, descriptors open at SIGTERM/SIGKILL, growth per invocation,
// leak sites and the projected EMFILE invocation. Program counters are
// symbolized after the run by running llvm-symbolizer as a subprocess.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_SHIM_LEDGERREADER_H
#define SERVERLESS_SHIM_LEDGERREADER_H

#include "ShimProtocol.h"

#include <nlohmann/json.hpp>

#include <cstdint>
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
  std::string text() const; // "file.cpp:42 (function)" or "object+0x1234"
};

/// A descriptor alive at some point, with where it came from.
struct LiveFd {
  int Fd = -1;
  std::string Kind, Peer, Call, Site;
  uint64_t Invocation = 0;
  uint32_t Phase = 0;
  bool RuntimeApi = false;
  size_t RecordIndex = 0;
};

struct ConnectionInfo {
  std::string Peer, Site;
};
struct BlockedCall {
  std::string Call, Site;
  int64_t BlockedMs = -1; // -1: not in an interposed call (the thread's stack only)
  int Tid = 0;
  std::vector<std::string> Stack;
};

struct InvocationStats {
  uint64_t Index = 0;
  int FdsOpened = 0, FdsClosed = 0, FdsOpenAfter = 0;
  std::vector<ConnectionInfo> ConnectionsOpened;
  int DnsLookups = 0;
  std::vector<BlockedCall> BlockedPastDeadline;
};

struct LeakSite {
  std::string Site, Kind;
  double PerInvocation = 0;
  int Count = 0;
};
struct ConnectionSite {
  std::string Peer, Site;
  double PerInvocation = 0;
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
  bool Sigterm = false, Sigkill = false;
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
  std::optional<uint64_t> EmfileAt; // projected invocation reaching FdLimit
  std::vector<LeakSite> LeakSites;
  std::vector<ConnectionSite> ConnectionSites;
  std::vector<BlockedCall> DeadlineStacks; // every stack captured
  uint64_t TotalOpened = 0, TotalClosed = 0, Dropped = 0;
  std::vector<std::string> Warnings;

  nlohmann::json invocationJson(uint64_t Index) const; // fields for one `invocations[]` entry
  nlohmann::json shutdownJson() const;                 // {"open_fds": [...], "open_fds_at_sigkill": [...]}
  nlohmann::json toJson() const;                       // everything
  std::vector<std::string> summaryLines() const;       // terminal summary, in words
};

/// Loads every ledger in Dir and analyses it. Errors (no ledger, bad magic)
/// come back in Err; partial data still gives an Analysis.
std::optional<Analysis> analyzeLedgerDir(const std::string &Dir, const AnalysisOptions &Opts,
                                         std::string *Err = nullptr);

const char *callName(unsigned Call);
const char *kindName(unsigned Kind);
std::string formatPeer(const ShimRecord &R);

} // namespace serverless::shim

#endif
