// ExecRunner: runs the exec checks' programs for the whole agent with bounded concurrency. At most
// max_running children run at once; further requests wait in a FIFO queue. Each child is spawned
// (posix_spawn, no shell) in a process group of its own, with stdin on /dev/null and stdout/stderr on a
// pipe of which the first line is kept (the rest is read and discarded); it is reaped without blocking
// when its pidfd becomes readable (Linux 5.3+), so there is no SIGCHLD handler. cancel() drops a queued
// request or kills a running child's whole process group (SIGKILL); a cancelled request gets no callback,
// but its child keeps its slot until it has been reaped. Owned by the agent, passed to the exec probes;
// event-loop thread only. Errors (spawn failures, e.g. a missing program) come back as outcomes.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/event_loop.h"

namespace anycastd {

struct ExecRequest {
  std::string command;  // absolute path
  std::vector<std::string> args;
  std::vector<std::string> env;  // "NAME=value" added to (and overriding) anycastd's environment
};

struct ExecOutcome {
  bool ok = false;      // exited with status 0
  std::string detail;   // "exit status 0", "exit status 3: <first output line>", "killed by signal 9"
  int local_error = 0;  // the agent could not run it (pipe2/posix_spawn: EMFILE, ENFILE, ...): that errno
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
