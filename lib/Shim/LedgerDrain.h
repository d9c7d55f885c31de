//===- LedgerDrain.h - empty the shim's rings while the function runs -----===//
//
// Part of serverless-tidy. The other side of the shim's ring mode
// (lib/Runtime/ShimProtocol.h, "Ring mode"): creates <ring dir>/drainer,
// finds each process image's ring.<pid>.<start_ns>.bin there, and moves the
// committed records into <ledger dir>/ledger.<pid>.<start_ns>.bin (the flat
// format the reader reads, flag RING) while the function runs, so the
// function's memory is the ring however many records it writes. A writer
// whose segment is full waits for this drainer; it drops (counted, the reader
// then says "unknown") only once the drainer has closed or died.
//
// Used by ShimObserver (`serverless-tidy run`) and serverless-shim-drain.
//
//===----------------------------------------------------------------------===//
#ifndef SERVERLESS_SHIM_LEDGERDRAIN_H
#define SERVERLESS_SHIM_LEDGERDRAIN_H

#include "ShimProtocol.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace serverless::shim {

struct DrainOptions {
  uint32_t Segments = 0;       // ring segments per process image (0: the shim's default)
  uint32_t SegmentRecords = 0; // records per segment, a power of two (0: default)
  int PollMs = 10;             // the drainer's sleep when no writer rings
};

struct DrainStats {
  uint64_t Records = 0; // moved to ledgers
  uint64_t Torn = 0;    // reserved, never committed (process died mid-record)
  uint64_t Passes = 0, Wakeups = 0, Rings = 0;
};

class RingDrainer {
public:
  /// Creates RingDir/drainer (RingDir must exist). ok() false on failure.
  RingDrainer(std::string RingDir, std::string LedgerDir, DrainOptions O = {});
  ~RingDrainer(); // finish()
  RingDrainer(const RingDrainer &) = delete;
  RingDrainer &operator=(const RingDrainer &) = delete;

  bool ok() const { return Page != nullptr; }
  const std::string &error() const { return Err; }
  const std::string &ringDir() const { return RingDir; }

  /// Drains on a thread of its own until finish().
  void start();
  /// Stops the thread, closes the drain page (a writer that would wait now
  /// drops, counted), drains everything committed, counts what was reserved
  /// but never committed as torn, writes the ledgers' headers and removes the
  /// ring files and the drain page. Call when the processes are gone.
  void finish();
  /// One pass over every ring (public for tests). Final: the writers are
  /// gone. Returns the records moved.
  uint64_t drainOnce(bool Final);
  DrainStats stats() const;

private:
  struct Ring;
  void loop();
  void scan();
  uint64_t drainRing(Ring &R, bool Final);
  void retire(Ring &R);
  bool anyHalfFull();

  std::string RingDir, LedgerDir, Err;
  DrainOptions Opts;
  ShimDrainPage *Page = nullptr;
  std::map<std::string, std::unique_ptr<Ring>> Rings; // by stem "<pid>.<start_ns>"
  std::thread Thread;
  std::atomic<bool> Stop{false};
  bool Finished = false;
  mutable std::mutex Mu; // Rings, Stats: the thread and finish()/stats()
  DrainStats Stats;
  uint64_t LastScanNs = 0;
};

} // namespace serverless::shim

#endif
