// FakeDataplane: an in-memory Dataplane for unit tests and fuzzers. Holds the routes it was given in a map,
// counts reads and writes, and fails on demand: the next write (fail_next), the next `fail_writes` writes or
// every read while `fail_reads` is set, the next removeOrphans (fail_orphans), with an injected Status;
// reports to the observer given at start() only when a test asks it to. Single-threaded; never throws.
#pragma once

#include <map>
#include <vector>

#include "platform/dataplane.h"
#include "platform/route.h"

namespace anycastd::test {

class FakeDataplane : public Dataplane {
 public:
  // Keeps the observer, so that a test can report external changes and unreachable next hops through it.
  Status start(EventLoop&, DataplaneObserver& observer) override {
    observer_ = &observer;
    return Status::ok();
  }
  void stop() override { observer_ = nullptr; }
  void reportUnreachable(const std::vector<IpAddress>& gateways, const char* why) {
    if (observer_) observer_->nexthopsUnreachable(gateways, why);
  }
  void reportExternalChange(const char* why) {
    if (observer_) observer_->externalChange(why);
  }

  Status readRoutes(std::vector<Route>& out) override {
    ++reads;
    if (fail_reads) return Status::fail(5, "injected read failure");
    out.clear();
    for (const auto& [p, r] : routes) out.push_back(r);
    return Status::ok();
  }
  Status programRoute(const Route& r) override {
    if (failWrite()) return Status::fail(22, "injected");
    routes[r.prefix] = r;
    ++writes;
    return Status::ok();
  }
  Status removeRoute(const IpPrefix& p) override {
    if (failWrite()) return Status::fail(22, "injected");
    routes.erase(p);
    ++writes;
    return Status::ok();
  }
  Status removeOrphans() override {
    if (!fail_orphans) return Status::ok();
    fail_orphans = false;
    return Status::fail(16, "injected orphan failure");
  }
  void initialRoutesComplete() override { initial_routes_complete = true; }

  RouteMap routes;
  bool fail_next = false;  // the next write fails
  int fail_writes = 0;     // so many writes fail (after fail_next)
  bool fail_reads = false;
  bool fail_orphans = false;  // the next removeOrphans fails (as when a blackhole stand-in stays behind)
  int reads = 0;
  int writes = 0;  // successful ones
  int failed_writes = 0;
  bool initial_routes_complete = false;

 private:
  DataplaneObserver* observer_ = nullptr;
  bool failWrite() {
    if (fail_next) {
      fail_next = false;
    } else if (fail_writes > 0) {
      --fail_writes;
    } else {
      return false;
    }
    ++failed_writes;
    return true;
  }
};

}  // namespace anycastd::test
