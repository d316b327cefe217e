// KernelDataplane: the dataplane of kernel mode. It owns the VIP routes of one protocol in one table and
// builds each from nexthop objects (one member object per server gateway, in a resilient or hash-threshold
// group the route points at) when the kernel has them, else as a classic RTA_MULTIPATH route. Membership
// changes replace the group in place; the route is never deleted and re-added while it stays up. Every
// write first reads the kernel's state for the prefix (kernel_reader.h: a route lookup and the objects by
// ID, a few requests whatever the table's size), so objects the kernel lost behind the agent's back
// (flushed with a link that went down) are created again. A route the read could not see but that exists
// after all makes the add fail with EEXIST; the prefix is then read again from a dump and planned again. A
// server that cannot be reached at the moment (no directly connected route to it) is left out of the route
// and reported in the returned Status, so one dead link does not hold up the VIP's other servers and the
// caller retries. When none of a route's servers can be reached, the route is removed (the VIP is
// withdrawn, routeNote says why) and the call fails, so the caller retries until one can be.
//
// Owns two netlink sockets (requests; notifications, watched on the loop between start() and stop()), the
// nexthop-ID allocator and the bookkeeping of which objects each prefix uses (rebuilt by readRoutes(), so
// a restarted agent adopts what the previous one left without changing anything). It borrows the observer
// given to start(). The pure parts live in route_planner.h (what to do),
// kernel_view.h (what the kernel holds), external_change_detector.h (which notifications need a resync)
// and reachability_detector.h (which make servers unreachable at once); route_entry_index.h keeps what
// the entries use, so that a change to one prefix costs no work over the whole table.
//
// Event-loop thread only. The constructor throws std::runtime_error if a socket cannot be created (start-up
// only); every other call returns Status with the errno and a message naming the request, e.g.
// "RTM_NEWNEXTHOP id 1610612737 via 192.0.2.2: Network is unreachable (errno 101)".
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "netlink/netlink_socket.h"
#include "platform/dataplane.h"
#include "platform/kernel/external_change_detector.h"
#include "platform/kernel/kernel_config.h"
#include "platform/kernel/nexthop_id_allocator.h"
#include "platform/kernel/plan_executor.h"
#include "platform/kernel/route_entry_index.h"
#include "platform/kernel/route_planner.h"
#include "platform/kernel/zebra_copies.h"
#include "platform/kernel_reader.h"
#include "platform/reachability_detector.h"
#include "platform/route_entry.h"

namespace anycastd {

class KernelDataplane : public Dataplane {
 public:
  // Opens the sockets and probes once whether the kernel has nexthop objects (NexthopMode::kAuto then uses
  // a resilient group, else a multipath route).
  explicit KernelDataplane(const KernelConfig& config);
  ~KernelDataplane() override = default;
  KernelDataplane(const KernelDataplane&) = delete;
  KernelDataplane& operator=(const KernelDataplane&) = delete;

  Status readRoutes(std::vector<Route>& out) override;
  Status programRoute(const Route& route) override;
  Status removeRoute(const IpPrefix& prefix) override;
  Status removeOrphans() override;
  // "withdrawn: no next hop can be reached (...)" for a prefix whose route was removed because none of its
  // servers could be reached; empty otherwise.
  std::string routeNote(const IpPrefix& prefix) const override;
  bool routeUnverified(const IpPrefix& prefix) const override;
  size_t zebraNexthopCopies() const override { return zebra_copies_.size(); }
  uint32_t nextNexthopId() const override {
    return resumed_ ? ids_.nextId() : std::max(resume_at_, ids_.nextId());
  }
  void continueNexthopIds(uint32_t next) override { resume_at_ = next; }

  // Watches the notification socket (RTNLGRP_NEXTHOP, IPv4/IPv6 routes, links, neighbours; non-blocking)
  // on `loop` and reports what it reads to `observer` (processEvents).
  Status start(EventLoop& loop, DataplaneObserver& observer) override;
  void stop() override;

  bool nexthopObjectsSupported() const { return nexthop_objects_; }
  const char* modeName() const;  // "resilient group", "group" or "multipath route"

 private:
  // Reads the pending notifications without blocking. For each that makes gateways of the agent's routes
  // unreachable (their link down, their neighbour entry failed: reachability_detector.h) calls
  // observer.nexthopsUnreachable first. Then, if any shows that someone else deleted one of the agent's
  // objects or routes, or that a link its next hops use went down or came back, or if notifications were
  // lost ("netlink event overrun": ENOBUFS on the socket), calls observer.externalChange once with the first
  // reason, and the agent resynchronises everything from a full read.
  void processEvents();
  Status ensureSynced();
  // expect_route: the caller (or the prefix's entry) says the prefix has a route (kernel_reader.h: a dump if
  // the lookup misses it).
  Status observe(const IpPrefix& prefix, bool expect_route, RouteEntry& current, bool* dumped = nullptr);
  Status program(const Route& route, const RouteEntry& current);
  // programRoute found none of the route's servers reachable (`why`): removes the route and the objects only
  // it used (listeners hear an RTM_DELROUTE, the VIP is withdrawn) and returns a failure, so that the agent
  // retries and the route comes back once a server can be reached.
  Status removeUnusable(const IpPrefix& prefix, const RouteEntry& current, const Status& why);
  void store(const IpPrefix& prefix, const RouteEntry& entry);
  void watchEntries();  // tells both detectors what the entries now use
  void resumeIds();
  void noteZebraCopies(
      std::set<uint32_t> now);  // logs when copies appear and when they are gone     // the first full read:
                                // continue allocation past the previous run (nextNexthopId)
  // When a route's nexthop group loses its last member (the link of its only server went down), the kernel
  // deletes the route without an RTM_DELROUTE, or leaves it for a moment over the empty group, when its
  // RTM_DELROUTE names no next hop that listeners can match; either way listeners that learnt the route
  // (zebra, for bgpd's `redistribute kernel`) keep it and the VIP stays announced. For such a prefix of the
  // agent's, a blackhole route of its own added and at once deleted gives them an RTM_NEWROUTE and an
  // RTM_DELROUTE that say it is gone (vanished_route.h). A stand-in that could not be deleted fails the
  // call it was part of (removeRoute, readRoutes, removeOrphans), so that the agent resynchronises and
  // retries; the fresh read adopts the stand-in as a route of the agent's and the agent removes it.
  Status announceVanished(const IpPrefix& prefix);
  Status announceVanished(const RouteEntries& before, const RouteEntries& after);  // the first failure

  const KernelConfig config_;
  nl::NetlinkSocket requests_;
  nl::NetlinkSocket events_;
  DataplaneObserver* observer_ = nullptr;  // between start() and stop()
  std::unique_ptr<ReadWatch> events_watch_;
  NexthopIdAllocator ids_;
  KernelReader reader_;
  PlanExecutor executor_;
  ExternalChangeDetector detector_;
  ReachabilityDetector reachability_;
  bool nexthop_objects_ = false;
  PlannerSettings settings_;
  RouteEntryIndex index_;                     // the entries, with what they use
  bool synced_ = false;                       // index_ and ids_ have been built from a full read
  std::map<IpPrefix, std::string> unusable_;  // prefixes removed for want of a reachable server, and why
  std::set<uint32_t> zebra_copies_;           // zebra's objects in the agent's ID range (zebra_copies.h)
  uint32_t resume_at_ = 0;                    // continueNexthopIds(), applied at the first full read
  bool resumed_ = false;
};

}  // namespace anycastd
