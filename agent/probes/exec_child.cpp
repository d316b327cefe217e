#include "agent/probes/exec_child.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace anycastd {
namespace {

constexpr int kHighestCap = 63;  // PR_CAPBSET_DROP fails with EINVAL past the kernel's last one

[[noreturn]] void fail(const ExecChildPlan& plan, ExecChildStep step, int err) {
  const ExecChildFailure f{step, err};
  ssize_t n;
  do n = write(plan.err_fd, &f, sizeof f);
  while (n < 0 && errno == EINTR);
  _exit(127);
}

bool capabilities(__user_cap_data_struct (&data)[2]) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return syscall(SYS_capget, &header, data) == 0;
}

}  // namespace

const char* toString(ExecChildStep step) {
  switch (step) {
    case ExecChildStep::kProcessGroup: return "setpgid";
    case ExecChildStep::kSignals: return "resetting signals";
    case ExecChildStep::kStdio: return "stdin/stdout/stderr";
    case ExecChildStep::kCloseFds: return "closing fds";
    case ExecChildStep::kAmbientCaps: return "clearing ambient capabilities";
    case ExecChildStep::kBoundingCaps: return "dropping the capability bounding set (needs CAP_SETPCAP)";
    case ExecChildStep::kSetgroups: return "setgroups";
    case ExecChildStep::kSetgid: return "setgid";
    case ExecChildStep::kSetuid: return "setuid";
    case ExecChildStep::kClearCaps: return "clearing capabilities";
    case ExecChildStep::kNoNewPrivs: return "no_new_privs";
    case ExecChildStep::kVerify: return "checking the identity and capabilities";
    case ExecChildStep::kExec: return "exec";
  }
  return "?";
}

void runExecChild(const ExecChildPlan& plan) {
  using S = ExecChildStep;
  if (setpgid(0, 0) != 0) fail(plan, S::kProcessGroup, errno);

  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);  // SIGKILL, SIGSTOP: EINVAL, fine
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, nullptr) != 0) fail(plan, S::kSignals, errno);

  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0) fail(plan, S::kStdio, errno);
  if (dup2(null_fd, 0) < 0 || dup2(plan.out_fd, 1) < 0 || dup2(plan.out_fd, 2) < 0)
    fail(plan, S::kStdio, errno);
  // Every other fd (sockets, netlink, the control socket, whatever lacks O_CLOEXEC) but the error pipe.
  if (plan.err_fd > 3 && close_range(3, static_cast<unsigned>(plan.err_fd) - 1, 0) != 0)
    fail(plan, S::kCloseFds, errno);
  if (close_range(static_cast<unsigned>(plan.err_fd) + 1, ~0U, 0) != 0) fail(plan, S::kCloseFds, errno);

  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) fail(plan, S::kAmbientCaps, errno);
  // Dropping from the bounding set needs CAP_SETPCAP. Without it (a daemon not running as root) the step
  // is skipped; the check below then refuses to run the program as root, the one user that would get
  // capabilities back at exec.
  bool bounding_dropped = true;
  for (int cap = 0; cap <= kHighestCap; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) break;  // past the kernel's last capability
    if (errno != EPERM) fail(plan, S::kBoundingCaps, errno);
    bounding_dropped = false;
    break;
  }

  if (plan.set_identity) {
    if (setgroups(plan.group_count, plan.groups) != 0) fail(plan, S::kSetgroups, errno);
    if (setresgid(plan.gid, plan.gid, plan.gid) != 0) fail(plan, S::kSetgid, errno);
    if (setresuid(plan.uid, plan.uid, plan.uid) != 0) fail(plan, S::kSetuid, errno);
  }
  {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct none_caps[2] = {};
    if (syscall(SYS_capset, &header, none_caps) != 0) fail(plan, S::kClearCaps, errno);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(plan, S::kNoNewPrivs, errno);

  // Check what was asked for rather than trust the calls' return values.
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0)
    fail(plan, S::kVerify, errno);
  if (plan.set_identity) {
    if (ruid != plan.uid || euid != plan.uid || suid != plan.uid) fail(plan, S::kVerify, EPERM);
    if (rgid != plan.gid || egid != plan.gid || sgid != plan.gid) fail(plan, S::kVerify, EPERM);
    if (getgroups(0, nullptr) != static_cast<int>(plan.group_count)) fail(plan, S::kVerify, EPERM);
    if (plan.uid != 0 && setuid(0) == 0) fail(plan, S::kVerify, EPERM);
  }
  __user_cap_data_struct caps[2] = {};
  if (!capabilities(caps)) fail(plan, S::kVerify, errno);
  for (const auto& c : caps)
    if (c.effective || c.permitted || c.inheritable) fail(plan, S::kVerify, EPERM);
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) fail(plan, S::kVerify, EPERM);
  if (!bounding_dropped && (ruid == 0 || euid == 0)) fail(plan, S::kBoundingCaps, EPERM);

  execve(plan.path, plan.argv, plan.envp);
  fail(plan, S::kExec, errno);
}

}  // namespace anycastd
