//===- ShimHooks.cpp - the extern "C" interposers of libserverless-shim.so ===//
//
// Part of serverless-tidy. Each hook: resolve the real function lazily with
// dlsym(RTLD_NEXT), call it, save errno, record through ledger.h when
// shim_enter() allows (not recursing, initialised, enabled), restore errno.
// The shim never allocates, so dlsym's own early calloc never re-enters it
// (it does not interpose the allocator); the only re-entry that can happen
// during resolution (an open/close/read made by the loader) falls back to
// the raw syscall.
//
//===----------------------------------------------------------------------===//
#include "ledger.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
__thread int t_resolving __attribute__((tls_model("initial-exec")));

void *resolve(const char *Name) {
  t_resolving = 1;
  void *P = dlsym(RTLD_NEXT, Name);
  t_resolving = 0;
  return P;
}
} // namespace

// The hook table: one line per real function. REAL(name) resolves once.
#define SHIM_HOOK_TABLE(X)                                                                    \
  X(int, open, (const char *, int, ...))                                                    \
  X(int, open64, (const char *, int, ...))                                                  \
  X(int, openat, (int, const char *, int, ...))                                             \
  X(int, openat64, (int, const char *, int, ...))                                           \
  X(int, creat, (const char *, mode_t))                                                     \
  X(int, creat64, (const char *, mode_t))                                                   \
  X(int, __open_2, (const char *, int))                                                     \
  X(int, __open64_2, (const char *, int))                                                   \
  X(int, __openat_2, (int, const char *, int))                                              \
  X(int, __openat64_2, (int, const char *, int))                                            \
  X(FILE *, fopen, (const char *, const char *))                                            \
  X(FILE *, fopen64, (const char *, const char *))                                          \
  X(FILE *, freopen, (const char *, const char *, FILE *))                                  \
  X(FILE *, freopen64, (const char *, const char *, FILE *))                                \
  X(int, socket, (int, int, int))                                                           \
  X(int, socketpair, (int, int, int, int *))                                                \
  X(int, accept, (int, struct sockaddr *, socklen_t *))                                     \
  X(int, accept4, (int, struct sockaddr *, socklen_t *, int))                               \
  X(int, connect, (int, const struct sockaddr *, socklen_t))                                \
  X(int, close, (int))                                                                      \
  X(int, close_range, (unsigned, unsigned, int))                                            \
  X(int, fclose, (FILE *))                                                                  \
  X(int, dup, (int))                                                                        \
  X(int, dup2, (int, int))                                                                  \
  X(int, dup3, (int, int, int))                                                             \
  X(int, pipe, (int *))                                                                     \
  X(int, pipe2, (int *, int))                                                               \
  X(int, epoll_create, (int))                                                               \
  X(int, epoll_create1, (int))                                                              \
  X(int, eventfd, (unsigned, int))                                                          \
  X(int, signalfd, (int, const sigset_t *, int))                                            \
  X(int, timerfd_create, (int, int))                                                        \
  X(int, memfd_create, (const char *, unsigned))                                            \
  X(DIR *, opendir, (const char *))                                                         \
  X(int, closedir, (DIR *))                                                                 \
  X(FILE *, popen, (const char *, const char *))                                            \
  X(int, pclose, (FILE *))                                                                  \
  X(int, getaddrinfo, (const char *, const char *, const struct addrinfo *, struct addrinfo **)) \
  X(int, poll, (struct pollfd *, nfds_t, int))                                              \
  X(int, ppoll, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *))       \
  X(int, select, (int, fd_set *, fd_set *, fd_set *, struct timeval *))                     \
  X(int, epoll_wait, (int, struct epoll_event *, int, int))                                 \
  X(int, epoll_pwait, (int, struct epoll_event *, int, int, const sigset_t *))              \
  X(ssize_t, recv, (int, void *, size_t, int))                                              \
  X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *))          \
  X(ssize_t, recvmsg, (int, struct msghdr *, int))                                          \
  X(ssize_t, read, (int, void *, size_t))                                                   \
  X(int, nanosleep, (const struct timespec *, struct timespec *))                           \
  X(int, clock_nanosleep, (clockid_t, int, const struct timespec *, struct timespec *))     \
  X(unsigned, sleep, (unsigned))                                                            \
  X(int, usleep, (useconds_t))                                                              \
  X(pid_t, fork, (void))                                                                    \
  X(void *, curl_easy_init, (void))                                                         \
  X(int, curl_easy_perform, (void *))

#define SHIM_DECLARE_REAL(Ret, Name, Params)                                                  \
  typedef Ret(*Name##_fn) Params;                                                            \
  static Name##_fn real_##Name;                                                              \
  static inline Name##_fn get_##Name() {                                                     \
    Name##_fn F = __atomic_load_n(&real_##Name, __ATOMIC_ACQUIRE);                          \
    if (__builtin_expect(!F, 0)) {                                                           \
      F = (Name##_fn)resolve(#Name);                                                         \
      __atomic_store_n(&real_##Name, F, __ATOMIC_RELEASE);                                   \
    }                                                                                        \
    return F;                                                                                \
  }
SHIM_HOOK_TABLE(SHIM_DECLARE_REAL)
#undef SHIM_DECLARE_REAL
#define REAL(Name) get_##Name()

// Record with errno preserved and the recursion guard held.
#define RECORD(...)                                                                           \
  do {                                                                                       \
    int SavedErrno_ = errno;                                                                 \
    if (shim_enter()) {                                                                      \
      __VA_ARGS__;                                                                           \
      shim_leave();                                                                          \
    }                                                                                        \
    errno = SavedErrno_;                                                                     \
  } while (0)

namespace {
bool wantsMode(int Flags) { return (Flags & O_CREAT) || ((Flags & O_TMPFILE) == O_TMPFILE); }
int openKind(int Flags) { return (Flags & O_DIRECTORY) && !((Flags & O_TMPFILE) == O_TMPFILE) ? SHIM_KIND_DIR : SHIM_KIND_FILE; }
bool isExhaustion(int E) { return E == EMFILE || E == ENFILE; }

void afterOpen(int Call, int Fd, const char *Path, int Flags) {
  RECORD(if (Fd >= 0) shim_record_acquire(Call, Fd, -1, openKind(Flags), Path, nullptr, 0,
                                          (Flags & O_CLOEXEC) ? SHIM_FLAG_CLOEXEC : 0);
         else if (isExhaustion(errno)) shim_record_failed(Call, errno));
}
void afterStream(int Call, FILE *F, const char *Path) {
  RECORD(if (F) shim_record_acquire(Call, fileno(F), -1, SHIM_KIND_STREAM, Path, nullptr, 0, 0);
         else if (isExhaustion(errno)) shim_record_failed(Call, errno));
}
void afterSimple(int Call, int Fd, int Kind, int Src = -1) {
  RECORD(if (Fd >= 0) shim_record_acquire(Call, Fd, Src, Kind, nullptr, nullptr, 0, 0);
         else if (isExhaustion(errno)) shim_record_failed(Call, errno));
}
void afterPair(int Call, int R, const int *Fds, int Kind) {
  RECORD(if (R == 0) {
    shim_record_acquire(Call, Fds[0], -1, Kind, nullptr, nullptr, 0, 0);
    shim_record_acquire(Call, Fds[1], Fds[0], Kind, nullptr, nullptr, 0, 0);
  } else if (isExhaustion(errno)) shim_record_failed(Call, errno));
}
void beforeRelease(int Call, int Fd) { RECORD(shim_record_release(Call, Fd, -1)); }

long rawOpenAt(int Dir, const char *P, int Flags, mode_t Mode) {
  return syscall(SYS_openat, Dir, P, Flags, Mode);
}

// Remaining milliseconds of a poll-style timeout after an interruption.
int remainingMs(int TimeoutMs, uint64_t StartNs) {
  if (TimeoutMs < 0)
    return TimeoutMs;
  uint64_t Spent = (shim_now_ns() - StartNs) / 1000000;
  return Spent >= uint64_t(TimeoutMs) ? 0 : int(TimeoutMs - Spent);
}
} // namespace

// ---- Acquisition ------------------------------------------------------------
#define SHIM_OPEN_HOOK(Name, Call)                                                           \
  SHIM_EXPORT int Name(const char *Path, int Flags, ...) {                                   \
    mode_t Mode = 0;                                                                         \
    if (wantsMode(Flags)) {                                                                  \
      va_list Ap;                                                                            \
      va_start(Ap, Flags);                                                                   \
      Mode = va_arg(Ap, mode_t);                                                             \
      va_end(Ap);                                                                            \
    }                                                                                        \
    if (__builtin_expect(t_resolving && !real_##Name, 0))                                    \
      return (int)rawOpenAt(AT_FDCWD, Path, Flags, Mode);                                    \
    int Fd = REAL(Name)(Path, Flags, Mode);                                                  \
    afterOpen(Call, Fd, Path, Flags);                                                        \
    return Fd;                                                                               \
  }
SHIM_OPEN_HOOK(open, SHIM_CALL_open)
SHIM_OPEN_HOOK(open64, SHIM_CALL_open64)

#define SHIM_OPENAT_HOOK(Name, Call)                                                         \
  SHIM_EXPORT int Name(int Dir, const char *Path, int Flags, ...) {                          \
    mode_t Mode = 0;                                                                         \
    if (wantsMode(Flags)) {                                                                  \
      va_list Ap;                                                                            \
      va_start(Ap, Flags);                                                                   \
      Mode = va_arg(Ap, mode_t);                                                             \
      va_end(Ap);                                                                            \
    }                                                                                        \
    if (__builtin_expect(t_resolving && !real_##Name, 0))                                    \
      return (int)rawOpenAt(Dir, Path, Flags, Mode);                                         \
    int Fd = REAL(Name)(Dir, Path, Flags, Mode);                                             \
    afterOpen(Call, Fd, Path, Flags);                                                        \
    return Fd;                                                                               \
  }
SHIM_OPENAT_HOOK(openat, SHIM_CALL_openat)
SHIM_OPENAT_HOOK(openat64, SHIM_CALL_openat64)

SHIM_EXPORT int creat(const char *P, mode_t M) {
  int Fd = REAL(creat)(P, M);
  afterOpen(SHIM_CALL_creat, Fd, P, O_CREAT);
  return Fd;
}
SHIM_EXPORT int creat64(const char *P, mode_t M) {
  int Fd = REAL(creat64)(P, M);
  afterOpen(SHIM_CALL_creat64, Fd, P, O_CREAT);
  return Fd;
}
SHIM_EXPORT int __open_2(const char *P, int F) {
  int Fd = REAL(__open_2)(P, F);
  afterOpen(SHIM_CALL___open_2, Fd, P, F);
  return Fd;
}
SHIM_EXPORT int __open64_2(const char *P, int F) {
  int Fd = REAL(__open64_2)(P, F);
  afterOpen(SHIM_CALL___open64_2, Fd, P, F);
  return Fd;
}
SHIM_EXPORT int __openat_2(int D, const char *P, int F) {
  int Fd = REAL(__openat_2)(D, P, F);
  afterOpen(SHIM_CALL___openat_2, Fd, P, F);
  return Fd;
}
SHIM_EXPORT int __openat64_2(int D, const char *P, int F) {
  int Fd = REAL(__openat64_2)(D, P, F);
  afterOpen(SHIM_CALL___openat64_2, Fd, P, F);
  return Fd;
}

SHIM_EXPORT FILE *fopen(const char *P, const char *M) {
  FILE *F = REAL(fopen)(P, M);
  afterStream(SHIM_CALL_fopen, F, P);
  return F;
}
SHIM_EXPORT FILE *fopen64(const char *P, const char *M) {
  FILE *F = REAL(fopen64)(P, M);
  afterStream(SHIM_CALL_fopen64, F, P);
  return F;
}
SHIM_EXPORT FILE *freopen(const char *P, const char *M, FILE *S) {
  int Old = S ? fileno(S) : -1;
  if (Old >= 0)
    beforeRelease(SHIM_CALL_freopen, Old);
  FILE *F = REAL(freopen)(P, M, S);
  afterStream(SHIM_CALL_freopen, F, P);
  return F;
}
SHIM_EXPORT FILE *freopen64(const char *P, const char *M, FILE *S) {
  int Old = S ? fileno(S) : -1;
  if (Old >= 0)
    beforeRelease(SHIM_CALL_freopen64, Old);
  FILE *F = REAL(freopen64)(P, M, S);
  afterStream(SHIM_CALL_freopen64, F, P);
  return F;
}

SHIM_EXPORT int socket(int Domain, int Type, int Proto) {
  int Fd = REAL(socket)(Domain, Type, Proto);
  afterSimple(SHIM_CALL_socket, Fd, shim_kind_of_socket(Domain, Type));
  return Fd;
}
SHIM_EXPORT int socketpair(int Domain, int Type, int Proto, int Sv[2]) {
  int R = REAL(socketpair)(Domain, Type, Proto, Sv);
  afterPair(SHIM_CALL_socketpair, R, Sv, shim_kind_of_socket(Domain, Type));
  return R;
}

namespace {
void afterAccept(int Call, int Listener, int Fd, struct sockaddr *Addr, socklen_t *Len) {
  RECORD(if (Fd >= 0) {
    int K = shim_get_kind(Listener);
    shim_record_acquire(Call, Fd, Listener, K ? K : SHIM_KIND_SOCKET, nullptr,
                        Addr && Len ? Addr : nullptr, Addr && Len ? *Len : 0, 0);
  } else if (isExhaustion(errno)) shim_record_failed(Call, errno));
}
} // namespace

SHIM_EXPORT int accept(int S, struct sockaddr *A, socklen_t *L) {
  shim_block_enter(SHIM_CALL_accept);
  int Fd = REAL(accept)(S, A, L);
  shim_block_exit();
  afterAccept(SHIM_CALL_accept, S, Fd, A, L);
  return Fd;
}
SHIM_EXPORT int accept4(int S, struct sockaddr *A, socklen_t *L, int F) {
  shim_block_enter(SHIM_CALL_accept4);
  int Fd = REAL(accept4)(S, A, L, F);
  shim_block_exit();
  afterAccept(SHIM_CALL_accept4, S, Fd, A, L);
  return Fd;
}

SHIM_EXPORT int connect(int Fd, const struct sockaddr *A, socklen_t L) {
  shim_block_enter(SHIM_CALL_connect);
  int R = REAL(connect)(Fd, A, L);
  if (R < 0 && errno == EINTR && shim_take_interrupted()) {
    // Interrupted by the shim's capture signal: the kernel keeps connecting;
    // wait for it as the blocking connect would have, and return its result.
    struct pollfd P = {Fd, POLLOUT, 0};
    int Pr;
    do {
      Pr = REAL(poll)(&P, 1, -1);
    } while (Pr < 0 && errno == EINTR && shim_take_interrupted());
    if (Pr > 0) {
      int Err = 0;
      socklen_t EL = sizeof(Err);
      getsockopt(Fd, SOL_SOCKET, SO_ERROR, &Err, &EL);
      R = Err ? -1 : 0;
      errno = Err ? Err : errno;
    }
  }
  shim_block_exit();
  int E = errno;
  RECORD(shim_record_connect(Fd, A, L, R == 0 ? 0 : E));
  return R;
}

SHIM_EXPORT int dup(int Old) {
  int Fd = REAL(dup)(Old);
  afterSimple(SHIM_CALL_dup, Fd, shim_get_kind(Old), Old);
  return Fd;
}
SHIM_EXPORT int dup2(int Old, int New) {
  int Fd = REAL(dup2)(Old, New);
  if (Fd >= 0 && Old != New)
    afterSimple(SHIM_CALL_dup2, Fd, shim_get_kind(Old), Old);
  return Fd;
}
SHIM_EXPORT int dup3(int Old, int New, int Flags) {
  int Fd = REAL(dup3)(Old, New, Flags);
  afterSimple(SHIM_CALL_dup3, Fd, shim_get_kind(Old), Old);
  return Fd;
}
SHIM_EXPORT int pipe(int Fds[2]) {
  int R = REAL(pipe)(Fds);
  afterPair(SHIM_CALL_pipe, R, Fds, SHIM_KIND_PIPE);
  return R;
}
SHIM_EXPORT int pipe2(int Fds[2], int Flags) {
  int R = REAL(pipe2)(Fds, Flags);
  afterPair(SHIM_CALL_pipe2, R, Fds, SHIM_KIND_PIPE);
  return R;
}
SHIM_EXPORT int epoll_create(int N) {
  int Fd = REAL(epoll_create)(N);
  afterSimple(SHIM_CALL_epoll_create, Fd, SHIM_KIND_EPOLL);
  return Fd;
}
SHIM_EXPORT int epoll_create1(int F) {
  int Fd = REAL(epoll_create1)(F);
  afterSimple(SHIM_CALL_epoll_create1, Fd, SHIM_KIND_EPOLL);
  return Fd;
}
SHIM_EXPORT int eventfd(unsigned V, int F) {
  int Fd = REAL(eventfd)(V, F);
  afterSimple(SHIM_CALL_eventfd, Fd, SHIM_KIND_EVENTFD);
  return Fd;
}
SHIM_EXPORT int signalfd(int Fd, const sigset_t *M, int F) {
  int R = REAL(signalfd)(Fd, M, F);
  if (Fd == -1)
    afterSimple(SHIM_CALL_signalfd, R, SHIM_KIND_SIGNALFD);
  return R;
}
SHIM_EXPORT int timerfd_create(int C, int F) {
  int Fd = REAL(timerfd_create)(C, F);
  afterSimple(SHIM_CALL_timerfd_create, Fd, SHIM_KIND_TIMERFD);
  return Fd;
}
SHIM_EXPORT int memfd_create(const char *N, unsigned F) {
  int Fd = REAL(memfd_create)(N, F);
  afterSimple(SHIM_CALL_memfd_create, Fd, SHIM_KIND_MEMFD);
  return Fd;
}
SHIM_EXPORT DIR *opendir(const char *P) {
  DIR *D = REAL(opendir)(P);
  RECORD(if (D) shim_record_acquire(SHIM_CALL_opendir, dirfd(D), -1, SHIM_KIND_DIR, P, nullptr, 0, 0);
         else if (isExhaustion(errno)) shim_record_failed(SHIM_CALL_opendir, errno));
  return D;
}
SHIM_EXPORT FILE *popen(const char *Cmd, const char *M) {
  FILE *F = REAL(popen)(Cmd, M);
  afterStream(SHIM_CALL_popen, F, Cmd);
  return F;
}

// ---- Release -----------------------------------------------------------------
SHIM_EXPORT int close(int Fd) {
  if (__builtin_expect(t_resolving && !real_close, 0))
    return (int)syscall(SYS_close, Fd);
  // Record before the real close: once closed, another thread may get the
  // same number back from open() and its acquisition must come after this.
  // A close of a bad fd is recorded as released too; the reader ignores it.
  if (Fd >= 0)
    beforeRelease(SHIM_CALL_close, Fd);
  return REAL(close)(Fd);
}
SHIM_EXPORT int close_range(unsigned First, unsigned Last, int Flags) {
  if (!(Flags & 4 /* CLOSE_RANGE_CLOEXEC */))
    RECORD(shim_record_release(SHIM_CALL_close_range, int(First),
                               Last > 0x7fffffffu ? 0x7fffffff : int(Last)));
  return REAL(close_range)(First, Last, Flags);
}
SHIM_EXPORT int fclose(FILE *F) {
  if (F)
    beforeRelease(SHIM_CALL_fclose, fileno(F));
  return REAL(fclose)(F);
}
SHIM_EXPORT int closedir(DIR *D) {
  beforeRelease(SHIM_CALL_closedir, dirfd(D)); // closedir(NULL) is undefined anyway
  return REAL(closedir)(D);
}
SHIM_EXPORT int pclose(FILE *F) {
  if (F)
    beforeRelease(SHIM_CALL_pclose, fileno(F));
  shim_block_enter(SHIM_CALL_pclose);
  int R = REAL(pclose)(F);
  shim_block_exit();
  return R;
}

// ---- DNS -----------------------------------------------------------------------
SHIM_EXPORT int getaddrinfo(const char *Node, const char *Svc, const struct addrinfo *Hints,
                            struct addrinfo **Res) {
  shim_block_enter(SHIM_CALL_getaddrinfo);
  int R = REAL(getaddrinfo)(Node, Svc, Hints, Res);
  shim_block_exit();
  RECORD(shim_record_dns(Node, R));
  return R;
}

// ---- Blocking ----------------------------------------------------------------------
// Marked in flight so a deadline capture names the call and how long it has
// been blocked. The capture signal (SA_RESTART) can still make poll-like calls
// return EINTR; those are restarted with the remaining timeout so the function
// never sees an EINTR it would not have seen without the shim.
SHIM_EXPORT int poll(struct pollfd *Fds, nfds_t N, int Timeout) {
  shim_block_enter(SHIM_CALL_poll);
  uint64_t Start = shim_t_inflight_ns;
  int R;
  while ((R = REAL(poll)(Fds, N, remainingMs(Timeout, Start))) < 0 && errno == EINTR &&
         shim_take_interrupted()) {
  }
  shim_block_exit();
  return R;
}
SHIM_EXPORT int ppoll(struct pollfd *Fds, nfds_t N, const struct timespec *T, const sigset_t *M) {
  shim_block_enter(SHIM_CALL_ppoll);
  int R = REAL(ppoll)(Fds, N, T, M);
  shim_block_exit();
  return R;
}
SHIM_EXPORT int select(int N, fd_set *R, fd_set *W, fd_set *E, struct timeval *T) {
  shim_block_enter(SHIM_CALL_select);
  int Res;
  // Linux select() updates *T to the time left, so restarting with it is exact.
  while ((Res = REAL(select)(N, R, W, E, T)) < 0 && errno == EINTR && shim_take_interrupted()) {
  }
  shim_block_exit();
  return Res;
}
SHIM_EXPORT int epoll_wait(int Ep, struct epoll_event *Ev, int Max, int Timeout) {
  shim_block_enter(SHIM_CALL_epoll_wait);
  uint64_t Start = shim_t_inflight_ns;
  int R;
  while ((R = REAL(epoll_wait)(Ep, Ev, Max, remainingMs(Timeout, Start))) < 0 && errno == EINTR &&
         shim_take_interrupted()) {
  }
  shim_block_exit();
  return R;
}
SHIM_EXPORT int epoll_pwait(int Ep, struct epoll_event *Ev, int Max, int Timeout, const sigset_t *M) {
  shim_block_enter(SHIM_CALL_epoll_pwait);
  uint64_t Start = shim_t_inflight_ns;
  int R;
  while ((R = REAL(epoll_pwait)(Ep, Ev, Max, remainingMs(Timeout, Start), M)) < 0 &&
         errno == EINTR && shim_take_interrupted()) {
  }
  shim_block_exit();
  return R;
}

#define SHIM_IF_SOCKET_BLOCK(Fd, Call, Expr)                                                  \
  if (shim_is_socket_kind(shim_get_kind(Fd))) {                                              \
    shim_block_enter(Call);                                                                  \
    auto R_ = Expr;                                                                          \
    shim_block_exit();                                                                       \
    shim_note_use(Fd, Call); /* which thread reads it: shared clients */                     \
    return R_;                                                                               \
  }                                                                                          \
  return Expr;

SHIM_EXPORT ssize_t recv(int Fd, void *B, size_t N, int F) {
  SHIM_IF_SOCKET_BLOCK(Fd, SHIM_CALL_recv, REAL(recv)(Fd, B, N, F))
}
SHIM_EXPORT ssize_t recvfrom(int Fd, void *B, size_t N, int F, struct sockaddr *A, socklen_t *L) {
  SHIM_IF_SOCKET_BLOCK(Fd, SHIM_CALL_recvfrom, REAL(recvfrom)(Fd, B, N, F, A, L))
}
SHIM_EXPORT ssize_t recvmsg(int Fd, struct msghdr *M, int F) {
  SHIM_IF_SOCKET_BLOCK(Fd, SHIM_CALL_recvmsg, REAL(recvmsg)(Fd, M, F))
}
SHIM_EXPORT ssize_t read(int Fd, void *B, size_t N) {
  if (__builtin_expect(t_resolving && !real_read, 0))
    return syscall(SYS_read, Fd, B, N);
  SHIM_IF_SOCKET_BLOCK(Fd, SHIM_CALL_read, REAL(read)(Fd, B, N))
}

SHIM_EXPORT int nanosleep(const struct timespec *Req, struct timespec *Rem) {
  shim_block_enter(SHIM_CALL_nanosleep);
  struct timespec Left = *Req, Mine;
  int R;
  while ((R = REAL(nanosleep)(&Left, &Mine)) < 0 && errno == EINTR && shim_take_interrupted())
    Left = Mine;
  if (R < 0 && Rem)
    *Rem = Mine;
  shim_block_exit();
  return R;
}
SHIM_EXPORT int clock_nanosleep(clockid_t C, int F, const struct timespec *Req, struct timespec *Rem) {
  shim_block_enter(SHIM_CALL_clock_nanosleep);
  struct timespec Left = *Req, Mine;
  int R;
  while ((R = REAL(clock_nanosleep)(C, F, &Left, &Mine)) == EINTR && shim_take_interrupted()) {
    if (!(F & TIMER_ABSTIME))
      Left = Mine;
  }
  if (R == EINTR && Rem)
    *Rem = Mine;
  shim_block_exit();
  return R;
}
SHIM_EXPORT unsigned sleep(unsigned S) {
  shim_block_enter(SHIM_CALL_sleep);
  unsigned R;
  while ((R = REAL(sleep)(S)) > 0 && shim_take_interrupted())
    S = R;
  shim_block_exit();
  return R;
}
SHIM_EXPORT int usleep(useconds_t U) {
  shim_block_enter(SHIM_CALL_usleep);
  uint64_t Start = shim_t_inflight_ns;
  int R;
  while ((R = REAL(usleep)(U)) < 0 && errno == EINTR && shim_take_interrupted()) {
    uint64_t Spent = (shim_now_ns() - Start) / 1000;
    if (Spent >= U) {
      R = 0;
      break;
    }
    U -= useconds_t(Spent);
    Start = shim_now_ns();
  }
  shim_block_exit();
  return R;
}

// ---- Processes and objects -------------------------------------------------------
SHIM_EXPORT pid_t fork(void) {
  pid_t P = REAL(fork)();
  int E = errno;
  if (P == 0) {
    shim_after_fork_child();
  } else if (P > 0) {
    RECORD(shim_record_fork(P));
  }
  errno = E;
  return P;
}

// ---- Library handles: the handle -> site mapping at creation ------------------------
// libcurl's easy handle is made by curl_easy_init (no descriptor) and connects
// inside curl_easy_perform, maybe on another line, in another function or a
// later invocation. The creation is recorded with its stack; the sockets made
// and connected inside a perform carry the handle, so the reader joins them
// to where the handle was made. Resolved lazily: a process without libcurl
// never calls these (a NULL real function would only be reached by a caller
// that has no libcurl either, and gets curl's failure results).
SHIM_EXPORT void *curl_easy_init(void) {
  auto Real = REAL(curl_easy_init);
  void *H = Real ? Real() : nullptr;
  if (H)
    RECORD(shim_record_handle(SHIM_CALL_curl_easy_init, uint64_t(uintptr_t(H))));
  return H;
}

SHIM_EXPORT int curl_easy_perform(void *H) {
  auto Real = REAL(curl_easy_perform);
  if (!Real)
    return 2; // CURLE_FAILED_INIT
  uint64_t Outer = shim_t_handle; // a perform from a callback: restored after
  shim_t_handle = uint64_t(uintptr_t(H));
  int R = Real(H);
  int E = errno;
  shim_t_handle = Outer;
  errno = E;
  return R;
}

// dlopen is deliberately not interposed: glibc resolves a bare name against
// the *caller's* RUNPATH, and a wrapper would make the shim the caller. New
// objects are noticed through dl_iterate_phdr's dlpi_adds instead (ledger.cpp).
