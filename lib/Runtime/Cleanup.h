//===- Cleanup.h - Nothing left behind, however the run ends ---*- C++ -*-===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// A run creates processes (the function, whatever it forks, daemons that
// left its process group), cgroups and temporary directories (the shim's
// ledgers). The orderly end removes them; so must every other end:
//
//   - SIGINT/SIGTERM/SIGHUP: a signal thread (the signals are blocked in
//     every other thread, no work is done in a handler) asks the run to
//     stop; the run then ends in order and writes what it saw, marked
//     incomplete. A second signal, or a run that has not ended 10 s after
//     the first, gets the last resort below.
//   - an internal error (an exception reaching a thread's top, or
//     std::terminate): the same last resort, then exit 3.
//   - the last resort: every descendant of the emulator is SIGKILLed (a
//     /proc walk: the emulator is a child subreaper, so daemons are its
//     descendants too), the run's cgroups are killed and removed, and the
//     registered paths are deleted.
//
// SIGKILL to the emulator cannot be handled: then the function (not what
// it forked) dies with it (PR_SET_PDEATHSIG), and cgroups are left.
//
//===----------------------------------------------------------------------===//

#ifndef SERVERLESS_RUNTIME_CLEANUP_H
#define SERVERLESS_RUNTIME_CLEANUP_H

#include <functional>
#include <string>

namespace serverless::runtime {

class Cgroups;

/// A path (file or directory tree) to delete when the run ends.
void registerCleanupPath(const std::string &Path);
/// Deletes every registered path now (end of a run).
void removeCleanupPaths();

/// The cgroups of the run in progress (nullptr when none), for the last
/// resort.
void registerRunCgroups(Cgroups *G);

/// SIGKILLs every descendant of the emulator, repeatedly until none is left
/// (bounded: children may be forking). Returns how many were signalled.
int killDescendants();

/// The last resort: descendants, cgroups, registered paths, and a minimal
/// --json document (incomplete, with \p Reason) unless the run wrote its
/// own. Safe to call from any thread while others still run; never blocks
/// for long.
void emergencyCleanup(const std::string &Reason, int ExitCode);

/// Installs (once per process) the signal thread and the terminate handler.
/// \p OnSignal is called on the signal thread with the first signal and
/// must only ask the run to stop; pass an empty function when no run is in
/// progress (then a signal gets the last resort at once). \p JsonPath, if
/// not empty, receives a minimal incomplete document when the last resort
/// runs before the run wrote its own.
void setInterruptHandler(std::function<void(int Sig)> OnSignal,
                         const std::string &JsonPath);

/// Claims the --json file for writing; false when the last resort already
/// wrote (or is writing) it. Call before writing the document, and
/// jsonOutputDone() after (the last resort waits for a write in progress).
bool claimJsonOutput();
void jsonOutputDone();

/// "SIGINT", "SIGTERM", ...
std::string signalName(int Sig);

} // namespace serverless::runtime

#endif // SERVERLESS_RUNTIME_CLEANUP_H
