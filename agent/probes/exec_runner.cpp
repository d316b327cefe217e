#include "agent/probes/exec_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/probes/exec_child.h"
#include "agent/probes/probe.h"
#include "lib/posix.h"

namespace anycastd {
namespace {

constexpr size_t kMaxDetailLine = 200;

int pidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

}  // namespace

struct ExecRunner::Child {
  Child(EventLoop& loop, ExecRunner& runner, Id id)
      : output(loop, [&runner, id](bool, bool) { runner.onOutput(id); }),
        exit(loop, [&runner, id](bool, bool) { runner.onExit(id); }) {}
  ~Child() {
    output.cancel();
    exit.cancel();
    if (out_fd >= 0) close(out_fd);
    if (pid_fd >= 0) close(pid_fd);
  }
  pid_t pid = -1;
  int pid_fd = -1;
  int out_fd = -1;
  bool out_done = false;
  bool line_done = false;
  std::string first_line;
  Done done;  // empty once cancelled
  FdWatch output;
  FdWatch exit;
};

ExecRunner::ExecRunner(EventLoop& loop, size_t max_running)
    : loop_(loop),
      max_running_(std::max<size_t>(1, max_running)),
      sweep_(loop, [this] { finished_.clear(); }) {}

ExecRunner::~ExecRunner() {
  for (auto& [id, c] : children_) {
    kill(-c->pid, SIGKILL);
    waitpid(c->pid, nullptr, 0);  // SIGKILL: returns promptly
  }
}

ExecRunner::Id ExecRunner::submit(ExecRequest request, Done done) {
  const Id id = next_id_++;
  queue_.push_back({id, std::move(request), std::move(done)});
  pump();
  return id;
}

bool ExecRunner::isQueued(Id id) const {
  return std::any_of(queue_.begin(), queue_.end(), [id](const Waiting& w) { return w.id == id; });
}

void ExecRunner::cancel(Id id) {
  auto q = std::find_if(queue_.begin(), queue_.end(), [id](const Waiting& w) { return w.id == id; });
  if (q != queue_.end()) {
    queue_.erase(q);
    return;
  }
  auto it = children_.find(id);
  if (it == children_.end()) return;
  it->second->done = nullptr;
  kill(-it->second->pid, SIGKILL);  // the whole group: a shell script's children too
}

void ExecRunner::pump() {
  while (children_.size() < max_running_ && !queue_.empty()) {
    Waiting w = std::move(queue_.front());
    queue_.pop_front();
    spawn(w.id, std::move(w.request), std::move(w.done));
  }
}

void ExecRunner::spawn(Id id, ExecRequest request, Done done) {
  auto fail = [&](const std::string& why, int err = 0) {
    if (done) done(ExecOutcome{false, why, isLocalResourceError(err) ? err : 0});
  };
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
    const int err = errno;
    return fail("pipe: " + errnoReason(err), err);
  }
  // The child's end blocks as usual.
  fcntl(pipefd[1], F_SETFL, 0);

  // The error pipe: empty at EOF when the exec succeeded, else the step that failed (exec_child.h).
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0) {
    const int err = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    return fail("pipe: " + errnoReason(err), err);
  }
  if (errpipe[1] < 3) {  // the child keeps fds 0-2 for stdio: move it above them
    const int moved = fcntl(errpipe[1], F_DUPFD_CLOEXEC, 3);
    close(errpipe[1]);
    errpipe[1] = moved;
  }

  std::vector<std::string> env = {kExecPath};
  env.insert(env.end(), request.env.begin(), request.env.end());
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  argv.push_back(request.command.data());
  for (auto& a : request.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<gid_t> groups;
  ExecChildPlan plan;
  plan.path = request.command.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.out_fd = pipefd[1];
  plan.err_fd = errpipe[1];
  if (request.identity) {
    plan.set_identity = true;
    plan.uid = request.identity->uid;
    plan.gid = request.identity->gid;
    groups.assign(request.identity->groups.begin(), request.identity->groups.end());
    plan.groups = groups.data();
    plan.group_count = groups.size();
  }

  const pid_t pid = errpipe[1] < 0 ? -1 : fork();
  if (pid == 0) runExecChild(plan);
  const int fork_errno = errno;
  if (pid > 0) setpgid(pid, pid);  // as the child does: kill(-pid) works from now on (EACCES once it ran)
  close(pipefd[1]);
  if (errpipe[1] >= 0) close(errpipe[1]);
  ExecChildFailure failure{};
  size_t got = 0;
  while (pid > 0 && got < sizeof failure) {
    const ssize_t n = read(errpipe[0], reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(errpipe[0]);
  if (pid < 0) {
    close(pipefd[0]);
    return fail("cannot run " + request.command + ": fork: " + errnoReason(fork_errno), fork_errno);
  }
  if (got == sizeof failure) {  // a step before the program failed: nothing ran
    close(pipefd[0]);
    waitpid(pid, nullptr, 0);
    if (failure.step == ExecChildStep::kExec)
      return fail("cannot run " + request.command + ": " + errnoReason(failure.error), failure.error);
    return fail("cannot run " + request.command + ": " + toString(failure.step) + ": " +
                errnoReason(failure.error));
  }

  auto child = std::make_unique<Child>(loop_, *this, id);
  child->pid = pid;
  child->out_fd = pipefd[0];
  child->done = std::move(done);
  child->pid_fd = pidfdOpen(pid);
  if (child->pid_fd < 0) {
    const int err = errno;
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return fail("pidfd_open: " + errnoReason(err) + " (needs Linux 5.3 or later)", err);
  }
  Child& c = *child;
  children_.emplace(id, std::move(child));
  c.output.watch(c.out_fd, false, std::chrono::milliseconds(0));
  c.exit.watch(c.pid_fd, false, std::chrono::milliseconds(0));
}

void ExecRunner::keepFirstLine(Child& c, const char* data, size_t size) {
  for (size_t i = 0; i < size && !c.line_done; ++i) {
    if (data[i] == '\n' || c.first_line.size() >= kMaxDetailLine)
      c.line_done = true;
    else if (data[i] != '\r')
      c.first_line += data[i];
  }
}

void ExecRunner::onOutput(Id id) {
  auto it = children_.find(id);
  if (it == children_.end()) return;
  Child& c = *it->second;
  char buf[4096];
  while (true) {
    const ssize_t n = read(c.out_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return c.output.watch(c.out_fd, false, std::chrono::milliseconds(0));
    if (n <= 0) {
      c.out_done = true;  // EOF: the program and its children closed the pipe
      return;
    }
    keepFirstLine(c, buf, static_cast<size_t>(n));
  }
}

void ExecRunner::onExit(Id id) {
  auto it = children_.find(id);
  if (it == children_.end()) return;
  int status = 0;
  const pid_t r = waitpid(it->second->pid, &status, WNOHANG);
  if (r == 0) return it->second->exit.watch(it->second->pid_fd, false, std::chrono::milliseconds(0));
  std::unique_ptr<Child> child = std::move(it->second);
  children_.erase(it);
  // What the program wrote just before exiting may still be in the pipe.
  char buf[4096];
  ssize_t n;
  while (!child->out_done && !child->line_done && (n = read(child->out_fd, buf, sizeof buf)) > 0)
    keepFirstLine(*child, buf, static_cast<size_t>(n));
  // Any process of the group still running (a background child of a script) goes with it.
  kill(-child->pid, SIGKILL);
  ExecOutcome outcome;
  if (r < 0) {
    outcome.detail = "waitpid: " + errnoReason(errno);
  } else if (WIFEXITED(status)) {
    outcome.ok = WEXITSTATUS(status) == 0;
    outcome.detail = "exit status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    outcome.detail =
        "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  }
  if (!outcome.ok && !child->first_line.empty()) outcome.detail += ": " + child->first_line;
  Done done = std::move(child->done);
  child->output.cancel();
  child->exit.cancel();
  finished_.push_back(std::move(child));
  sweep_.arm(std::chrono::milliseconds(0));
  pump();
  if (done) done(std::move(outcome));
}

}  // namespace anycastd
