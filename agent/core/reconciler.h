// Reconciler: keeps the dataplane's routes equal to the routes the agent wants. Holds the desired routes,
// what it believes is programmed, and the prefixes on which the two may differ (changed since they last
// agreed); reconcile() applies the diff of those prefixes only (route_diff.h) through the Dataplane and
// records what succeeded, so that a change costs its own prefixes whatever the size of the table. A failed
// operation leaves the state of that prefix unknown, so the next attempt starts with resync() (a fresh read
// of the dataplane). No timers here: the agent decides when to retry. Event-loop thread only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/route_diff.h"
#include "platform/dataplane.h"

namespace anycastd {

class Reconciler {
 public:
  explicit Reconciler(Dataplane& dataplane) : dataplane_(dataplane) {}

  // Reads what the dataplane holds (start-up adoption, recovery after an error or an external change).
  Status resync();

  // A route equal to the desired one already is no change.
  void setDesired(const IpPrefix& prefix, const std::optional<Route>& route);

  struct Failure {
    RouteOp op;
    Status status;
  };
  struct Outcome {
    std::vector<RouteOp> applied;
    std::vector<Failure> failed;
  };
  // `applied`, if set, hears of each operation as soon as it succeeded (for the log), before the next.
  Outcome reconcile(const std::function<void(const RouteOp&)>& applied = {});

  bool needsResync() const { return needs_resync_; }
  void markNeedsResync() { needs_resync_ = true; }
  bool converged() const { return !needs_resync_ && pending_.empty(); }
  const RouteMap& programmed() const { return programmed_; }
  const RouteMap& desired() const { return desired_; }

 private:
  Dataplane& dataplane_;
  RouteMap desired_;
  RouteMap programmed_;
  PrefixSet pending_;  // prefixes that may differ; every other prefix agrees
  bool needs_resync_ = false;
};

}  // namespace anycastd
