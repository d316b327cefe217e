// ExecRunner: runs the exec checks' programs for the whole agent with bounded concurrency. At most
// max_running children run at once; further requests wait in a FIFO queue. Each child is forked and
// executed (no shell) in a process group of its own, with stdin on /dev/null, stdout/stderr on a pipe of
// which the first line is kept (the rest is read and discarded) and no other fd; it gets only the request's
// environment and PATH (kExecPath), drops every capability (ambient and bounding sets, then the rest with
// the change of user), sets no_new_privs, takes the request's identity (setgroups, setgid, setuid) and checks
// all of that before exec; a step that fails is reported as the outcome and nothing runs. It is reaped
// without blocking when its pidfd becomes readable (Linux 5.3+), so there is no SIGCHLD handler. cancel()
// drops a queued request or kills a running child's whole process group (SIGKILL); a cancelled request gets
// no callback, but its child keeps its slot until it has been reaped. Owned by the agent, passed to the exec
// probes; event-loop thread only. Errors (spawn failures, e.g. a missing program) come back as outcomes.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "lib/event_loop.h"

namespace anycastd {

inline constexpr const char* kExecPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

struct ExecRequest {
  std::string command;  // absolute path
  std::vector<std::string> args;
  std::vector<std::string> env;  // "NAME=value": the program's whole environment besides kExecPath
  // Who the program runs as; none: the daemon's own user and groups (still without capabilities).
  std::optional<ExecIdentity> identity;
};

struct ExecOutcome {
  bool ok = false;      // exited with status 0
  std::string detail;   // "exit status 0", "exit status 3: <first output line>", "killed by signal 9"
  int local_error = 0;  // the agent could not run it (pipe2/fork: EMFILE, ENFILE, ENOMEM): that errno
};

class ExecRunner {
 public:
  static constexpr size_t kDefaultMaxRunning = 16;
  using Id = uint64_t;
  using Done = std::function<void(ExecOutcome)>;

  explicit ExecRunner(EventLoop& loop, size_t max_running = kDefaultMaxRunning);
  ~ExecRunner();  // kills and reaps every child still running
  ExecRunner(const ExecRunner&) = delete;
  ExecRunner& operator=(const ExecRunner&) = delete;

  // Runs the request now if a slot is free, else queues it. `done` is called once, from the event loop
  // (a spawn failure is reported from within submit()).
  Id submit(ExecRequest request, Done done);
  // Forgets the request: removes it from the queue, or kills its process group. No callback follows.
  void cancel(Id id);
  bool isQueued(Id id) const;

  size_t running() const { return children_.size(); }
  size_t queued() const { return queue_.size(); }
  size_t maxRunning() const { return max_running_; }

 private:
  struct Child;
  void pump();
  void spawn(Id id, ExecRequest request, Done done);
  void onOutput(Id id);
  static void keepFirstLine(Child& c, const char* data, size_t size);
  void onExit(Id id);

  EventLoop& loop_;
  const size_t max_running_;
  Id next_id_ = 1;
  struct Waiting {
    Id id;
    ExecRequest request;
    Done done;
  };
  std::deque<Waiting> queue_;
  std::map<Id, std::unique_ptr<Child>> children_;
  std::vector<std::unique_ptr<Child>> finished_;  // freed by sweep_, outside their own callbacks
  Timer sweep_;
};

}  // namespace anycastd
