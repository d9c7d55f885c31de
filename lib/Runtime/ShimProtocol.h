/*===- ShimProtocol.h - emulator <-> libserverless-shim.so protocol -----------===*\
 *
 * Part of serverless-tidy. A C header (no C++ needed) shared by the emulator
 * (lib/Runtime), the shim (lib/Shim, LD_PRELOADed into the function) and the
 * ledger reader. Everything here is a file format: fixed-size, little-endian
 * (x86_64/aarch64), no pointers, versioned by SHIM_PROTOCOL_VERSION.
 *
 * Two channels:
 *
 *  1. The control page (emulator -> shim), env SERVERLESS_SHIM_CONTROL=<path>:
 *     a file of SHIM_CONTROL_SIZE bytes the emulator creates and both sides
 *     mmap(MAP_SHARED). The emulator writes `state` (invocation << 8 | phase)
 *     when `next` returns an event (INVOKE), when the response/error arrives
 *     (IDLE), before SIGTERM (SHUTDOWN) and before SIGKILL (KILLED); then it
 *     increments `seq` and FUTEX_WAKEs it (shared futex, no FUTEX_PRIVATE_FLAG).
 *     Every ledger record carries the `state` read when the call returned, so
 *     the reader attributes events to invocations without any clock matching.
 *     To get the stacks of every thread (deadline passed, still running) the
 *     emulator increments `capture_request` and waits (futex on
 *     `capture_done`, bounded by capture_timeout_ms) until the shim has
 *     written the stacks and set `capture_done = capture_request`. The shim
 *     also captures by itself once per invocation when CLOCK_REALTIME passes
 *     `deadline_unix_ms` in the INVOKE phase.
 *
 *  2. The ledger (shim -> reader), env SERVERLESS_SHIM_LEDGER=<dir>: each
 *     process (and each exec'd image) the shim is loaded into creates
 *       <dir>/ledger.<pid>.<start_ns>.bin   ShimLedgerHeader + ShimRecord[capacity]
 *       <dir>/maps.<pid>.<start_ns>.<k>.txt a copy of /proc/self/maps at start (k=0)
 *                                           and after each dlopen (k=1,2,...)
 *     The ledger is a MAP_SHARED file: records live in the page cache the
 *     moment they are written, so SIGKILL loses nothing. A record is valid when
 *     its `commit` word equals SHIM_RECORD_COMMITTED (written last, release).
 *
 * Without SERVERLESS_SHIM_LEDGER the shim is a pass-through. Without
 * SERVERLESS_SHIM_CONTROL every record has state 0 (one phase, standalone use).
\*===----------------------------------------------------------------------===*/
#ifndef SERVERLESS_RUNTIME_SHIMPROTOCOL_H
#define SERVERLESS_RUNTIME_SHIMPROTOCOL_H

#include <stdint.h>

#define SHIM_PROTOCOL_VERSION 1u

/* Environment variables. */
#define SHIM_ENV_LEDGER "SERVERLESS_SHIM_LEDGER"   /* dir for ledger/maps files (required) */
#define SHIM_ENV_CONTROL "SERVERLESS_SHIM_CONTROL" /* path of the control page (optional) */
#define SHIM_ENV_FRAMES "SERVERLESS_SHIM_FRAMES"   /* stack depth 0..SHIM_MAX_FRAMES, default 12 */
#define SHIM_ENV_CAPACITY "SERVERLESS_SHIM_CAPACITY" /* records per ledger file, default 1<<24 (sparse) */
#define SHIM_ENV_SIGNAL "SERVERLESS_SHIM_SIGNAL"   /* stack-capture signal, default SIGRTMAX-2 */
#define SHIM_ENV_RUNTIME_API "AWS_LAMBDA_RUNTIME_API" /* host:port; sockets to it are the runtime's own */
#define SHIM_ENV_UNWIND "SERVERLESS_SHIM_UNWIND" /* "fast" (default), "libgcc", "check" (both, counted) */
#define SHIM_ENV_RING "SERVERLESS_SHIM_RING" /* dir of a drainer's ShimDrainPage: ring mode (below) */

/* ---- Control page ------------------------------------------------------- */
#define SHIM_CONTROL_MAGIC 0x4C525453u /* "STRL" */
#define SHIM_CONTROL_SIZE 4096u

enum ShimPhase {
  SHIM_PHASE_NONE = 0,     /* standalone / unknown */
  SHIM_PHASE_INIT = 1,     /* before the first `next` returns (invocation 0) */
  SHIM_PHASE_INVOKE = 2,   /* `next` returned event N, response not yet in */
  SHIM_PHASE_IDLE = 3,     /* response/error for N arrived (frozen in the cloud) */
  SHIM_PHASE_SHUTDOWN = 4, /* SIGTERM about to be sent */
  SHIM_PHASE_KILLED = 5    /* SIGKILL about to be sent */
};

/* state = invocation << 8 | phase. Monotonic within one process lifetime, so
 * "everything before SIGTERM" is "records with state < SHIM_STATE(n, SHUTDOWN)". */
#define SHIM_STATE(inv, phase) (((uint64_t)(inv) << 8) | (uint64_t)(phase))
#define SHIM_STATE_INV(s) ((uint64_t)(s) >> 8)
#define SHIM_STATE_PHASE(s) ((uint32_t)((s)&0xffu))

typedef struct ShimControl {
  uint32_t magic;              /* SHIM_CONTROL_MAGIC, written last at creation */
  uint32_t version;            /* SHIM_PROTOCOL_VERSION */
  uint32_t seq;                /* futex word: ++ after every change, then FUTEX_WAKE */
  uint32_t capture_timeout_ms; /* how long the shim waits for threads to answer (default 200) */
  uint64_t state;              /* SHIM_STATE(invocation, phase); atomic 64-bit store */
  int64_t deadline_unix_ms;    /* CLOCK_REALTIME ms deadline of the current invocation, 0 none */
  uint32_t capture_request;    /* ++ by the emulator: "stacks of all threads, now" */
  uint32_t capture_done;       /* = capture_request by the shim when written (futex word) */
  uint32_t auto_capture;       /* 1 (default): shim captures itself when the deadline passes */
  uint32_t reserved0;
  char runtime_api[64];        /* optional host:port override of AWS_LAMBDA_RUNTIME_API */
} ShimControl;

/* ---- Ledger file --------------------------------------------------------- */
#define SHIM_LEDGER_MAGIC 0x47444C53u /* "SLDG" */
#define SHIM_LEDGER_HEADER_SIZE 4096u
#define SHIM_RECORD_SIZE 256u
#define SHIM_MAX_FRAMES 16
#define SHIM_RECORD_COMMITTED 0x5A5A5A5Au

typedef struct ShimLedgerHeader {
  uint32_t magic, version, header_size, record_size;
  uint64_t capacity;      /* records */
  uint64_t cursor;        /* next record index (atomic fetch_add); may exceed capacity */
  uint64_t dropped;       /* records lost because the file was full */
  int32_t pid, ppid;
  uint64_t start_mono_ns; /* CLOCK_MONOTONIC at shim start */
  int64_t start_unix_ms;
  uint64_t fd_limit;      /* RLIMIT_NOFILE soft limit at start */
  uint32_t frames;        /* configured stack depth */
  uint32_t capture_signal;
  uint32_t maps_count;    /* number of maps.<pid>.<start_ns>.<k>.txt written */
  uint32_t flags;         /* SHIM_LEDGER_FLAG_* */
  uint64_t shim_base;     /* load address range of the shim itself (frames there are dropped) */
  uint64_t shim_end;
  char exe[512];          /* /proc/self/exe at start */
  char runtime_api[64];   /* the Runtime API host:port the shim recognised */
  /* Appended (the header is 4 KiB; older readers ignore these): */
  uint64_t unwind_slow;     /* stacks the cached-CFI unwinder left to libgcc's _Unwind_Backtrace */
  uint64_t unwind_mismatch; /* SERVERLESS_SHIM_UNWIND=check: stacks where the two differed */
  /* Ring mode (SHIM_LEDGER_FLAG_RING): */
  uint32_t ring_segments;        /* segments in the ring file */
  uint32_t ring_segment_records; /* records per segment (a power of two) */
  uint64_t torn;                 /* drained ledger: slots reserved but never committed (the
                                    process died mid-record): records that may be lost */
  uint64_t ring_waits;           /* times a writer found its segment full and waited */
} ShimLedgerHeader;

#define SHIM_LEDGER_FLAG_FORKED 1u   /* created in a fork child (ppid's ledger is the parent) */
#define SHIM_LEDGER_FLAG_CONTROL 2u  /* a control page was mapped */
#define SHIM_LEDGER_FLAG_RING 4u     /* written through a ring: records in drain order, not time
                                        order (the reader orders them by mono_ns) */

/* ---- Ring mode ------------------------------------------------------------
 * With SERVERLESS_SHIM_RING=<dir>, where a drainer (the emulator's
 * ShimObserver, or serverless-shim-drain) has created <dir>/drainer (a
 * ShimDrainPage), each process image writes a bounded ring instead of a
 * growing ledger file:
 *   <dir>/ring.<pid>.<start_ns>.bin:  ShimLedgerHeader (4 KiB, flag RING)
 *                                     ShimRingSegment[ring_segments] (4 KiB-rounded)
 *                                     ShimRecord[ring_segments * ring_segment_records]
 * A thread writes to segment (tid % ring_segments): `head` is reserved with
 * fetch_add (uncontended unless two threads' tids collide), the record is
 * filled, then its commit word is set (release). The drainer copies committed
 * records in order from `tail`, clears their commit word and advances `tail`
 * (release), appending them to <ledger dir>/ledger.<pid>.<start_ns>.bin (the
 * flat format above, flag RING, capacity = cursor = records). A writer whose
 * segment is full waits (futex on the low 32 bits of `tail`) -- it never
 * drops while the drainer lives and is not `closed`. Global order: every
 * record's mono_ns is taken where the flat ledger reserved its slot (after
 * an acquisition returned, before a release), so ordering by mono_ns puts a
 * close before the open that reuses its number, across threads. The ring's
 * pages are reused: the function's memory is the ring, however many records.
 * A slot reserved but not committed when its process died is `torn` (counted;
 * the reader treats it as possibly lost). */
#define SHIM_DRAIN_MAGIC 0x4E525344u /* "DSRN" */
#define SHIM_DRAIN_PAGE_NAME "drainer"
#define SHIM_RING_DEFAULT_SEGMENTS 16u
#define SHIM_RING_DEFAULT_SEGMENT_RECORDS 2048u

typedef struct ShimDrainPage {
  uint32_t magic;           /* SHIM_DRAIN_MAGIC, written last */
  uint32_t version;         /* SHIM_PROTOCOL_VERSION */
  int32_t drainer_pid;      /* a waiting writer gives up (drops) when it is gone */
  uint32_t closed;          /* 1: the drainer took its last look; full writers drop */
  uint32_t doorbell;        /* futex word: ++ and FUTEX_WAKE by a writer wanting a drain */
  uint32_t sleeping;        /* 1 while the drainer waits on the doorbell */
  uint32_t segments;        /* ring_segments for new rings (0: default) */
  uint32_t segment_records; /* ring_segment_records (power of two, 0: default) */
} ShimDrainPage;

typedef struct ShimRingSegment {
  uint64_t head;            /* next position to reserve (writers) */
  uint32_t waiters;         /* writers waiting for space */
  uint32_t pad0;
  uint8_t pad1[48];
  uint64_t tail;            /* next position to drain (drainer); low half: futex word */
  uint8_t pad2[56];
} ShimRingSegment;
#define SHIM_RING_SEGMENT_TABLE_SIZE(n) ((((uint64_t)(n) * 128u) + 4095u) & ~(uint64_t)4095u)

enum ShimRecordType {
  SHIM_REC_PROCESS = 1,   /* first record: process start (aux = parent pid) */
  SHIM_REC_ACQUIRE = 2,   /* fd created: fd, kind, call, peer/path, frames; fd2 = source fd for dup* */
  SHIM_REC_RELEASE = 3,   /* fd released: fd, call */
  SHIM_REC_CONNECT = 4,   /* connect(): fd, peer, result/errno, frames */
  SHIM_REC_DNS = 5,       /* getaddrinfo(): peer = node name, result, frames */
  SHIM_REC_INHERITED = 6, /* fd already open when the shim started: fd, kind, peer = readlink */
  SHIM_REC_STACK = 7,     /* one thread's stack at a capture: tid, call in flight (0: none), aux = blocked ms */
  SHIM_REC_CAPTURE = 8,   /* capture began (fd = threads signalled) / ended (fd2 = threads answered) */
  SHIM_REC_FORK = 9,      /* fork() in the parent: aux = child pid */
  SHIM_REC_DLOPEN = 10,   /* dlopen(): peer = path, aux = maps index written */
  SHIM_REC_PHASE = 11,    /* watcher saw a control-page state change */
  SHIM_REC_FAILED = 12,   /* an acquisition failed with EMFILE/ENFILE: call, errno, frames */
  SHIM_REC_USE = 13,      /* a thread read from a socket another thread (or none) read from
                             last: fd, call, kind, frames; one record per change of reader,
                             so concurrent invocations sharing a client show (run
                             --max-concurrency) at the cost of a record per hand-over */
  SHIM_REC_HANDLE = 14    /* a library handle was created (curl_easy_init): call, the handle
                             (aux = low 32 bits, reserved = high 32 bits), frames. ACQUIRE
                             and CONNECT records made inside a library call on a handle
                             (curl_easy_perform) carry it the same way, with
                             SHIM_FLAG_HANDLE: the handle -> site mapping at creation */
};

enum ShimKind {
  SHIM_KIND_UNKNOWN = 0, SHIM_KIND_FILE = 1, SHIM_KIND_DIR = 2, SHIM_KIND_TCP = 3,
  SHIM_KIND_UDP = 4, SHIM_KIND_UNIX = 5, SHIM_KIND_SOCKET = 6, SHIM_KIND_PIPE = 7,
  SHIM_KIND_EPOLL = 8, SHIM_KIND_EVENTFD = 9, SHIM_KIND_SIGNALFD = 10, SHIM_KIND_TIMERFD = 11,
  SHIM_KIND_STREAM = 12 /* FILE* (fopen/popen) */, SHIM_KIND_MEMFD = 13, SHIM_KIND_DEVICE = 14
};

#define SHIM_FLAG_RUNTIME_API 1u  /* socket connected to the Runtime API: the runtime's own */
#define SHIM_FLAG_PEER_SOCKADDR 2u /* peer holds a raw sockaddr (else NUL-terminated text) */
#define SHIM_FLAG_SIGNAL_FRAME 4u  /* frames[0] is an interrupted PC (no -1 adjustment) */
#define SHIM_FLAG_INPROGRESS 8u    /* non-blocking connect: EINPROGRESS */
#define SHIM_FLAG_CLOEXEC 16u
#define SHIM_FLAG_HANDLE 32u       /* made inside a library call on a handle: aux/reserved hold it */

/* The calls the shim interposes; ids are stable (append only). */
#define SHIM_CALL_LIST(X)                                                              \
  X(none) X(open) X(open64) X(openat) X(openat64) X(creat) X(creat64) X(__open_2)       \
  X(__open64_2) X(__openat_2) X(__openat64_2) X(fopen) X(fopen64) X(socket)            \
  X(socketpair) X(accept) X(accept4) X(connect) X(close) X(fclose) X(dup) X(dup2)     \
  X(dup3) X(pipe) X(pipe2) X(epoll_create) X(epoll_create1) X(eventfd) X(signalfd)    \
  X(timerfd_create) X(opendir) X(closedir) X(popen) X(pclose) X(getaddrinfo) X(poll)  \
  X(select) X(epoll_wait) X(recv) X(recvfrom) X(recvmsg) X(read) X(nanosleep)         \
  X(clock_nanosleep) X(sleep) X(usleep) X(memfd_create) X(close_range) X(dlopen)     \
  X(freopen) X(freopen64) X(ppoll) X(epoll_pwait) X(curl_easy_init) X(curl_easy_perform)

enum ShimCall {
#define SHIM_CALL_ENUM(n) SHIM_CALL_##n,
  SHIM_CALL_LIST(SHIM_CALL_ENUM)
#undef SHIM_CALL_ENUM
  SHIM_CALL_COUNT
};

typedef struct ShimRecord {
  uint32_t commit;       /* SHIM_RECORD_COMMITTED once complete */
  uint16_t type;         /* ShimRecordType */
  uint16_t call;         /* ShimCall */
  int32_t fd;
  int32_t fd2;
  int32_t tid;
  int32_t err;           /* errno of a failed call, else 0 */
  uint64_t mono_ns;      /* CLOCK_MONOTONIC */
  uint64_t state;        /* control page state when the call returned */
  uint32_t aux;          /* type-specific (blocked ms, child pid, maps index, the local port of
                            a CONNECT to the Runtime API, ...) */
  uint16_t kind;         /* ShimKind */
  uint16_t flags;        /* SHIM_FLAG_* */
  uint16_t nframes;
  uint16_t peer_len;     /* bytes used in peer */
  uint32_t reserved;     /* STACK: ms since the thread's unbroken run of blocking calls began (0: unknown) */
  uint8_t peer[72];      /* sockaddr (SHIM_FLAG_PEER_SOCKADDR) or NUL-terminated path/name */
  uint64_t frames[SHIM_MAX_FRAMES]; /* return addresses, innermost first, shim frames dropped */
} ShimRecord;

#ifdef __cplusplus
static_assert(sizeof(ShimRecord) == SHIM_RECORD_SIZE, "record size is part of the format");
static_assert(sizeof(ShimLedgerHeader) <= SHIM_LEDGER_HEADER_SIZE, "header fits");
static_assert(sizeof(ShimControl) <= SHIM_CONTROL_SIZE, "control fits");
static_assert(sizeof(ShimRingSegment) == 128, "two cache lines: writers', drainer's");
#else
_Static_assert(sizeof(ShimRecord) == SHIM_RECORD_SIZE, "record size is part of the format");
#endif

#endif /* SERVERLESS_RUNTIME_SHIMPROTOCOL_H */
