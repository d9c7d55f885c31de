//===- LedgerDrain.cpp - empty the shim's rings while the function runs ---===//
//
// Part of serverless-tidy. See LedgerDrain.h and ShimProtocol.h ("Ring mode").
//
//===----------------------------------------------------------------------===//
#include "LedgerDrain.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace serverless::shim {
namespace {

uint64_t monoNs() {
  timespec T;
  clock_gettime(CLOCK_MONOTONIC, &T);
  return uint64_t(T.tv_sec) * 1000000000ull + uint64_t(T.tv_nsec);
}
void futexWake(uint32_t *A) { syscall(SYS_futex, A, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0); }
void futexWait(uint32_t *A, uint32_t V, int Ms) {
  timespec T{Ms / 1000, long(Ms % 1000) * 1000000};
  syscall(SYS_futex, A, FUTEX_WAIT, V, &T, nullptr, 0);
}

bool writeAll(int Fd, const void *P, size_t N, off_t Off) {
  const char *C = static_cast<const char *>(P);
  while (N) {
    ssize_t W = pwrite(Fd, C, N, Off);
    if (W < 0 && errno == EINTR)
      continue;
    if (W <= 0)
      return false;
    C += W, N -= size_t(W), Off += W;
  }
  return true;
}

// The process is gone (or a zombie): nothing more will be written.
bool processGone(int Pid) {
  if (Pid <= 0)
    return true;
  if (kill(Pid, 0) != 0 && errno == ESRCH)
    return true;
  char P[64], S[256];
  snprintf(P, sizeof P, "/proc/%d/stat", Pid);
  int Fd = open(P, O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return errno == ENOENT;
  ssize_t N = read(Fd, S, sizeof S - 1);
  close(Fd);
  if (N <= 0)
    return false;
  S[N] = 0;
  const char *Paren = strrchr(S, ')');
  return Paren && Paren[1] == ' ' && (Paren[2] == 'Z' || Paren[2] == 'X');
}

} // namespace

struct RingDrainer::Ring {
  std::string Stem, RingPath, LedgerPath;
  int Pid = 0;
  uint64_t StartNs = 0;
  char *Map = nullptr;
  size_t Bytes = 0;
  ShimLedgerHeader *H = nullptr;
  ShimRingSegment *Segs = nullptr;
  ShimRecord *Recs = nullptr;
  uint32_t NSeg = 0, SegRecs = 0;
  int Out = -1;
  uint64_t Written = 0, Torn = 0;
  std::vector<uint64_t> Tail; // our copy of each segment's tail
  bool Retired = false;
};

RingDrainer::RingDrainer(std::string RingDirIn, std::string LedgerDirIn, DrainOptions O)
    : RingDir(std::move(RingDirIn)), LedgerDir(std::move(LedgerDirIn)), Opts(O) {
  std::string P = RingDir + "/" SHIM_DRAIN_PAGE_NAME;
  int Fd = open(P.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (Fd < 0 || ftruncate(Fd, 4096) != 0) {
    Err = "cannot create " + P + ": " + strerror(errno);
    if (Fd >= 0)
      close(Fd);
    return;
  }
  void *M = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
  close(Fd);
  if (M == MAP_FAILED) {
    Err = "cannot map " + P + ": " + strerror(errno);
    return;
  }
  Page = static_cast<ShimDrainPage *>(M);
  Page->version = SHIM_PROTOCOL_VERSION;
  Page->drainer_pid = getpid();
  Page->segments = O.Segments;
  Page->segment_records = O.SegmentRecords;
  __atomic_store_n(&Page->magic, SHIM_DRAIN_MAGIC, __ATOMIC_RELEASE);
}

RingDrainer::~RingDrainer() {
  finish();
  if (Page)
    munmap(Page, 4096);
}

void RingDrainer::start() {
  if (!Page || Thread.joinable() || Finished)
    return;
  Thread = std::thread([this] { loop(); });
}

DrainStats RingDrainer::stats() const {
  std::lock_guard<std::mutex> L(Mu);
  return Stats;
}

// New ring files; an older image of a pid that has a newer ring exec'd.
void RingDrainer::scan() {
  LastScanNs = monoNs();
  DIR *D = opendir(RingDir.c_str());
  if (!D)
    return;
  while (dirent *E = readdir(D)) {
    std::string N = E->d_name;
    if (N.rfind("ring.", 0) != 0 || N.size() < 10 || N.compare(N.size() - 4, 4, ".bin") != 0)
      continue;
    std::string Stem = N.substr(5, N.size() - 9);
    if (Rings.count(Stem))
      continue;
    std::string Path = RingDir + "/" + N;
    int Fd = open(Path.c_str(), O_RDWR | O_CLOEXEC);
    if (Fd < 0)
      continue;
    struct stat St;
    ShimLedgerHeader H;
    if (fstat(Fd, &St) != 0 || pread(Fd, &H, sizeof H, 0) != ssize_t(sizeof H) ||
        H.magic != SHIM_LEDGER_MAGIC || !(H.flags & SHIM_LEDGER_FLAG_RING) || !H.ring_segments ||
        !H.ring_segment_records || (H.ring_segment_records & (H.ring_segment_records - 1)) ||
        (H.ring_segments & (H.ring_segments - 1))) {
      close(Fd); // not published yet (or not a ring): next scan
      continue;
    }
    uint64_t Table = SHIM_RING_SEGMENT_TABLE_SIZE(H.ring_segments);
    uint64_t Bytes = SHIM_LEDGER_HEADER_SIZE + Table +
                     uint64_t(H.ring_segments) * H.ring_segment_records * SHIM_RECORD_SIZE;
    if (uint64_t(St.st_size) < Bytes) {
      close(Fd);
      continue;
    }
    void *M = mmap(nullptr, Bytes, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
    close(Fd);
    if (M == MAP_FAILED)
      continue;
    auto R = std::make_unique<Ring>();
    R->Stem = Stem;
    R->RingPath = Path;
    R->LedgerPath = LedgerDir + "/ledger." + Stem + ".bin";
    R->Map = static_cast<char *>(M);
    R->Bytes = Bytes;
    R->H = reinterpret_cast<ShimLedgerHeader *>(R->Map);
    R->Segs = reinterpret_cast<ShimRingSegment *>(R->Map + SHIM_LEDGER_HEADER_SIZE);
    R->Recs = reinterpret_cast<ShimRecord *>(R->Map + SHIM_LEDGER_HEADER_SIZE + Table);
    R->NSeg = H.ring_segments;
    R->SegRecs = H.ring_segment_records;
    R->Pid = H.pid;
    R->StartNs = H.start_mono_ns;
    R->Tail.resize(R->NSeg);
    for (uint32_t S = 0; S < R->NSeg; ++S)
      R->Tail[S] = __atomic_load_n(&R->Segs[S].tail, __ATOMIC_ACQUIRE);
    R->Out = open(R->LedgerPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (R->Out < 0) {
      munmap(M, Bytes);
      continue;
    }
    ++Stats.Rings;
    Rings[Stem] = std::move(R);
  }
  closedir(D);
}

// Moves the committed records of R at the front of each segment. Final: the
// writers are gone; a slot reserved but not committed is torn. Runs of
// committed records go straight from the ring to the ledger file (one copy,
// by the kernel), then their commit words are cleared and `tail` advances:
// a writer reuses a slot only once its record is in the file.
uint64_t RingDrainer::drainRing(Ring &R, bool Final) {
  uint64_t N = 0;
  for (uint32_t S = 0; S < R.NSeg; ++S) {
    ShimRingSegment &Seg = R.Segs[S];
    ShimRecord *Base = &R.Recs[uint64_t(S) * R.SegRecs];
    uint64_t T = R.Tail[S];
    uint64_t Head = __atomic_load_n(&Seg.head, __ATOMIC_ACQUIRE);
    auto publish = [&](uint64_t NewTail) {
      __atomic_store_n(&Seg.tail, NewTail, __ATOMIC_SEQ_CST);
      if (__atomic_load_n(&Seg.waiters, __ATOMIC_SEQ_CST))
        futexWake(reinterpret_cast<uint32_t *>(&Seg.tail));
    };
    while (T != Head) {
      // A run: committed, contiguous in memory (up to the segment's end).
      uint64_t Run = T;
      uint64_t Limit = std::min<uint64_t>(Head, T + (R.SegRecs - (T & (R.SegRecs - 1))));
      while (Run != Limit &&
             __atomic_load_n(&Base[Run & (R.SegRecs - 1)].commit, __ATOMIC_ACQUIRE) == SHIM_RECORD_COMMITTED)
        ++Run;
      if (Run != T) {
        uint64_t K = Run - T;
        writeAll(R.Out, &Base[T & (R.SegRecs - 1)], K * sizeof(ShimRecord),
                 off_t(SHIM_LEDGER_HEADER_SIZE + R.Written * SHIM_RECORD_SIZE));
        for (uint64_t I = T; I != Run; ++I)
          __atomic_store_n(&Base[I & (R.SegRecs - 1)].commit, 0u, __ATOMIC_RELAXED);
        R.Written += K;
        N += K;
        T = Run;
        R.Tail[S] = T;
        publish(T);
        continue;
      }
      // T is reserved and not committed.
      if (!Final)
        break; // being written (or frozen mid-write): next pass
      ++R.Torn;
      R.Tail[S] = ++T;
      publish(T);
    }
  }
  if (N || Final || R.Written == 0) {
    // The header as the shim keeps it (maps_count, unwind counters, dropped),
    // with the flat file's own count.
    alignas(8) char Hdr[SHIM_LEDGER_HEADER_SIZE];
    memcpy(Hdr, R.H, sizeof Hdr);
    auto *H = reinterpret_cast<ShimLedgerHeader *>(Hdr);
    H->capacity = R.Written;
    H->cursor = R.Written;
    H->torn = R.Torn;
    writeAll(R.Out, Hdr, sizeof Hdr, 0);
  }
  Stats.Records += N;
  return N;
}

void RingDrainer::retire(Ring &R) {
  if (R.Retired)
    return;
  drainRing(R, /*Final=*/true);
  Stats.Torn += R.Torn;
  close(R.Out);
  R.Out = -1;
  munmap(R.Map, R.Bytes);
  R.Map = nullptr;
  unlink(R.RingPath.c_str());
  R.Retired = true;
}

uint64_t RingDrainer::drainOnce(bool Final) {
  std::lock_guard<std::mutex> L(Mu);
  ++Stats.Passes;
  // New images (fork, exec) and images gone: every 50 ms.
  bool Look = Final || monoNs() - LastScanNs > 50000000ull;
  if (Look)
    scan();
  uint64_t N = 0;
  // Rings of images that are gone get a last, final pass (gone is decided
  // before the pass: no write can follow it). An image whose pid has a newer
  // ring exec'd.
  std::map<int, uint64_t> Newest;
  for (auto &[Stem, R] : Rings)
    if (!R->Retired)
      Newest[R->Pid] = std::max(Newest[R->Pid], R->StartNs);
  for (auto &[Stem, R] : Rings) {
    if (R->Retired)
      continue;
    if (Final || (Look && (R->StartNs < Newest[R->Pid] || processGone(R->Pid)))) {
      uint64_t Before = Stats.Records;
      retire(*R);
      N += Stats.Records - Before;
    } else {
      N += drainRing(*R, false);
    }
  }
  return N;
}

bool RingDrainer::anyHalfFull() {
  for (auto &[Stem, R] : Rings) {
    if (R->Retired)
      continue;
    for (uint32_t S = 0; S < R->NSeg; ++S)
      if (__atomic_load_n(&R->Segs[S].head, __ATOMIC_SEQ_CST) - R->Tail[S] >= R->SegRecs / 2)
        return true;
  }
  return false;
}

void RingDrainer::loop() {
  uint32_t Seen = __atomic_load_n(&Page->doorbell, __ATOMIC_ACQUIRE);
  bool Rang = false;
  while (!Stop.load()) {
    uint64_t N = drainOnce(false);
    if (Rang && N == 0) {
      // A writer rang and nothing known was waiting: a new image's ring.
      {
        std::lock_guard<std::mutex> L(Mu);
        scan();
      }
      drainOnce(false);
    }
    Seen = __atomic_load_n(&Page->doorbell, __ATOMIC_SEQ_CST);
    __atomic_store_n(&Page->sleeping, 1u, __ATOMIC_SEQ_CST);
    bool Busy;
    {
      std::lock_guard<std::mutex> L(Mu);
      Busy = anyHalfFull();
    }
    if (!Busy && !Stop.load())
      futexWait(&Page->doorbell, Seen, Opts.PollMs);
    __atomic_store_n(&Page->sleeping, 0u, __ATOMIC_SEQ_CST);
    uint32_t Now2 = __atomic_load_n(&Page->doorbell, __ATOMIC_ACQUIRE);
    Rang = Now2 != Seen;
    if (Rang) {
      std::lock_guard<std::mutex> L(Mu);
      ++Stats.Wakeups;
    }
  }
}

void RingDrainer::finish() {
  if (Finished || !Page)
    return;
  Finished = true;
  Stop.store(true);
  __atomic_fetch_add(&Page->doorbell, 1, __ATOMIC_SEQ_CST);
  futexWake(&Page->doorbell);
  if (Thread.joinable())
    Thread.join();
  // From here on a writer that finds its segment full drops (counted).
  __atomic_store_n(&Page->closed, 1u, __ATOMIC_SEQ_CST);
  {
    std::lock_guard<std::mutex> L(Mu);
    scan();
    for (auto &[Stem, R] : Rings)
      if (!R->Retired)
        for (uint32_t S = 0; S < R->NSeg; ++S)
          futexWake(reinterpret_cast<uint32_t *>(&R->Segs[S].tail));
  }
  drainOnce(/*Final=*/true);
  unlink((RingDir + "/" SHIM_DRAIN_PAGE_NAME).c_str());
}

} // namespace serverless::shim
