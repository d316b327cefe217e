#include "agent/probes/exec_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/probes/probe.h"
#include "lib/posix.h"

extern char** environ;

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

  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    if (std::none_of(request.env.begin(), request.env.end(),
                     [&](const std::string& x) { return x.compare(0, name.size() + 1, name + "=") == 0; }))
      env.push_back(entry);
  }
  env.insert(env.end(), request.env.begin(), request.env.end());
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  argv.push_back(request.command.data());
  for (auto& a : request.args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);  // sockets the agent may hold without CLOEXEC
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);  // a group of its own, killed as a whole
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, request.command.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    return fail("cannot run " + request.command + ": " + errnoReason(rc), rc);
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
