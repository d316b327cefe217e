// The child's side of an exec check, from fork() to execve(): ExecRunner (exec_runner.h) prepares an
// ExecChildPlan in the parent (every string, array and number the child needs), forks, and the child calls
// runExecChild(), which uses only async-signal-safe system calls (no allocation, no locks) to make the
// process the check's program may run in: a process group of its own, default signal handling, stdin on
// /dev/null, stdout/stderr on the runner's pipe, no other fd, no capability (ambient and bounding sets
// dropped, then every set emptied), no_new_privs, the check's user and groups, each checked afterwards. The
// first step that fails is written to the plan's error pipe (close-on-exec, so a successful exec closes it
// unwritten) and the child exits 127 without running anything.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace anycastd {

enum class ExecChildStep : int {
  kProcessGroup,
  kSignals,
  kStdio,
  kCloseFds,
  kAmbientCaps,
  kBoundingCaps,
  kSetgroups,
  kSetgid,
  kSetuid,
  kClearCaps,
  kNoNewPrivs,
  kVerify,
  kExec,
};
const char* toString(ExecChildStep step);  // what the step does, for the failure detail: "setuid"

// What the child writes to the error pipe when a step fails.
struct ExecChildFailure {
  ExecChildStep step;
  int error;  // errno; EPERM for a check (kVerify) that found the process not as it should be
};

struct ExecChildPlan {
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int out_fd = -1;            // becomes stdout and stderr
  int err_fd = -1;            // close-on-exec, >= 3: where a failing step is reported
  bool set_identity = false;  // false: keep the daemon's uid and groups (capabilities are dropped anyway)
  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t* groups = nullptr;
  size_t group_count = 0;
};

[[noreturn]] void runExecChild(const ExecChildPlan& plan);

}  // namespace anycastd
