// Reconciler: keeps the dataplane's routes equal to the routes the agent wants. Holds the desired routes and
// what it believes is programmed; reconcile() applies the diff (route_diff.h) through the Dataplane and
// records what succeeded. A failed operation leaves the state of that prefix unknown, so the next attempt
// starts with resync() (a fresh read of the dataplane). No timers here: the agent decides when to retry.
// Event-loop thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/dataplane.h"
#include "agent/route_diff.h"

namespace anycastd {

class Reconciler {
 public:
  explicit Reconciler(Dataplane& dataplane) : dataplane_(dataplane) {}

  // Reads what the dataplane holds (start-up adoption, recovery after an error or an external change).
  Status resync();

  void setDesired(const IpPrefix& prefix, const std::optional<Route>& route);

  struct Failure {
    RouteOp op;
    Status status;
  };
  struct Outcome {
    std::vector<RouteOp> applied;
    std::vector<Failure> failed;
  };
  Outcome reconcile();

  bool needsResync() const { return needs_resync_; }
  void markNeedsResync() { needs_resync_ = true; }
  bool converged() const { return !needs_resync_ && desired_ == programmed_; }
  const RouteMap& programmed() const { return programmed_; }
  const RouteMap& desired() const { return desired_; }

 private:
  Dataplane& dataplane_;
  RouteMap desired_;
  RouteMap programmed_;
  bool needs_resync_ = false;
};

}  // namespace anycastd
