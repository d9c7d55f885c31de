//===- RingLedgerTest.cpp - the shim's ring mode: drainer and reader -------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Ring files (lib/Runtime/ShimProtocol.h, "Ring mode") written here the way
// libserverless-shim.so writes them, emptied by RingDrainer
// (lib/Shim/LedgerDrain.cpp) and read back by analyzeLedgerDir:
//  - wrap-around: a writer thread puts 20,000 records through a 128-record
//    segment while the drainer runs, waiting (never dropping) when it is full;
//  - a slot reserved and never committed by a process that died is torn: the
//    records around it are kept, and what was open after it is unknown;
//  - records of two threads (two segments) are put back in time order, so a
//    close recorded by one thread comes before the open of another thread
//    that reuses the number.
//
//===----------------------------------------------------------------------===//

#include "LedgerDrain.h"
#include "LedgerReader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace serverless::shim;

namespace {

struct TempDirs {
  std::string Ring, Ledger;
  TempDirs() {
    char T[] = "/tmp/st-ring-test-XXXXXX";
    std::string Base = mkdtemp(T);
    Ring = Base + "/ring";
    Ledger = Base + "/ledger";
    std::filesystem::create_directory(Ring);
    std::filesystem::create_directory(Ledger);
    this->Base = Base;
  }
  ~TempDirs() {
    std::error_code EC;
    std::filesystem::remove_all(Base, EC);
  }
  std::string Base;
};

/// A ring file as the shim makes it (openRing): header, segment table, records.
struct FakeRing {
  char *Map = nullptr;
  size_t Bytes = 0;
  ShimLedgerHeader *H = nullptr;
  ShimRingSegment *Segs = nullptr;
  ShimRecord *Recs = nullptr;
  uint32_t NSeg, SegRecs;
  FakeRing(const std::string &Dir, int Pid, uint64_t StartNs, uint32_t NSeg, uint32_t SegRecs)
      : NSeg(NSeg), SegRecs(SegRecs) {
    uint64_t Table = SHIM_RING_SEGMENT_TABLE_SIZE(NSeg);
    Bytes = SHIM_LEDGER_HEADER_SIZE + Table + uint64_t(NSeg) * SegRecs * SHIM_RECORD_SIZE;
    std::string P = Dir + "/ring." + std::to_string(Pid) + "." + std::to_string(StartNs) + ".bin";
    int Fd = open(P.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    EXPECT_GE(Fd, 0);
    EXPECT_EQ(ftruncate(Fd, off_t(Bytes)), 0);
    Map = static_cast<char *>(mmap(nullptr, Bytes, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0));
    close(Fd);
    H = reinterpret_cast<ShimLedgerHeader *>(Map);
    Segs = reinterpret_cast<ShimRingSegment *>(Map + SHIM_LEDGER_HEADER_SIZE);
    Recs = reinterpret_cast<ShimRecord *>(Map + SHIM_LEDGER_HEADER_SIZE + Table);
    H->version = SHIM_PROTOCOL_VERSION;
    H->header_size = SHIM_LEDGER_HEADER_SIZE;
    H->record_size = SHIM_RECORD_SIZE;
    H->capacity = uint64_t(NSeg) * SegRecs;
    H->pid = Pid;
    H->start_mono_ns = StartNs;
    H->fd_limit = 1024;
    H->flags = SHIM_LEDGER_FLAG_RING;
    H->ring_segments = NSeg;
    H->ring_segment_records = SegRecs;
    __atomic_store_n(&H->magic, SHIM_LEDGER_MAGIC, __ATOMIC_RELEASE);
  }
  ~FakeRing() { munmap(Map, Bytes); }
  /// The shim's begin(): reserve, wait while full (futex on tail), fill.
  /// Commit separately (commit()).
  ShimRecord *reserve(uint32_t S, uint16_t Type, int Fd, uint64_t Ns, int Tid = 1) {
    ShimRingSegment &Seg = Segs[S];
    uint64_t I = __atomic_fetch_add(&Seg.head, 1, __ATOMIC_RELAXED);
    for (;;) {
      uint64_t T = __atomic_load_n(&Seg.tail, __ATOMIC_SEQ_CST);
      if (I - T < SegRecs)
        break;
      ++Waits;
      __atomic_fetch_add(&Seg.waiters, 1, __ATOMIC_SEQ_CST);
      timespec To{0, 50000000};
      syscall(SYS_futex, reinterpret_cast<uint32_t *>(&Seg.tail), FUTEX_WAIT, uint32_t(T), &To, nullptr, 0);
      __atomic_fetch_sub(&Seg.waiters, 1, __ATOMIC_SEQ_CST);
    }
    ShimRecord *R = &Recs[uint64_t(S) * SegRecs + (I & (SegRecs - 1))];
    std::memset(reinterpret_cast<char *>(R) + 4, 0, sizeof(ShimRecord) - 4);
    R->type = Type;
    R->call = Type == SHIM_REC_RELEASE ? SHIM_CALL_close : SHIM_CALL_open;
    R->fd = Fd;
    R->fd2 = -1;
    R->tid = Tid;
    R->mono_ns = Ns;
    R->kind = SHIM_KIND_FILE;
    return R;
  }
  static void commit(ShimRecord *R) { __atomic_store_n(&R->commit, SHIM_RECORD_COMMITTED, __ATOMIC_RELEASE); }
  void add(uint32_t S, uint16_t Type, int Fd, uint64_t Ns, int Tid = 1) { commit(reserve(S, Type, Fd, Ns, Tid)); }
  std::atomic<uint64_t> Waits{0};
};

/// A pid that is certainly gone: a child that has exited and been reaped.
int deadPid() {
  pid_t P = fork();
  if (P == 0)
    _exit(0);
  int St;
  waitpid(P, &St, 0);
  return P;
}

AnalysisOptions noSymbols() {
  AnalysisOptions O;
  O.Symbolize = false;
  return O;
}

TEST(RingLedger, WrapAroundWhileDraining) {
  TempDirs D;
  DrainOptions O;
  O.PollMs = 1;
  RingDrainer Dr(D.Ring, D.Ledger, O);
  ASSERT_TRUE(Dr.ok()) << Dr.error();
  // A live pid (ours): the drainer must not take the ring for a dead one.
  FakeRing R(D.Ring, getpid(), 1000, 1, 128);
  Dr.start();
  constexpr int N = 10000; // 20,000 records through 128 slots: 156 laps
  std::thread W([&] {
    for (int I = 0; I < N; ++I) {
      R.add(0, SHIM_REC_ACQUIRE, 3 + I % 7, 2000 + 2 * uint64_t(I));
      R.add(0, SHIM_REC_RELEASE, 3 + I % 7, 2001 + 2 * uint64_t(I));
    }
  });
  W.join();
  Dr.finish();
  EXPECT_GT(R.Waits.load(), 0u) << "the writer outran a 128-record segment: it must have waited";
  EXPECT_EQ(Dr.stats().Records, uint64_t(2 * N));
  EXPECT_EQ(Dr.stats().Torn, 0u);
  EXPECT_FALSE(std::filesystem::exists(D.Ring + "/ring." + std::to_string(getpid()) + ".1000.bin"))
      << "a finished ring is removed";
  std::string Err;
  auto A = analyzeLedgerDir(D.Ledger, noSymbols(), &Err);
  ASSERT_TRUE(A) << Err;
  ASSERT_EQ(A->Processes.size(), 1u);
  const auto &Recs = A->Processes[0].Records;
  ASSERT_EQ(Recs.size(), size_t(2 * N));
  for (size_t I = 0; I < Recs.size(); ++I)
    ASSERT_EQ(Recs[I].mono_ns, 2000 + I) << "record " << I << " lost or out of order";
  EXPECT_EQ(A->TotalOpened, uint64_t(N));
  EXPECT_EQ(A->TotalClosed, uint64_t(N));
  EXPECT_EQ(A->Dropped, 0u);
  EXPECT_FALSE(A->openFdsUnknown());
  EXPECT_TRUE(A->OpenAtExit.empty());
}

TEST(RingLedger, TornSlotOfADeadProcessMakesOpenFdsUnknown) {
  TempDirs D;
  RingDrainer Dr(D.Ring, D.Ledger);
  ASSERT_TRUE(Dr.ok());
  int Pid = deadPid();
  FakeRing R(D.Ring, Pid, 1000, 2, 128);
  R.add(0, SHIM_REC_ACQUIRE, 5, 10);     // fd 5 open
  R.add(0, SHIM_REC_ACQUIRE, 6, 11);     // fd 6 open
  ShimRecord *Torn = R.reserve(0, SHIM_REC_RELEASE, 5, 12); // killed writing the close of 5
  (void)Torn;
  R.add(0, SHIM_REC_RELEASE, 6, 13);     // another thread of the segment went on
  R.add(1, SHIM_REC_ACQUIRE, 7, 14);
  // The process is dead: the pass takes everything committed, the slot it
  // was writing is torn.
  Dr.drainOnce(false);
  Dr.finish();
  EXPECT_EQ(Dr.stats().Records, 4u);
  EXPECT_EQ(Dr.stats().Torn, 1u);
  auto A = analyzeLedgerDir(D.Ledger, noSymbols());
  ASSERT_TRUE(A);
  EXPECT_EQ(A->Processes[0].Records.size(), 4u) << "every record written whole is read";
  EXPECT_EQ(A->MainTorn, 1u);
  EXPECT_TRUE(A->openFdsUnknown()) << "the torn slot may have been the close of fd 5";
  auto J = A->toJson();
  EXPECT_TRUE(J.contains("open_at_exit_unknown")) << J.dump(1);
  EXPECT_EQ(J["open_at_exit"].size(), 0u) << J.dump(1);
  EXPECT_EQ(J["records_torn"], 1);
}

TEST(RingLedger, LiveWriterMidRecordIsWaitedFor) {
  TempDirs D;
  RingDrainer Dr(D.Ring, D.Ledger);
  ASSERT_TRUE(Dr.ok());
  FakeRing R(D.Ring, getpid(), 1000, 1, 128);
  R.add(0, SHIM_REC_ACQUIRE, 5, 10);
  ShimRecord *Mid = R.reserve(0, SHIM_REC_RELEASE, 5, 11); // frozen mid-record
  R.add(0, SHIM_REC_ACQUIRE, 6, 12);
  EXPECT_EQ(Dr.drainOnce(false), 1u) << "stops at the record being written";
  EXPECT_EQ(Dr.drainOnce(false), 0u);
  FakeRing::commit(Mid); // thawed
  EXPECT_EQ(Dr.drainOnce(false), 2u);
  Dr.finish();
  EXPECT_EQ(Dr.stats().Torn, 0u);
  auto A = analyzeLedgerDir(D.Ledger, noSymbols());
  ASSERT_TRUE(A);
  EXPECT_FALSE(A->openFdsUnknown());
  ASSERT_EQ(A->OpenAtExit.size(), 1u);
  EXPECT_EQ(A->OpenAtExit[0].Fd, 6);
}

TEST(RingLedger, CloseThenReopenAcrossThreadsInTimeOrder) {
  TempDirs D;
  RingDrainer Dr(D.Ring, D.Ledger);
  ASSERT_TRUE(Dr.ok());
  FakeRing R(D.Ring, deadPid(), 1000, 2, 128);
  // Thread 10 (segment 0) opens fd 5 and hands it over; thread 11 (segment
  // 1) closes it; thread 10 opens again and gets 5; thread 11 closes it.
  // Drained segment by segment the records would read: open 5, open 5, open 9,
  // close 5, close 5.
  R.add(0, SHIM_REC_ACQUIRE, 5, 100, 10);
  R.add(1, SHIM_REC_RELEASE, 5, 200, 11);
  R.add(0, SHIM_REC_ACQUIRE, 5, 300, 10);
  R.add(1, SHIM_REC_RELEASE, 5, 400, 11);
  R.add(0, SHIM_REC_ACQUIRE, 9, 500, 10);
  Dr.finish();
  auto A = analyzeLedgerDir(D.Ledger, noSymbols());
  ASSERT_TRUE(A);
  EXPECT_EQ(A->TotalOpened, 3u);
  EXPECT_EQ(A->TotalClosed, 2u) << "both closes matched an open";
  ASSERT_EQ(A->OpenAtExit.size(), 1u);
  EXPECT_EQ(A->OpenAtExit[0].Fd, 9);
}

TEST(RingLedger, ExecReplacesTheOlderImageOfAPid) {
  TempDirs D;
  RingDrainer Dr(D.Ring, D.Ledger);
  ASSERT_TRUE(Dr.ok());
  {
    FakeRing Old(D.Ring, getpid(), 1000, 1, 128);
    Old.add(0, SHIM_REC_ACQUIRE, 5, 10);
    Old.reserve(0, SHIM_REC_RELEASE, 5, 11); // the exec ended it mid-record
  }
  FakeRing New(D.Ring, getpid(), 2000, 1, 128);
  New.add(0, SHIM_REC_ACQUIRE, 5, 20);
  Dr.start();
  for (int I = 0; I < 200 && Dr.stats().Torn == 0; ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(Dr.stats().Torn, 1u) << "the pre-exec image's ring is retired while the pid lives";
  EXPECT_FALSE(std::filesystem::exists(D.Ring + "/ring." + std::to_string(getpid()) + ".1000.bin"));
  Dr.finish();
  EXPECT_EQ(Dr.stats().Records, 2u);
}

} // namespace
