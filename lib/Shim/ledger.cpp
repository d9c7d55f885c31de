//===- ledger.cpp - recording core of libserverless-shim.so ---------------===//
//
// Part of serverless-tidy. Everything here runs inside the user's function,
// possibly in signal handlers, in fork children and before main(): no malloc,
// no libstdc++, no locks on the recording path, raw syscalls for the shim's own
// I/O (so its own files never show up in its own ledger), errno preserved.
//
//===----------------------------------------------------------------------===//
#include "ledger.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>
#include <stddef.h>

__thread int shim_t_guard __attribute__((tls_model("initial-exec")));
__thread int shim_t_inflight_call __attribute__((tls_model("initial-exec")));
__thread uint64_t shim_t_inflight_ns __attribute__((tls_model("initial-exec")));
__thread uint64_t shim_t_streak_ns __attribute__((tls_model("initial-exec")));
__thread uint64_t shim_t_block_end_ns __attribute__((tls_model("initial-exec")));
__thread int shim_t_interrupted __attribute__((tls_model("initial-exec")));
__thread uint64_t shim_t_handle __attribute__((tls_model("initial-exec")));
static __thread int t_tid __attribute__((tls_model("initial-exec")));

uint8_t shim_kind_table[SHIM_KIND_TABLE_SIZE];
// fd -> the thread that last read from that socket (0: none since it was
// made). Only sockets are ever written, so untouched pages stay unmapped.
static int32_t FdReader[SHIM_KIND_TABLE_SIZE];
int shim_init_state;
int shim_enabled;

namespace {

struct Globals {
  ShimLedgerHeader *Hdr;
  ShimRecord *Recs;
  uint64_t Cap;
  ShimControl *Ctl;
  int Frames;
  int Sig;
  uintptr_t SelfLo, SelfHi;
  char Dir[256];
  char Base[64]; // "<pid>.<start_ns>"
  char LedgerPath[400];
  int UnwindMode; // 0 fast (cached CFI, libgcc fallback), 1 libgcc only, 2 check both
  sockaddr_in RuntimeApi;
  int HaveRuntimeApi;
  int WatcherStarted;
  int NeedWatcher;
  // Capture bookkeeping.
  int CaptureAcks;
  int Capturing;
  // Ring mode (SERVERLESS_SHIM_RING with a live drainer; ShimProtocol.h):
  // Segs non-null. The ring's pages are reused, nothing is released behind.
  ShimDrainPage *Drain;
  char RingDir[256];
  ShimRingSegment *Segs;
  uint32_t NSeg, SegRecs; // powers of two
  void *RingMap;          // this image's ring mapping (a fork child unmaps its parent's)
  uint64_t RingBytes;
};
Globals G;

long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  return syscall(n, a, b, c, d, e, f);
}

int rawOpen(const char *p, int flags, int mode = 0) {
  return (int)sys(SYS_openat, AT_FDCWD, (long)p, flags | O_CLOEXEC, mode);
}
void rawClose(int fd) { sys(SYS_close, fd); }

size_t slen(const char *s) {
  size_t n = 0;
  while (s[n])
    ++n;
  return n;
}

// Small bounded string builder (snprintf is not async-signal-safe).
struct Buf {
  char *P;
  size_t N, Len = 0;
  Buf(char *P, size_t N) : P(P), N(N) { P[0] = 0; }
  Buf &s(const char *S) {
    while (*S && Len + 1 < N)
      P[Len++] = *S++;
    P[Len] = 0;
    return *this;
  }
  Buf &u(unsigned long long V) {
    char T[24];
    int I = 0;
    do {
      T[I++] = char('0' + V % 10);
      V /= 10;
    } while (V);
    while (I && Len + 1 < N)
      P[Len++] = T[--I];
    P[Len] = 0;
    return *this;
  }
};

// MADV_POPULATE_WRITE (Linux 5.14): fault pages in writable, in one call;
// on older kernels the call fails (EINVAL) and pages fault one by one.
#define SHIM_MADV_POPULATE_WRITE 23
#define SHIM_POPULATE_RECORDS 1024ull

uint64_t monoNs() {
  timespec T;
  clock_gettime(CLOCK_MONOTONIC, &T);
  return uint64_t(T.tv_sec) * 1000000000ull + uint64_t(T.tv_nsec);
}
int64_t realMs() {
  timespec T;
  clock_gettime(CLOCK_REALTIME, &T);
  return int64_t(T.tv_sec) * 1000 + T.tv_nsec / 1000000;
}

int tid() {
  if (!t_tid)
    t_tid = (int)sys(SYS_gettid);
  return t_tid;
}

uint64_t currentState() {
  return G.Ctl ? __atomic_load_n(&G.Ctl->state, __ATOMIC_ACQUIRE) : 0;
}

// ---- Loaded objects ------------------------------------------------------------
// The text ranges of the loaded objects, copied from dl_iterate_phdr (which
// takes the loader's lock) only when needed: at start, when a captured return
// address is in no known object (a dlopen since), at most every 100 ms to
// notice a dlclose/dlopen at the same address, and before a deadline capture.
// Two tables, the current one published by an index; readers never lock.
struct ObjRange {
  uintptr_t Lo, Hi;
};
constexpr int MaxObjRanges = 512;
struct ObjTable {
  int N;
  ObjRange R[MaxObjRanges];
};
ObjTable ObjTabs[2];
int ObjCur;
int ObjRefreshing;
uint64_t ObjLastRefreshNs;
unsigned long long LastAdds;
constexpr uint64_t ObjPeriodNs = 100000000ull; // 100 ms
constexpr uint64_t ObjMissNs = 1000000ull;     // an unknown PC: at most once per ms

struct ObjCollect {
  ObjTable *T;
  unsigned long long Adds;
};
int collectCb(dl_phdr_info *Info, size_t, void *Arg) {
  auto *C = static_cast<ObjCollect *>(Arg);
  C->Adds = Info->dlpi_adds;
  for (int I = 0; I < Info->dlpi_phnum && C->T->N < MaxObjRanges; ++I) {
    const auto &Ph = Info->dlpi_phdr[I];
    if (Ph.p_type != PT_LOAD || !(Ph.p_flags & PF_X))
      continue;
    uintptr_t Lo = Info->dlpi_addr + Ph.p_vaddr;
    C->T->R[C->T->N++] = {Lo, Lo + Ph.p_memsz};
  }
  return 0;
}

bool knownPc(uintptr_t Pc) {
  const ObjTable &T = ObjTabs[__atomic_load_n(&ObjCur, __ATOMIC_ACQUIRE)];
  int Lo = 0, Hi = T.N < MaxObjRanges ? T.N : MaxObjRanges;
  while (Lo < Hi) {
    int M = (Lo + Hi) / 2;
    if (Pc < T.R[M].Lo)
      Hi = M;
    else if (Pc >= T.R[M].Hi)
      Lo = M + 1;
    else
      return true;
  }
  return false;
}

void dumpMaps();
ShimRecord *begin(int Type, int Call);
void commit(ShimRecord *R);

// Made inside a library call on a handle (curl_easy_perform): the record
// names the handle, so the reader joins it to where the handle was made.
inline void setHandle(ShimRecord *R) {
  if (uint64_t H = shim_t_handle) {
    R->flags |= SHIM_FLAG_HANDLE;
    R->aux = uint32_t(H);
    R->reserved = uint32_t(H >> 32);
  }
}

// Re-reads the object list; a new object (dlpi_adds changed) gets a new
// maps copy and a DLOPEN record. DumpOnChange false: the start (maps were
// just copied).
void refreshObjects(bool DumpOnChange) {
  if (__atomic_exchange_n(&ObjRefreshing, 1, __ATOMIC_ACQUIRE))
    return; // another thread is at it
  int Next = 1 - __atomic_load_n(&ObjCur, __ATOMIC_RELAXED);
  ObjTable &T = ObjTabs[Next];
  T.N = 0;
  ObjCollect C{&T, 0};
  dl_iterate_phdr(collectCb, &C);
  for (int I = 1; I < T.N; ++I) // insertion sort: a few dozen objects
    for (int J = I; J > 0 && T.R[J].Lo < T.R[J - 1].Lo; --J) {
      ObjRange X = T.R[J];
      T.R[J] = T.R[J - 1];
      T.R[J - 1] = X;
    }
  __atomic_store_n(&ObjCur, Next, __ATOMIC_RELEASE);
  __atomic_store_n(&ObjLastRefreshNs, monoNs(), __ATOMIC_RELAXED);
  unsigned long long Old = __atomic_load_n(&LastAdds, __ATOMIC_RELAXED);
  __atomic_store_n(&LastAdds, C.Adds, __ATOMIC_RELAXED);
  if (DumpOnChange && C.Adds != Old && G.Hdr) {
    uint32_t K = G.Hdr->maps_count;
    dumpMaps();
    if (ShimRecord *R = begin(SHIM_REC_DLOPEN, SHIM_CALL_dlopen)) {
      R->aux = K;
      commit(R);
    }
  }
  __atomic_store_n(&ObjRefreshing, 0, __ATOMIC_RELEASE);
}

// After a stack was taken at NowNs: refresh the object list when one of its
// return addresses is in no known object (dlopen since the last copy), or
// when the last copy is older than ObjPeriodNs.
// The fast unwinder has checked every return address it took against the
// list already; only a stack libgcc took is scanned (t_slow_stack).
__thread int t_slow_stack __attribute__((tls_model("initial-exec")));
void noteFrames(const uint64_t *Frames, int N, uint64_t NowNs) {
  uint64_t Last = __atomic_load_n(&ObjLastRefreshNs, __ATOMIC_RELAXED);
  uint64_t Age = NowNs > Last ? NowNs - Last : 0;
  if (Age >= ObjPeriodNs) {
    refreshObjects(true);
    return;
  }
  if (!t_slow_stack || Age < ObjMissNs)
    return;
  for (int I = 0; I < N; ++I)
    if (!knownPc(uintptr_t(Frames[I]))) {
      refreshObjects(true);
      return;
    }
}

// ---- Stacks ----------------------------------------------------------------
struct UnwindState {
  uint64_t *Out;
  int Max, N;
  uintptr_t UntilPc; // signal capture: skip until the interrupted PC
};

_Unwind_Reason_Code unwindCb(_Unwind_Context *Ctx, void *Arg) {
  auto *S = static_cast<UnwindState *>(Arg);
  uintptr_t Pc = _Unwind_GetIP(Ctx);
  if (!Pc)
    return _URC_END_OF_STACK;
  if (S->UntilPc) {
    if (Pc != S->UntilPc)
      return _URC_NO_REASON;
    S->UntilPc = 0;
  } else if (S->N == 0 && Pc >= G.SelfLo && Pc < G.SelfHi) {
    return _URC_NO_REASON; // the shim's own frames
  }
  S->Out[S->N++] = Pc;
  return S->N >= S->Max ? _URC_END_OF_STACK : _URC_NO_REASON;
}

// libgcc's unwinder: every frame's FDE looked up and its CFA program run.
int slowStack(uint64_t *Out, int Max, uintptr_t UntilPc) {
  if (Max <= 0)
    return 0;
  UnwindState S{Out, Max, 0, UntilPc};
  _Unwind_Backtrace(unwindCb, &S);
  return S.N;
}

#if defined(__x86_64__)
// The cached-CFI unwinder (x86_64). Each return address's unwind rule --
// where the CFA is (rsp or rbp + offset), where the return address and the
// caller's rbp are saved -- is computed once from the object's .eh_frame (the
// data libgcc's unwinder reads) and kept in a lock-free table; a frame then
// costs a hash lookup and two loads instead of an FDE search and a CFA
// program. Anything outside that model (a signal frame, a CFA expression, a
// return address in no known object) falls back to _Unwind_Backtrace for the
// whole stack.
struct DwarfEhBases {
  void *tbase, *dbase, *func;
};
extern "C" const void *_Unwind_Find_FDE(void *Pc, DwarfEhBases *Bases);

struct Rule {
  bool End;      // the return address is undefined: the outermost frame
  bool CfaIsFp;  // CFA = rbp + CfaOff (else rsp + CfaOff)
  bool FpSaved;  // the caller's rbp is at CFA + FpOff (else unchanged)
  uint32_t CfaOff;
  int32_t FpOff, RaOff;
};
// Packed: bit 63 valid, 62 End, 61 CfaIsFp, 60 FpSaved, 0-31 CfaOff,
// 32-43 FpOff + 2048, 44-55 RaOff + 2048.
uint64_t packRule(const Rule &R) {
  return (1ull << 63) | (uint64_t(R.End) << 62) | (uint64_t(R.CfaIsFp) << 61) | (uint64_t(R.FpSaved) << 60) |
         uint64_t(R.CfaOff) | (uint64_t(uint32_t(R.FpOff + 2048) & 0xfff) << 32) |
         (uint64_t(uint32_t(R.RaOff + 2048) & 0xfff) << 44);
}
Rule unpackRule(uint64_t V) {
  Rule R;
  R.End = (V >> 62) & 1;
  R.CfaIsFp = (V >> 61) & 1;
  R.FpSaved = (V >> 60) & 1;
  R.CfaOff = uint32_t(V);
  R.FpOff = int32_t((V >> 32) & 0xfff) - 2048;
  R.RaOff = int32_t((V >> 44) & 0xfff) - 2048;
  return R;
}

struct RuleSlot {
  uint64_t Key, Val;
};
constexpr unsigned RuleBits = 12;
RuleSlot RuleCache[1u << RuleBits];

uint64_t uleb(const uint8_t *&P, const uint8_t *End) {
  uint64_t V = 0;
  for (int Shift = 0; P < End && Shift < 64; Shift += 7) {
    uint8_t B = *P++;
    V |= uint64_t(B & 0x7f) << Shift;
    if (!(B & 0x80))
      break;
  }
  return V;
}
int64_t sleb(const uint8_t *&P, const uint8_t *End) {
  int64_t V = 0;
  int Shift = 0;
  uint8_t B = 0;
  while (P < End && Shift < 64) {
    B = *P++;
    V |= int64_t(B & 0x7f) << Shift;
    Shift += 7;
    if (!(B & 0x80))
      break;
  }
  if (Shift < 64 && (B & 0x40))
    V |= -(int64_t(1) << Shift);
  return V;
}
// Skips a DW_EH_PE-encoded value. False for an encoding we do not know.
bool skipEncoded(const uint8_t *&P, const uint8_t *End, uint8_t Enc) {
  if (Enc == 0xff)
    return true; // omit
  switch (Enc & 0x0f) {
  case 0x00: P += 8; break; // absptr
  case 0x01: uleb(P, End); break;
  case 0x09: sleb(P, End); break;
  case 0x02: case 0x0a: P += 2; break;
  case 0x03: case 0x0b: P += 4; break;
  case 0x04: case 0x0c: P += 8; break;
  default: return false;
  }
  return P <= End;
}
uint32_t rd32(const uint8_t *P) {
  uint32_t V;
  memcpy(&V, P, 4);
  return V;
}

enum { RegFp = 6, RegSp = 7, RegRa = 16 };
struct RegRule {
  int8_t Kind; // 0 same value, 1 saved at CFA + Off, 2 undefined
  int32_t Off;
};
struct CfaState {
  int CfaReg;
  int64_t CfaOff;
  RegRule Fp, Ra;
};

// Runs CFA instructions [P, End) from Loc while Loc <= Target. False: outside
// the model.
bool runCfa(const uint8_t *P, const uint8_t *End, uint64_t CodeAlign, int64_t DataAlign, uintptr_t &Loc,
            uintptr_t Target, CfaState &S, const CfaState &Init, uint8_t FdeEnc) {
  CfaState Stack[8];
  int Depth = 0;
  auto setReg = [&](uint64_t Reg, RegRule R) {
    if (Reg == RegFp)
      S.Fp = R;
    else if (Reg == RegRa)
      S.Ra = R;
  };
  auto touchesTracked = [](uint64_t Reg) { return Reg == RegFp || Reg == RegRa; };
  while (P < End) {
    uint8_t Op = *P++;
    uint8_t Hi = Op & 0xc0, Lo6 = Op & 0x3f;
    if (Hi == 0x40) { // advance_loc
      Loc += Lo6 * CodeAlign;
      if (Loc > Target)
        return true;
      continue;
    }
    if (Hi == 0x80) { // offset
      setReg(Lo6, {1, int32_t(int64_t(uleb(P, End)) * DataAlign)});
      continue;
    }
    if (Hi == 0xc0) { // restore
      if (Lo6 == RegFp)
        S.Fp = Init.Fp;
      else if (Lo6 == RegRa)
        S.Ra = Init.Ra;
      continue;
    }
    switch (Op) {
    case 0x00: // nop
      break;
    case 0x01: { // set_loc
      if ((FdeEnc & 0x70) != 0 || (FdeEnc & 0x0f) != 0x00)
        return false; // only absolute addresses here
      uint64_t A;
      if (P + 8 > End)
        return false;
      memcpy(&A, P, 8);
      P += 8;
      Loc = uintptr_t(A);
      if (Loc > Target)
        return true;
      break;
    }
    case 0x02: case 0x03: case 0x04: { // advance_loc1/2/4
      uint64_t D = 0;
      int Bytes = Op == 0x02 ? 1 : Op == 0x03 ? 2 : 4;
      if (P + Bytes > End)
        return false;
      memcpy(&D, P, size_t(Bytes));
      P += Bytes;
      Loc += D * CodeAlign;
      if (Loc > Target)
        return true;
      break;
    }
    case 0x05: { // offset_extended
      uint64_t R = uleb(P, End);
      setReg(R, {1, int32_t(int64_t(uleb(P, End)) * DataAlign)});
      break;
    }
    case 0x06: { // restore_extended
      uint64_t R = uleb(P, End);
      if (R == RegFp)
        S.Fp = Init.Fp;
      else if (R == RegRa)
        S.Ra = Init.Ra;
      break;
    }
    case 0x07: // undefined
      setReg(uleb(P, End), {2, 0});
      break;
    case 0x08: // same_value
      setReg(uleb(P, End), {0, 0});
      break;
    case 0x09: { // register
      uint64_t R = uleb(P, End);
      uleb(P, End);
      if (touchesTracked(R))
        return false;
      break;
    }
    case 0x0a: // remember_state
      if (Depth >= 8)
        return false;
      Stack[Depth++] = S;
      break;
    case 0x0b: // restore_state
      if (!Depth)
        return false;
      S = Stack[--Depth];
      break;
    case 0x0c: // def_cfa
      S.CfaReg = int(uleb(P, End));
      S.CfaOff = int64_t(uleb(P, End));
      break;
    case 0x0d: // def_cfa_register
      S.CfaReg = int(uleb(P, End));
      break;
    case 0x0e: // def_cfa_offset
      S.CfaOff = int64_t(uleb(P, End));
      break;
    case 0x0f: // def_cfa_expression
      return false;
    case 0x10: case 0x16: { // expression, val_expression
      uint64_t R = uleb(P, End);
      uint64_t Len = uleb(P, End);
      if (touchesTracked(R) || Len > uint64_t(End - P))
        return false;
      P += Len;
      break;
    }
    case 0x11: { // offset_extended_sf
      uint64_t R = uleb(P, End);
      setReg(R, {1, int32_t(sleb(P, End) * DataAlign)});
      break;
    }
    case 0x12: // def_cfa_sf
      S.CfaReg = int(uleb(P, End));
      S.CfaOff = sleb(P, End) * DataAlign;
      break;
    case 0x13: // def_cfa_offset_sf
      S.CfaOff = sleb(P, End) * DataAlign;
      break;
    case 0x14: case 0x15: { // val_offset(_sf)
      uint64_t R = uleb(P, End);
      if (Op == 0x14)
        uleb(P, End);
      else
        sleb(P, End);
      if (touchesTracked(R))
        return false;
      break;
    }
    case 0x2e: // GNU_args_size
      uleb(P, End);
      break;
    case 0x2f: { // GNU_negative_offset_extended
      uint64_t R = uleb(P, End);
      setReg(R, {1, int32_t(-int64_t(uleb(P, End)) * DataAlign)});
      break;
    }
    default:
      return false;
    }
  }
  return true;
}

// The rule at Pc (a return address minus one, or the first frame's exact PC).
bool computeRule(uintptr_t Pc, Rule &Out) {
  DwarfEhBases Bases{};
  const uint8_t *Fde = static_cast<const uint8_t *>(_Unwind_Find_FDE(reinterpret_cast<void *>(Pc), &Bases));
  if (!Fde || !Bases.func)
    return false;
  uint32_t FLen = rd32(Fde);
  if (FLen == 0 || FLen == 0xffffffffu)
    return false;
  const uint8_t *FEnd = Fde + 4 + FLen;
  const uint8_t *CiePtr = Fde + 4 - rd32(Fde + 4);
  uint32_t CLen = rd32(CiePtr);
  if (CLen == 0 || CLen == 0xffffffffu || rd32(CiePtr + 4) != 0)
    return false;
  const uint8_t *CEnd = CiePtr + 4 + CLen;
  const uint8_t *P = CiePtr + 8;
  uint8_t Version = *P++;
  const char *Aug = reinterpret_cast<const char *>(P);
  size_t AugLen = 0;
  while (P + AugLen < CEnd && Aug[AugLen])
    ++AugLen;
  P += AugLen + 1;
  if (Version == 4)
    P += 2;
  uint64_t CodeAlign = uleb(P, CEnd);
  int64_t DataAlign = sleb(P, CEnd);
  uint64_t RaReg = Version == 1 ? *P++ : uleb(P, CEnd);
  if (RaReg != RegRa)
    return false;
  uint8_t FdeEnc = 0;
  bool HasZ = Aug[0] == 'z';
  if (HasZ) {
    uint64_t L = uleb(P, CEnd);
    const uint8_t *AugEnd = P + L;
    for (size_t I = 1; I < AugLen; ++I) {
      char C = Aug[I];
      if (C == 'R') {
        FdeEnc = *P++;
      } else if (C == 'P') {
        uint8_t E = *P++;
        if (!skipEncoded(P, AugEnd, E & 0x7f))
          return false;
      } else if (C == 'L') {
        ++P;
      } else if (C == 'B' || C == 'G') {
      } else {
        return false; // 'S' (signal frame) and anything unknown
      }
    }
    P = AugEnd;
  } else if (AugLen) {
    return false;
  }
  if (P > CEnd)
    return false;
  CfaState Init{RegSp, 8, {0, 0}, {1, -8}};
  uintptr_t Loc = uintptr_t(Bases.func);
  CfaState S{-1, 0, {0, 0}, {0, 0}};
  uintptr_t NoStop = ~uintptr_t(0);
  if (!runCfa(P, CEnd, CodeAlign, DataAlign, Loc, NoStop, S, S, FdeEnc))
    return false;
  Init = S;
  // The FDE: pc_begin and pc_range (Bases.func is pc_begin), augmentation data.
  const uint8_t *F = Fde + 8;
  if (!skipEncoded(F, FEnd, uint8_t(FdeEnc & 0x0f)) || !skipEncoded(F, FEnd, uint8_t(FdeEnc & 0x0f)))
    return false;
  if (HasZ) {
    uint64_t L = uleb(F, FEnd);
    F += L;
  }
  if (F > FEnd)
    return false;
  Loc = uintptr_t(Bases.func);
  if (!runCfa(F, FEnd, CodeAlign, DataAlign, Loc, Pc, S, Init, FdeEnc))
    return false;
  if (S.Ra.Kind == 2) {
    Out = Rule{true, false, false, 0, 0, 0};
    return true;
  }
  if ((S.CfaReg != RegSp && S.CfaReg != RegFp) || S.CfaOff <= 0 || S.CfaOff >= (1ll << 31) ||
      S.Ra.Kind != 1 || S.Ra.Off < -2048 || S.Ra.Off > 2047 ||
      (S.Fp.Kind == 1 && (S.Fp.Off < -2048 || S.Fp.Off > 2047)) || S.Fp.Kind == 2)
    return false;
  Out = Rule{false, S.CfaReg == RegFp, S.Fp.Kind == 1, uint32_t(S.CfaOff), S.Fp.Off, S.Ra.Off};
  return true;
}

bool ruleFor(uintptr_t Pc, Rule &Out) {
  uint64_t H = (uint64_t(Pc) * 0x9E3779B97F4A7C15ull) >> (64 - RuleBits);
  for (unsigned Probe = 0; Probe < 8; ++Probe) {
    RuleSlot &Sl = RuleCache[(H + Probe) & ((1u << RuleBits) - 1)];
    uint64_t K = __atomic_load_n(&Sl.Key, __ATOMIC_ACQUIRE);
    if (K == Pc) {
      uint64_t V = __atomic_load_n(&Sl.Val, __ATOMIC_ACQUIRE);
      if (V >> 63) {
        Out = unpackRule(V);
        return true;
      }
      return computeRule(Pc, Out); // being filled in by another thread
    }
    if (K == 0) {
      if (!computeRule(Pc, Out))
        return false;
      uint64_t Zero = 0;
      if (__atomic_compare_exchange_n(&Sl.Key, &Zero, uint64_t(Pc), false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_RELAXED))
        __atomic_store_n(&Sl.Val, packRule(Out), __ATOMIC_RELEASE);
      return true;
    }
  }
  return computeRule(Pc, Out); // table crowded here: not cached
}

// Returns the frames taken, or -1 when the stack leaves the model (the
// caller then uses libgcc's unwinder).
__attribute__((noinline)) int fastStack(uint64_t *Out, int Max) {
  uintptr_t Pc, Sp, Fp;
  __asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2" : "=r"(Pc), "=r"(Sp), "=r"(Fp));
  int N = 0;
  bool First = true;
  for (int Steps = 0; N < Max && Steps < 64; ++Steps) {
    Rule R;
    if (!ruleFor(First ? Pc : Pc - 1, R))
      return -1;
    if (R.End)
      break;
    uintptr_t Cfa = (R.CfaIsFp ? Fp : Sp) + R.CfaOff;
    if (Cfa <= Sp || Cfa - Sp > (64u << 20) || (Cfa & 7))
      return -1;
    uintptr_t Ra = *reinterpret_cast<const uintptr_t *>(Cfa + intptr_t(R.RaOff));
    if (R.FpSaved)
      Fp = *reinterpret_cast<const uintptr_t *>(Cfa + intptr_t(R.FpOff));
    Sp = Cfa;
    Pc = Ra;
    First = false;
    if (!Ra)
      break;
    if (!knownPc(Ra))
      return -1; // a new object (or no object): libgcc, and refresh the list
    if (N == 0 && Ra >= G.SelfLo && Ra < G.SelfHi)
      continue; // the shim's own frames
    Out[N++] = Ra;
  }
  return N;
}
#endif

void countSlow() { if (G.Hdr) __atomic_fetch_add(&G.Hdr->unwind_slow, 1, __ATOMIC_RELAXED); }

// The stack of the calling thread (return addresses, innermost first, the
// shim's own frames dropped).
int captureStack(uint64_t *Out, int Max, uintptr_t UntilPc) {
  t_slow_stack = 0;
  if (Max <= 0)
    return 0;
#if defined(__x86_64__)
  if (!UntilPc && G.UnwindMode != 1) {
    int N = fastStack(Out, Max);
    if (N >= 0 && G.UnwindMode == 2) {
      uint64_t Check[SHIM_MAX_FRAMES];
      int M = slowStack(Check, Max, 0);
      if (M != N || memcmp(Check, Out, sizeof(uint64_t) * size_t(N)) != 0) {
        if (G.Hdr)
          __atomic_fetch_add(&G.Hdr->unwind_mismatch, 1, __ATOMIC_RELAXED);
        memcpy(Out, Check, sizeof(uint64_t) * size_t(M));
        return M;
      }
    }
    if (N >= 0)
      return N;
    countSlow();
  }
#endif
  t_slow_stack = 1;
  return slowStack(Out, Max, UntilPc);
}

// ---- Records ---------------------------------------------------------------
// Written records leave the function's memory. Every 1,024 records (256 KiB)
// the batch two behind the cursor is unmapped (MADV_DONTNEED: a shared file
// mapping keeps its data in the page cache; a late writer of a slot there
// faults the page back in), so the function's RSS holds about three batches
// of the ledger, not all of it; the write-back of the batch behind that is
// started (sync_file_range) and the two batches behind that, written back by
// then, are dropped from the page cache (POSIX_FADV_DONTNEED drops clean,
// unmapped pages), so the ledger is not charged to the function's memory
// cgroup either (Max Memory Used, the OOM limit): about 1.5 MiB in flight
// however long the run. All raw syscalls: safe in signal handlers. On tmpfs
// the pages stay (shared memory): use a disk-backed TMPDIR for long runs.
void releaseBehind(uint64_t I) {
  const uint64_t B = SHIM_POPULATE_RECORDS;
  const long Batch = long(B * SHIM_RECORD_SIZE);
  if (I < 2 * B)
    return;
  sys(SYS_madvise, (long)uintptr_t(&G.Recs[I - 2 * B]), Batch, MADV_DONTNEED);
  if (I < 3 * B || !G.LedgerPath[0])
    return;
  int Fd = rawOpen(G.LedgerPath, O_RDWR);
  if (Fd < 0)
    return;
  auto Off = [](uint64_t Rec) { return long(SHIM_LEDGER_HEADER_SIZE + Rec * SHIM_RECORD_SIZE); };
  sys(SYS_sync_file_range, Fd, Off(I - 3 * B), Batch, 2 /* SYNC_FILE_RANGE_WRITE */);
  if (I >= 5 * B)
    sys(SYS_fadvise64, Fd, Off(I - 5 * B), 2 * Batch, POSIX_FADV_DONTNEED);
  rawClose(Fd);
}

void futexWait(uint32_t *Addr, uint32_t Val, long Ms);
void futexWake(uint32_t *Addr);

// ---- Ring mode ---------------------------------------------------------------
void ringDoorbell() {
  __atomic_fetch_add(&G.Drain->doorbell, 1, __ATOMIC_SEQ_CST);
  futexWake(&G.Drain->doorbell);
}

bool drainerAlive() {
  if (__atomic_load_n(&G.Drain->closed, __ATOMIC_ACQUIRE))
    return false;
  int Pid = G.Drain->drainer_pid;
  if (Pid <= 0)
    return false;
  int Saved = errno;
  long Rc = sys(SYS_kill, Pid, 0);
  bool Alive = Rc == 0 || errno == EPERM;
  errno = Saved;
  return Alive;
}

// Position I of Seg is reserved but the segment is full: wait until the
// drainer has taken position I - SegRecs. Never drops while the drainer
// lives and has not closed the ring (then the record is counted dropped:
// the reader makes what it could change unknown).
bool ringWait(ShimRingSegment *Seg, uint64_t I) {
  __atomic_fetch_add(&G.Hdr->ring_waits, 1, __ATOMIC_RELAXED);
  for (;;) {
    uint64_t T = __atomic_load_n(&Seg->tail, __ATOMIC_SEQ_CST);
    if (I - T < G.SegRecs)
      return true;
    if (!drainerAlive()) {
      __atomic_fetch_add(&G.Hdr->dropped, 1, __ATOMIC_RELAXED);
      return false;
    }
    __atomic_fetch_add(&Seg->waiters, 1, __ATOMIC_SEQ_CST);
    ringDoorbell();
    // The low half of tail (little-endian): any advance changes it.
    futexWait(reinterpret_cast<uint32_t *>(&Seg->tail), uint32_t(T), 50);
    __atomic_fetch_sub(&Seg->waiters, 1, __ATOMIC_SEQ_CST);
  }
}

// One fetch_add on this thread's segment (tid % segments: no cursor shared
// by all threads), no syscall unless the drainer sleeps with the segment
// half full (one wake per half segment) or the segment is full.
inline ShimRecord *ringReserve() {
  uint32_t S = uint32_t(tid()) & (G.NSeg - 1);
  ShimRingSegment *Seg = &G.Segs[S];
  uint64_t I = __atomic_fetch_add(&Seg->head, 1, __ATOMIC_RELAXED);
  uint64_t T = __atomic_load_n(&Seg->tail, __ATOMIC_ACQUIRE);
  uint64_t Used = I - T;
  if (__builtin_expect(Used >= G.SegRecs, 0)) {
    if (!ringWait(Seg, I))
      return nullptr;
  } else if (Used >= G.SegRecs / 2 && (I & 63) == 0 &&
             __atomic_load_n(&G.Drain->sleeping, __ATOMIC_RELAXED)) {
    ringDoorbell();
  }
  return &G.Recs[uint64_t(S) * G.SegRecs + (I & (G.SegRecs - 1))];
}

ShimRecord *begin(int Type, int Call) {
  if (!G.Hdr)
    return nullptr;
  ShimRecord *R;
  if (G.Segs) {
    R = ringReserve();
    if (!R)
      return nullptr;
  } else {
    uint64_t I = __atomic_fetch_add(&G.Hdr->cursor, 1, __ATOMIC_RELAXED);
    if (I >= G.Cap) {
      __atomic_fetch_add(&G.Hdr->dropped, 1, __ATOMIC_RELAXED);
      return nullptr;
    }
    R = &G.Recs[I];
    // Fault the ledger in 256 KiB batches ahead of the cursor (the mapping is
    // MADV_RANDOM: no readahead of the sparse file's holes into the function's
    // memory): one madvise per 1,024 records instead of a fault per page.
    if ((I % SHIM_POPULATE_RECORDS) == 0) {
      if (I + SHIM_POPULATE_RECORDS < G.Cap) {
        uintptr_t From = uintptr_t(&G.Recs[I + SHIM_POPULATE_RECORDS]) & ~uintptr_t(4095);
        sys(SYS_madvise, (long)From, (long)(SHIM_POPULATE_RECORDS * SHIM_RECORD_SIZE), SHIM_MADV_POPULATE_WRITE);
      }
      releaseBehind(I);
    }
  }
  R->type = uint16_t(Type);
  R->call = uint16_t(Call);
  R->fd = -1;
  R->fd2 = -1;
  R->tid = tid();
  R->err = 0;
  R->mono_ns = monoNs();
  R->state = currentState();
  R->aux = 0;
  R->kind = 0;
  R->flags = 0;
  R->nframes = 0;
  R->peer_len = 0;
  R->peer[0] = 0;
  return R;
}
void commit(ShimRecord *R) { __atomic_store_n(&R->commit, SHIM_RECORD_COMMITTED, __ATOMIC_RELEASE); }

void setPeerText(ShimRecord *R, const char *S) {
  if (!S)
    return;
  size_t L = slen(S);
  const size_t Cap = sizeof(R->peer) - 1;
  if (L > Cap) // keep the tail: the file name says more than the prefix
    S += L - Cap, L = Cap;
  memcpy(R->peer, S, L);
  R->peer[L] = 0;
  R->peer_len = uint16_t(L);
}

void setPeerAddr(ShimRecord *R, const sockaddr *Sa, socklen_t Len) {
  if (!Sa || Len < sizeof(sa_family_t))
    return;
  if (Sa->sa_family == AF_UNIX) {
    auto *Un = reinterpret_cast<const sockaddr_un *>(Sa);
    char T[sizeof(R->peer)];
    Buf B(T, sizeof(T));
    B.s("unix:");
    if (Len > offsetof(sockaddr_un, sun_path) && Un->sun_path[0] == 0)
      B.s("@").s(Un->sun_path + 1);
    else if (Len > offsetof(sockaddr_un, sun_path))
      B.s(Un->sun_path);
    setPeerText(R, T);
    return;
  }
  size_t L = Len < sizeof(R->peer) ? Len : sizeof(R->peer);
  memcpy(R->peer, Sa, L);
  R->peer_len = uint16_t(L);
  R->flags |= SHIM_FLAG_PEER_SOCKADDR;
}

bool isRuntimeApi(const sockaddr *Sa, socklen_t Len) {
  if (!G.HaveRuntimeApi || !Sa || Len < sizeof(sockaddr_in) || Sa->sa_family != AF_INET)
    return false;
  auto *In = reinterpret_cast<const sockaddr_in *>(Sa);
  return In->sin_port == G.RuntimeApi.sin_port &&
         In->sin_addr.s_addr == G.RuntimeApi.sin_addr.s_addr;
}

void parseRuntimeApi(const char *S) {
  if (!S || !*S)
    return;
  char Host[64];
  size_t I = 0;
  while (S[I] && S[I] != ':' && I + 1 < sizeof(Host))
    Host[I] = S[I], ++I;
  Host[I] = 0;
  if (S[I] != ':')
    return;
  unsigned long Port = strtoul(S + I + 1, nullptr, 10);
  if (!Port || Port > 65535)
    return;
  in_addr A;
  if (!strcmp(Host, "localhost"))
    A.s_addr = htonl(INADDR_LOOPBACK);
  else if (inet_pton(AF_INET, Host, &A) != 1)
    return;
  G.RuntimeApi.sin_family = AF_INET;
  G.RuntimeApi.sin_port = htons(uint16_t(Port));
  G.RuntimeApi.sin_addr = A;
  G.HaveRuntimeApi = 1;
  if (G.Hdr) {
    size_t L = slen(S);
    if (L >= sizeof(G.Hdr->runtime_api))
      L = sizeof(G.Hdr->runtime_api) - 1;
    memcpy(G.Hdr->runtime_api, S, L);
  }
}

// ---- Files -----------------------------------------------------------------
void dumpMaps() {
  if (!G.Hdr)
    return;
  uint32_t K = __atomic_fetch_add(&G.Hdr->maps_count, 1, __ATOMIC_RELAXED);
  char Path[400];
  Buf B(Path, sizeof(Path));
  B.s(G.Dir).s("/maps.").s(G.Base).s(".").u(K).s(".txt");
  int In = rawOpen("/proc/self/maps", O_RDONLY);
  if (In < 0)
    return;
  int Out = rawOpen(Path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (Out >= 0) {
    char Chunk[4096];
    for (int Guard = 0; Guard < 100000; ++Guard) {
      long N = sys(SYS_read, In, (long)Chunk, sizeof(Chunk));
      if (N <= 0)
        break;
      sys(SYS_write, Out, (long)Chunk, N);
    }
    rawClose(Out);
  }
  rawClose(In);
}

int kindOfFd(int Fd, char *Link, size_t LinkCap) {
  char P[64];
  Buf B(P, sizeof(P));
  B.s("/proc/self/fd/").u((unsigned)Fd);
  long N = sys(SYS_readlinkat, AT_FDCWD, (long)P, (long)Link, LinkCap - 1);
  Link[N > 0 ? N : 0] = 0;
  struct stat St;
  if (sys(SYS_fstat, Fd, (long)&St) != 0)
    return SHIM_KIND_UNKNOWN;
  switch (St.st_mode & S_IFMT) {
  case S_IFREG:
    return SHIM_KIND_FILE;
  case S_IFDIR:
    return SHIM_KIND_DIR;
  case S_IFIFO:
    return SHIM_KIND_PIPE;
  case S_IFCHR:
    return SHIM_KIND_DEVICE;
  case S_IFSOCK: {
    int Dom = 0, Type = 0;
    socklen_t L = sizeof(int);
    sys(SYS_getsockopt, Fd, SOL_SOCKET, SO_DOMAIN, (long)&Dom, (long)&L);
    L = sizeof(int);
    sys(SYS_getsockopt, Fd, SOL_SOCKET, SO_TYPE, (long)&Type, (long)&L);
    return shim_kind_of_socket(Dom, Type);
  }
  default:
    break;
  }
  if (!strncmp(Link, "anon_inode:[eventpoll]", 22))
    return SHIM_KIND_EPOLL;
  if (!strncmp(Link, "anon_inode:[eventfd]", 20))
    return SHIM_KIND_EVENTFD;
  if (!strncmp(Link, "anon_inode:[signalfd]", 21))
    return SHIM_KIND_SIGNALFD;
  if (!strncmp(Link, "anon_inode:[timerfd]", 20))
    return SHIM_KIND_TIMERFD;
  return SHIM_KIND_UNKNOWN;
}

struct LinuxDirent64 {
  uint64_t Ino;
  int64_t Off;
  unsigned short Reclen;
  unsigned char Type;
  char Name[];
};

// Calls F(number) for each numeric entry of a /proc directory.
template <typename Fn> void forEachNumericEntry(const char *Dir, Fn F) {
  int D = rawOpen(Dir, O_RDONLY | O_DIRECTORY);
  if (D < 0)
    return;
  alignas(8) char B[4096];
  for (int Guard = 0; Guard < 10000; ++Guard) {
    long N = sys(SYS_getdents64, D, (long)B, sizeof(B));
    if (N <= 0)
      break;
    for (long Off = 0; Off < N;) {
      auto *E = reinterpret_cast<LinuxDirent64 *>(B + Off);
      Off += E->Reclen;
      if (E->Name[0] < '0' || E->Name[0] > '9')
        continue;
      long V = strtol(E->Name, nullptr, 10);
      if (V != D)
        F(int(V));
    }
  }
  rawClose(D);
}

void recordInherited() {
  forEachNumericEntry("/proc/self/fd", [](int Fd) {
    char Link[128];
    int K = kindOfFd(Fd, Link, sizeof(Link));
    shim_set_kind(Fd, K);
    if (ShimRecord *R = begin(SHIM_REC_INHERITED, 0)) {
      R->fd = Fd;
      R->kind = uint16_t(K);
      setPeerText(R, Link);
      commit(R);
    }
  });
}

bool startHeader(ShimLedgerHeader *H, int Pid, uint64_t Start, int Flags, int ParentPid);

// Ring mode: <ring dir>/ring.<pid>.<start_ns>.bin, a bounded set of pages
// the drainer empties while the function runs (ShimProtocol.h).
bool openRing(int Flags, int ParentPid) {
  uint64_t Start = monoNs();
  int Pid = (int)sys(SYS_getpid);
  Buf BB(G.Base, sizeof(G.Base));
  BB.u((unsigned)Pid).s(".").u(Start);
  char Path[400];
  Buf B(Path, sizeof(Path));
  B.s(G.RingDir).s("/ring.").s(G.Base).s(".bin");
  auto Pow2 = [](uint32_t V, uint32_t Def, uint32_t Lo, uint32_t Hi) {
    if (!V)
      V = Def;
    uint32_t P = Lo;
    while (P < V && P < Hi)
      P <<= 1;
    return P;
  };
  G.NSeg = Pow2(G.Drain->segments, SHIM_RING_DEFAULT_SEGMENTS, 1, 1024);
  G.SegRecs = Pow2(G.Drain->segment_records, SHIM_RING_DEFAULT_SEGMENT_RECORDS, 128, 1u << 20);
  uint64_t Table = SHIM_RING_SEGMENT_TABLE_SIZE(G.NSeg);
  uint64_t Bytes = SHIM_LEDGER_HEADER_SIZE + Table + uint64_t(G.NSeg) * G.SegRecs * SHIM_RECORD_SIZE;
  int Fd = rawOpen(Path, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (Fd < 0)
    return false;
  void *M = MAP_FAILED;
  if (sys(SYS_ftruncate, Fd, (long)Bytes) == 0)
    M = (void *)sys(SYS_mmap, 0, (long)Bytes, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
  rawClose(Fd);
  if (M == MAP_FAILED) {
    sys(SYS_unlinkat, AT_FDCWD, (long)Path, 0);
    return false;
  }
  G.LedgerPath[0] = 0;
  G.RingMap = M;
  G.RingBytes = Bytes;
  G.Cap = uint64_t(G.NSeg) * G.SegRecs;
  G.Segs = reinterpret_cast<ShimRingSegment *>(static_cast<char *>(M) + SHIM_LEDGER_HEADER_SIZE);
  G.Recs = reinterpret_cast<ShimRecord *>(static_cast<char *>(M) + SHIM_LEDGER_HEADER_SIZE + Table);
  auto *H = static_cast<ShimLedgerHeader *>(M);
  H->ring_segments = G.NSeg;
  H->ring_segment_records = G.SegRecs;
  return startHeader(H, Pid, Start, Flags | SHIM_LEDGER_FLAG_RING, ParentPid);
}

bool openLedger(int Flags, int ParentPid) {
  if (G.Drain)
    return openRing(Flags, ParentPid);
  uint64_t Start = monoNs();
  int Pid = (int)sys(SYS_getpid);
  Buf BB(G.Base, sizeof(G.Base));
  BB.u((unsigned)Pid).s(".").u(Start);
  char Path[400];
  Buf B(Path, sizeof(Path));
  B.s(G.Dir).s("/ledger.").s(G.Base).s(".bin");
  int Fd = rawOpen(Path, O_RDWR | O_CREAT | O_EXCL, 0644);
  if (Fd < 0)
    return false;
  G.LedgerPath[0] = 0;
  // The file is sparse: only written records take blocks. A file size limit
  // (ftruncate past it raises SIGXFSZ) or an address-space limit (mmap fails)
  // gives a smaller ledger rather than none.
  rlimit Fs;
  if (getrlimit(RLIMIT_FSIZE, &Fs) == 0 && Fs.rlim_cur != RLIM_INFINITY) {
    uint64_t MaxRecs = Fs.rlim_cur > SHIM_LEDGER_HEADER_SIZE ? (Fs.rlim_cur - SHIM_LEDGER_HEADER_SIZE) / SHIM_RECORD_SIZE : 0;
    if (G.Cap > MaxRecs)
      G.Cap = MaxRecs;
  }
  void *M = MAP_FAILED;
  uint64_t Bytes = 0;
  for (; G.Cap >= 64; G.Cap /= 2) {
    Bytes = SHIM_LEDGER_HEADER_SIZE + G.Cap * SHIM_RECORD_SIZE;
    if (sys(SYS_ftruncate, Fd, (long)Bytes) != 0)
      continue;
    M = (void *)sys(SYS_mmap, 0, (long)Bytes, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
    if (M != MAP_FAILED)
      break;
  }
  rawClose(Fd);
  if (M == MAP_FAILED)
    return false;
  memcpy(G.LedgerPath, Path, sizeof(G.LedgerPath));
  // No readahead on faults: a fault in the sparse file would otherwise read
  // read_ahead_kb of holes into the page cache (8 MB on a disk with
  // read_ahead_kb 8192), charged to the function's memory cgroup and shown
  // as its Max Memory Used. Each record page is then one page.
  sys(SYS_madvise, (long)M, (long)Bytes, MADV_RANDOM);
  // The first batch now; begin() keeps one batch ahead.
  sys(SYS_madvise, (long)M,
      (long)(SHIM_LEDGER_HEADER_SIZE + 2 * SHIM_POPULATE_RECORDS * SHIM_RECORD_SIZE < Bytes
                 ? SHIM_LEDGER_HEADER_SIZE + 2 * SHIM_POPULATE_RECORDS * SHIM_RECORD_SIZE
                 : Bytes),
      SHIM_MADV_POPULATE_WRITE);
  G.Recs = reinterpret_cast<ShimRecord *>(static_cast<char *>(M) + SHIM_LEDGER_HEADER_SIZE);
  return startHeader(static_cast<ShimLedgerHeader *>(M), Pid, Start, Flags, ParentPid);
}

// Fills a new ledger's (or ring's) header, publishes it and writes the
// PROCESS record.
bool startHeader(ShimLedgerHeader *H, int Pid, uint64_t Start, int Flags, int ParentPid) {
  H->version = SHIM_PROTOCOL_VERSION;
  H->header_size = SHIM_LEDGER_HEADER_SIZE;
  H->record_size = SHIM_RECORD_SIZE;
  H->capacity = G.Cap;
  H->pid = Pid;
  H->ppid = ParentPid ? ParentPid : (int)sys(SYS_getppid);
  H->start_mono_ns = Start;
  H->start_unix_ms = realMs();
  rlimit Rl;
  if (getrlimit(RLIMIT_NOFILE, &Rl) == 0)
    H->fd_limit = Rl.rlim_cur;
  H->frames = uint32_t(G.Frames);
  H->capture_signal = uint32_t(G.Sig);
  H->flags = uint32_t(Flags) | (G.Ctl ? SHIM_LEDGER_FLAG_CONTROL : 0);
  H->shim_base = G.SelfLo;
  H->shim_end = G.SelfHi;
  long N = sys(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)H->exe, sizeof(H->exe) - 1);
  H->exe[N > 0 ? N : 0] = 0;
  __atomic_store_n(&H->magic, SHIM_LEDGER_MAGIC, __ATOMIC_RELEASE);
  G.Hdr = H;
  if (ShimRecord *R = begin(SHIM_REC_PROCESS, 0)) {
    R->aux = uint32_t(H->ppid);
    R->fd = Pid;
    commit(R);
  }
  return true;
}

int selfRangeCb(dl_phdr_info *Info, size_t, void *Arg) {
  uintptr_t Probe = reinterpret_cast<uintptr_t>(Arg);
  uintptr_t Lo = ~uintptr_t(0), Hi = 0;
  for (int I = 0; I < Info->dlpi_phnum; ++I) {
    const auto &Ph = Info->dlpi_phdr[I];
    if (Ph.p_type != PT_LOAD)
      continue;
    uintptr_t S = Info->dlpi_addr + Ph.p_vaddr, E = S + Ph.p_memsz;
    if (S < Lo)
      Lo = S;
    if (E > Hi)
      Hi = E;
  }
  if (Probe >= Lo && Probe < Hi) {
    G.SelfLo = Lo;
    G.SelfHi = Hi;
    return 1;
  }
  return 0;
}

// ---- Stack capture (deadline) ----------------------------------------------
void captureHandler(int, siginfo_t *, void *UcV) {
  int SavedErrno = errno;
  int SavedGuard = shim_t_guard;
  shim_t_guard = 1;
  int Call = __atomic_load_n(&shim_t_inflight_call, __ATOMIC_RELAXED);
  if (Call)
    shim_t_interrupted = 1; // the hook restarts the call it was in
  if (ShimRecord *R = begin(SHIM_REC_STACK, Call)) {
    auto *Uc = static_cast<ucontext_t *>(UcV);
#if defined(__x86_64__)
    uintptr_t Pc = Uc ? uintptr_t(Uc->uc_mcontext.gregs[REG_RIP]) : 0;
#elif defined(__aarch64__)
    uintptr_t Pc = Uc ? uintptr_t(Uc->uc_mcontext.pc) : 0;
#else
    uintptr_t Pc = 0;
#endif
    int N = 0;
    // A thread interrupted inside the shim's own recording (guard held) may
    // hold the unwinder's state: record only its PC rather than risk a deadlock.
    if (!SavedGuard)
      N = captureStack(R->frames, SHIM_MAX_FRAMES, Pc);
    if (N == 0 && Pc) {
      R->frames[0] = Pc;
      N = 1;
    }
    R->nframes = uint16_t(N);
    R->flags |= SHIM_FLAG_SIGNAL_FRAME;
    if (Call) {
      uint64_t Now = monoNs();
      R->aux = uint32_t((Now - shim_t_inflight_ns) / 1000000);
      // The whole wait: the unbroken run of blocking calls this one is part of.
      if (shim_t_streak_ns && shim_t_streak_ns <= shim_t_inflight_ns)
        R->reserved = uint32_t((Now - shim_t_streak_ns) / 1000000);
    }
    commit(R);
  }
  __atomic_fetch_add(&G.CaptureAcks, 1, __ATOMIC_RELEASE);
  shim_t_guard = SavedGuard;
  errno = SavedErrno;
}

void sleepMs(long Ms) {
  timespec T{Ms / 1000, (Ms % 1000) * 1000000};
  sys(SYS_nanosleep, (long)&T, 0);
}

void captureAllThreads(uint32_t Reason) {
  refreshObjects(true);
  int Self = tid();
  int Pid = (int)sys(SYS_getpid);
  ShimRecord *Begin = begin(SHIM_REC_CAPTURE, 0);
  __atomic_store_n(&G.CaptureAcks, 0, __ATOMIC_RELAXED);
  int Sent = 0;
  forEachNumericEntry("/proc/self/task", [&](int T) {
    if (T == Self || Sent >= 1024)
      return;
    if (sys(SYS_tgkill, Pid, T, G.Sig) == 0)
      ++Sent;
  });
  if (Begin) {
    Begin->fd = Sent;
    Begin->aux = Reason;
    commit(Begin);
  }
  uint32_t TimeoutMs = G.Ctl && G.Ctl->capture_timeout_ms ? G.Ctl->capture_timeout_ms : 200;
  for (uint32_t Waited = 0; Waited < TimeoutMs; Waited += 2) {
    if (__atomic_load_n(&G.CaptureAcks, __ATOMIC_ACQUIRE) >= Sent)
      break;
    sleepMs(2);
  }
  if (ShimRecord *End = begin(SHIM_REC_CAPTURE, 0)) {
    End->fd = Sent;
    End->fd2 = __atomic_load_n(&G.CaptureAcks, __ATOMIC_ACQUIRE);
    End->aux = Reason;
    End->flags = 1; // end marker
    commit(End);
  }
}

void futexWait(uint32_t *Addr, uint32_t Val, long Ms) {
  timespec T{Ms / 1000, (Ms % 1000) * 1000000};
  sys(SYS_futex, (long)Addr, FUTEX_WAIT, Val, (long)&T, 0, 0);
}
void futexWake(uint32_t *Addr) { sys(SYS_futex, (long)Addr, FUTEX_WAKE, 0x7fffffff, 0, 0, 0); }

void *watcherMain(void *) {
  shim_t_guard = 1; // nothing the watcher does is the function's
  sigset_t All;
  sigfillset(&All);
  pthread_sigmask(SIG_BLOCK, &All, nullptr);
  uint64_t LastState = ~uint64_t(0), CapturedInv = ~uint64_t(0);
  uint32_t Handled = G.Ctl->capture_request;
  // A request pending from before we started is answered too.
  if (G.Ctl->capture_done != Handled)
    Handled = G.Ctl->capture_done;
  for (;;) {
    uint32_t Seq = __atomic_load_n(&G.Ctl->seq, __ATOMIC_ACQUIRE);
    uint64_t St = __atomic_load_n(&G.Ctl->state, __ATOMIC_ACQUIRE);
    if (St != LastState) {
      if (ShimRecord *R = begin(SHIM_REC_PHASE, 0))
        commit(R);
      LastState = St;
    }
    uint32_t Req = __atomic_load_n(&G.Ctl->capture_request, __ATOMIC_ACQUIRE);
    if (Req != Handled) {
      captureAllThreads(1);
      Handled = Req;
      __atomic_store_n(&G.Ctl->capture_done, Req, __ATOMIC_RELEASE);
      futexWake(&G.Ctl->capture_done);
    }
    long WaitMs = 1000;
    int64_t Deadline = G.Ctl->deadline_unix_ms;
    if (SHIM_STATE_PHASE(St) == SHIM_PHASE_INVOKE && Deadline > 0 && G.Ctl->auto_capture &&
        CapturedInv != SHIM_STATE_INV(St)) {
      int64_t Now = realMs();
      if (Now >= Deadline) {
        captureAllThreads(2);
        CapturedInv = SHIM_STATE_INV(St);
      } else if (Deadline - Now < WaitMs) {
        WaitMs = long(Deadline - Now) + 1;
      }
    }
    futexWait(&G.Ctl->seq, Seq, WaitMs);
  }
  return nullptr;
}

void startWatcher() {
  if (!G.Ctl || G.WatcherStarted)
    return;
  G.WatcherStarted = 1;
  pthread_attr_t A;
  pthread_attr_init(&A);
  pthread_attr_setdetachstate(&A, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&A, 256 * 1024);
  pthread_t T;
  if (pthread_create(&T, &A, watcherMain, nullptr) != 0)
    G.WatcherStarted = 0;
  pthread_attr_destroy(&A);
}

void mapControl(const char *Path) {
  if (!Path || !*Path)
    return;
  int Fd = rawOpen(Path, O_RDWR);
  if (Fd < 0)
    return;
  void *M = (void *)sys(SYS_mmap, 0, SHIM_CONTROL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
  rawClose(Fd);
  if (M == MAP_FAILED)
    return;
  auto *C = static_cast<ShimControl *>(M);
  if (C->magic != SHIM_CONTROL_MAGIC || C->version != SHIM_PROTOCOL_VERSION) {
    sys(SYS_munmap, (long)M, SHIM_CONTROL_SIZE);
    return;
  }
  G.Ctl = C;
}

// SERVERLESS_SHIM_RING=<dir>: ring mode when <dir>/drainer is a drain page
// whose drainer is alive; else the growing ledger file.
void mapDrain(const char *Dir) {
  if (!Dir || !*Dir || slen(Dir) >= sizeof(G.RingDir) - 80)
    return;
  char Path[400];
  Buf B(Path, sizeof(Path));
  B.s(Dir).s("/" SHIM_DRAIN_PAGE_NAME);
  int Fd = rawOpen(Path, O_RDWR);
  if (Fd < 0)
    return;
  void *M = (void *)sys(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
  rawClose(Fd);
  if (M == MAP_FAILED)
    return;
  auto *D = static_cast<ShimDrainPage *>(M);
  G.Drain = D;
  if (__atomic_load_n(&D->magic, __ATOMIC_ACQUIRE) != SHIM_DRAIN_MAGIC || D->version != SHIM_PROTOCOL_VERSION ||
      !drainerAlive()) {
    G.Drain = nullptr;
    sys(SYS_munmap, (long)M, 4096);
    return;
  }
  memcpy(G.RingDir, Dir, slen(Dir) + 1);
}

void initialise() {
  const char *Dir = getenv(SHIM_ENV_LEDGER);
  if (!Dir || !*Dir || slen(Dir) >= sizeof(G.Dir) - 80)
    return;
  memcpy(G.Dir, Dir, slen(Dir) + 1);
  const char *F = getenv(SHIM_ENV_FRAMES);
  G.Frames = F ? int(strtol(F, nullptr, 10)) : 12;
  if (G.Frames < 0)
    G.Frames = 0;
  if (G.Frames > SHIM_MAX_FRAMES)
    G.Frames = SHIM_MAX_FRAMES;
  const char *C = getenv(SHIM_ENV_CAPACITY);
  // 16 Mi records (4 GiB of sparse file): nothing a function does in a run is
  // dropped, and the pages written leave its memory (releaseBehind).
  G.Cap = C ? strtoull(C, nullptr, 10) : (1ull << 24);
  if (G.Cap < 1024)
    G.Cap = 1024;
  if (G.Cap > (1ull << 32))
    G.Cap = 1ull << 32;
  const char *U = getenv(SHIM_ENV_UNWIND);
  G.UnwindMode = U && !strcmp(U, "libgcc") ? 1 : U && !strcmp(U, "check") ? 2 : 0;
  const char *S = getenv(SHIM_ENV_SIGNAL);
  G.Sig = S ? int(strtol(S, nullptr, 10)) : SIGRTMAX - 2;
  dl_iterate_phdr(selfRangeCb, reinterpret_cast<void *>(&initialise));
  mapControl(getenv(SHIM_ENV_CONTROL));
  mapDrain(getenv(SHIM_ENV_RING));
  if (!openLedger(0, 0)) {
    if (!G.Drain)
      return;
    G.Drain = nullptr; // no ring (the directory is not writable): the file
    if (!openLedger(0, 0))
      return;
  }
  const char *Api = G.Ctl && G.Ctl->runtime_api[0] ? G.Ctl->runtime_api : getenv(SHIM_ENV_RUNTIME_API);
  parseRuntimeApi(Api);
  dumpMaps();
  refreshObjects(false);
  recordInherited();
  struct sigaction Sa;
  memset(&Sa, 0, sizeof(Sa));
  Sa.sa_sigaction = captureHandler;
  Sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&Sa.sa_mask);
  sigaction(G.Sig, &Sa, nullptr);
  // Warm the unwinder (first use may initialise caches) outside any signal handler.
  uint64_t Warm[4];
  captureStack(Warm, 4, 0);
  shim_enabled = 1;
  G.NeedWatcher = G.Ctl != nullptr;
}

} // namespace

extern "C" {

uint64_t shim_now_ns(void) { return monoNs(); }

void shim_init_slow(void) {
  int Expected = 0;
  if (!__atomic_compare_exchange_n(&shim_init_state, &Expected, 1, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE))
    return; // another thread is initialising, or done
  int SavedErrno = errno;
  int SavedGuard = shim_t_guard;
  shim_t_guard = 1;
  initialise();
  shim_t_guard = SavedGuard;
  __atomic_store_n(&shim_init_state, 2, __ATOMIC_RELEASE);
  if (G.NeedWatcher) {
    G.NeedWatcher = 0;
    shim_t_guard = 1;
    startWatcher();
    shim_t_guard = SavedGuard;
  }
  errno = SavedErrno;
}

int shim_kind_of_socket(int Domain, int Type) {
  Type &= 0xf; // strip SOCK_NONBLOCK/SOCK_CLOEXEC
  if (Domain == AF_UNIX)
    return SHIM_KIND_UNIX;
  if (Domain == AF_INET || Domain == AF_INET6) {
    if (Type == SOCK_STREAM)
      return SHIM_KIND_TCP;
    if (Type == SOCK_DGRAM)
      return SHIM_KIND_UDP;
  }
  return SHIM_KIND_SOCKET;
}

void shim_record_acquire(int Call, int Fd, int Fd2, int Kind, const char *Path, const sockaddr *Sa,
                         socklen_t SaLen, unsigned Flags) {
  if (G.NeedWatcher) { // fork child: the watcher thread did not survive fork()
    G.NeedWatcher = 0;
    startWatcher();
  }
  shim_set_kind(Fd, Kind);
  if (Fd >= 0 && Fd < SHIM_KIND_TABLE_SIZE)
    __atomic_store_n(&FdReader[Fd], 0, __ATOMIC_RELAXED);
  ShimRecord *R = begin(SHIM_REC_ACQUIRE, Call);
  if (!R)
    return;
  R->fd = Fd;
  R->fd2 = Fd2;
  R->kind = uint16_t(Kind);
  R->flags = uint16_t(Flags);
  setHandle(R);
  if (Path)
    setPeerText(R, Path);
  else if (Sa)
    setPeerAddr(R, Sa, SaLen);
  R->nframes = uint16_t(captureStack(R->frames, G.Frames, 0));
  commit(R);
  noteFrames(R->frames, R->nframes, R->mono_ns);
}

void shim_record_release(int Call, int Fd, int FdLast) {
  if (FdLast < Fd) {
    shim_set_kind(Fd, 0);
    if (Fd >= 0 && Fd < SHIM_KIND_TABLE_SIZE)
      __atomic_store_n(&FdReader[Fd], 0, __ATOMIC_RELAXED);
  } else {
    for (int I = Fd; I <= FdLast && I < SHIM_KIND_TABLE_SIZE; ++I) {
      if (shim_kind_table[I])
        __atomic_store_n(&FdReader[I], 0, __ATOMIC_RELAXED);
      shim_kind_table[I] = 0;
    }
  }
  ShimRecord *R = begin(SHIM_REC_RELEASE, Call);
  if (!R)
    return;
  R->fd = Fd;
  R->fd2 = FdLast;
  commit(R);
}

void shim_record_connect(int Fd, const sockaddr *Sa, socklen_t SaLen, int Err) {
  ShimRecord *R = begin(SHIM_REC_CONNECT, SHIM_CALL_connect);
  if (!R)
    return;
  R->fd = Fd;
  R->kind = uint16_t(shim_get_kind(Fd));
  R->err = Err == EINPROGRESS ? 0 : Err;
  if (Err == EINPROGRESS)
    R->flags |= SHIM_FLAG_INPROGRESS;
  if (isRuntimeApi(Sa, SaLen)) {
    R->flags |= SHIM_FLAG_RUNTIME_API;
    // The local port ties this socket to the emulator's side of the
    // connection (which invocations it handed out on it).
    sockaddr_in Local;
    socklen_t LocalLen = sizeof Local;
    if (sys(SYS_getsockname, Fd, (long)&Local, (long)&LocalLen) == 0 && Local.sin_family == AF_INET)
      R->aux = ntohs(Local.sin_port);
  } else {
    setHandle(R);
  }
  setPeerAddr(R, Sa, SaLen);
  R->nframes = uint16_t(captureStack(R->frames, G.Frames, 0));
  commit(R);
  noteFrames(R->frames, R->nframes, R->mono_ns);
}

void shim_record_handle(int Call, uint64_t Handle) {
  ShimRecord *R = begin(SHIM_REC_HANDLE, Call);
  if (!R)
    return;
  R->aux = uint32_t(Handle);
  R->reserved = uint32_t(Handle >> 32);
  R->nframes = uint16_t(captureStack(R->frames, G.Frames, 0));
  commit(R);
  noteFrames(R->frames, R->nframes, R->mono_ns);
}

void shim_record_dns(const char *Node, int Result) {
  ShimRecord *R = begin(SHIM_REC_DNS, SHIM_CALL_getaddrinfo);
  if (!R)
    return;
  setPeerText(R, Node ? Node : "");
  R->err = Result;
  R->nframes = uint16_t(captureStack(R->frames, G.Frames, 0));
  commit(R);
  noteFrames(R->frames, R->nframes, R->mono_ns);
}

void shim_record_failed(int Call, int Err) {
  ShimRecord *R = begin(SHIM_REC_FAILED, Call);
  if (!R)
    return;
  R->err = Err;
  R->nframes = uint16_t(captureStack(R->frames, G.Frames, 0));
  commit(R);
  noteFrames(R->frames, R->nframes, R->mono_ns);
}

void shim_note_use(int Fd, int Call) {
  if (Fd < 0 || Fd >= SHIM_KIND_TABLE_SIZE)
    return;
  int Saved = errno;
  int Self = tid();
  if (__atomic_load_n(&FdReader[Fd], __ATOMIC_RELAXED) != Self && shim_enter()) {
    __atomic_store_n(&FdReader[Fd], Self, __ATOMIC_RELAXED);
    if (ShimRecord *R = begin(SHIM_REC_USE, Call)) {
      R->fd = Fd;
      R->kind = uint16_t(shim_get_kind(Fd));
      R->nframes = uint16_t(captureStack(R->frames, G.Frames, 0));
      commit(R);
      noteFrames(R->frames, R->nframes, R->mono_ns);
    }
    shim_leave();
  }
  errno = Saved;
}

void shim_record_fork(pid_t Child) {
  if (ShimRecord *R = begin(SHIM_REC_FORK, 0)) {
    R->aux = uint32_t(Child);
    commit(R);
  }
}

void shim_after_fork_child(void) {
  // Runs in the child right after fork(): single-threaded, so no races here.
  t_tid = 0;
  int Parent = G.Hdr ? G.Hdr->pid : 0;
  G.Hdr = nullptr;
  G.Recs = nullptr;
  G.Segs = nullptr;
  void *ParentRing = G.RingMap;
  uint64_t ParentRingBytes = G.RingBytes;
  G.RingMap = nullptr;
  G.WatcherStarted = 0;
  // A thread of the parent may have been refreshing the object list at the
  // fork: it does not exist here, its try-lock must not stay taken.
  __atomic_store_n(&ObjRefreshing, 0, __ATOMIC_RELEASE);
  if (!shim_enabled)
    return;
  bool Opened = openLedger(SHIM_LEDGER_FLAG_FORKED, Parent);
  // The parent's ring pages are shared with it: not this process's memory.
  if (ParentRing)
    sys(SYS_munmap, (long)ParentRing, (long)ParentRingBytes);
  if (!Opened) {
    shim_enabled = 0;
    return;
  }
  dumpMaps();
  recordInherited();
  G.NeedWatcher = G.Ctl != nullptr;
}


__attribute__((constructor)) static void shimConstructor() {
  if (__atomic_load_n(&shim_init_state, __ATOMIC_ACQUIRE) == 0)
    shim_init_slow();
}

} // extern "C"
