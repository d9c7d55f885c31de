/*===- ledger.h - the shim's recording core (C interface) ------------------===*\
 *
 * Part of serverless-tidy. The hook layer (ShimHooks.cpp) calls only these
 * functions; they are async-signal-safe (no malloc, no locks, raw syscalls,
 * initial-exec TLS), never change errno, and record into the MAP_SHARED
 * ledger file described in lib/Runtime/ShimProtocol.h.
\*===----------------------------------------------------------------------===*/
#ifndef SERVERLESS_SHIM_LEDGER_H
#define SERVERLESS_SHIM_LEDGER_H

#include "ShimProtocol.h"
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHIM_HIDDEN __attribute__((visibility("hidden")))
#define SHIM_KIND_TABLE_SIZE 65536

/* Per-thread state. initial-exec: the shim is LD_PRELOADed, so its TLS is in
 * the static block and reading it never calls __tls_get_addr (which may
 * allocate), so it is safe in signal handlers and in early calls. */
extern __thread int shim_t_guard SHIM_HIDDEN __attribute__((tls_model("initial-exec")));
extern __thread int shim_t_inflight_call SHIM_HIDDEN __attribute__((tls_model("initial-exec")));
extern __thread uint64_t shim_t_inflight_ns SHIM_HIDDEN __attribute__((tls_model("initial-exec")));
/* Start of this thread's unbroken run of blocking calls (gaps below
 * SHIM_STREAK_GAP_NS), and when its last blocking call returned: a library
 * call that waits in slices (curl_easy_perform's poll loop) is one wait. */
extern __thread uint64_t shim_t_streak_ns SHIM_HIDDEN __attribute__((tls_model("initial-exec")));
extern __thread uint64_t shim_t_block_end_ns SHIM_HIDDEN __attribute__((tls_model("initial-exec")));
#define SHIM_STREAK_GAP_NS 10000000ull
extern __thread int shim_t_interrupted SHIM_HIDDEN __attribute__((tls_model("initial-exec")));
/* The library handle this thread is inside a call on (curl_easy_perform), 0
 * none: its ACQUIRE and CONNECT records carry it (SHIM_FLAG_HANDLE). */
extern __thread uint64_t shim_t_handle SHIM_HIDDEN __attribute__((tls_model("initial-exec")));

/* fd -> ShimKind of live descriptors (0: unknown/closed). Lets read() tell a
 * socket from a file without a syscall. */
extern uint8_t shim_kind_table[SHIM_KIND_TABLE_SIZE] SHIM_HIDDEN;
/* 0 not initialised, 1 initialising, 2 ready. */
extern int shim_init_state SHIM_HIDDEN;
extern int shim_enabled SHIM_HIDDEN;

SHIM_HIDDEN void shim_init_slow(void);
SHIM_HIDDEN uint64_t shim_now_ns(void);

/* Returns 1 if the caller should record (and sets the recursion guard). */
static inline int shim_enter(void) {
  if (shim_t_guard)
    return 0;
  if (__builtin_expect(__atomic_load_n(&shim_init_state, __ATOMIC_ACQUIRE) != 2, 0)) {
    shim_init_slow();
    if (__atomic_load_n(&shim_init_state, __ATOMIC_ACQUIRE) != 2)
      return 0;
  }
  if (!shim_enabled)
    return 0;
  shim_t_guard = 1;
  return 1;
}
static inline void shim_leave(void) { shim_t_guard = 0; }

static inline void shim_set_kind(int fd, int kind) {
  if (fd >= 0 && fd < SHIM_KIND_TABLE_SIZE)
    shim_kind_table[fd] = (uint8_t)kind;
}
static inline int shim_get_kind(int fd) {
  return (fd >= 0 && fd < SHIM_KIND_TABLE_SIZE) ? shim_kind_table[fd] : 0;
}
static inline int shim_is_socket_kind(int k) {
  return k == SHIM_KIND_TCP || k == SHIM_KIND_UDP || k == SHIM_KIND_UNIX || k == SHIM_KIND_SOCKET;
}

/* Blocking-call bookkeeping: the capture signal handler reads these. */
static inline void shim_block_enter(int call) {
  uint64_t now = shim_now_ns();
  if (now - shim_t_block_end_ns > SHIM_STREAK_GAP_NS)
    shim_t_streak_ns = now;
  shim_t_inflight_ns = now;
  __atomic_store_n(&shim_t_inflight_call, call, __ATOMIC_RELAXED);
}
static inline void shim_block_exit(void) {
  __atomic_store_n(&shim_t_inflight_call, 0, __ATOMIC_RELAXED);
  shim_t_block_end_ns = shim_now_ns();
}
/* 1 if the last EINTR of this thread came from the shim's capture signal. */
static inline int shim_take_interrupted(void) {
  int v = shim_t_interrupted;
  shim_t_interrupted = 0;
  return v;
}

/* Recording (call with the guard held, i.e. after shim_enter() returned 1). */
SHIM_HIDDEN void shim_record_acquire(int call, int fd, int fd2, int kind, const char *path,
                                     const struct sockaddr *sa, socklen_t salen, unsigned flags);
SHIM_HIDDEN void shim_record_release(int call, int fd, int fd_last);
SHIM_HIDDEN void shim_record_connect(int fd, const struct sockaddr *sa, socklen_t salen, int err);
SHIM_HIDDEN void shim_record_dns(const char *node, int result);
SHIM_HIDDEN void shim_record_failed(int call, int err);
/* A library handle created by \p call (SHIM_REC_HANDLE), with its stack. */
SHIM_HIDDEN void shim_record_handle(int call, uint64_t handle);
/* After a read from socket \p fd: a SHIM_REC_USE record when the reading
 * thread differs from the last one (or the socket's first read). Takes the
 * recursion guard itself; preserves errno. */
SHIM_HIDDEN void shim_note_use(int fd, int call);
SHIM_HIDDEN void shim_record_fork(pid_t child);
SHIM_HIDDEN void shim_after_fork_child(void);
SHIM_HIDDEN int shim_kind_of_socket(int domain, int type);

#ifdef __cplusplus
}
#endif
#endif
