// PlanExecutor: applies a RoutePlan (route_planner.h) for one prefix to the kernel through the dataplane's
// request socket. It resolves each new gateway's output device with a route lookup (refusing a gateway
// that is not directly connected), moves on to the next free ID when the kernel already has one (EEXIST),
// and when a step fails it deletes again the objects it created that nothing uses yet, so a failed attempt
// leaves no debris. A server that cannot be reached now (no route to it, its link down) is left out so
// that it does not hold up the route's other servers; the route is programmed without it and its error is
// returned, so the caller retries. When no server is left, nothing is changed and nothingUsable() says so.
// Deletions of objects no longer used are best effort: all are tried, the first error is returned. Borrows
// the socket and the ID allocator; event-loop thread. Errors come back as Status naming the request, e.g.
// "RTM_NEWNEXTHOP id 1610612737 via 192.0.2.2: Network is unreachable (errno 101)".
#pragma once

#include <cstdint>
#include <string>

#include "lib/status.h"
#include "netlink/netlink_socket.h"
#include "platform/kernel/nexthop_id_allocator.h"
#include "platform/kernel/route_planner.h"

namespace anycastd {

class PlanExecutor {
 public:
  PlanExecutor(nl::NetlinkSocket& socket, NexthopIdAllocator& ids, uint8_t protocol, uint32_t table)
      : socket_(socket), ids_(ids), protocol_(protocol), table_(table) {}

  // `current`: the prefix's state the plan was made from. `applied` receives what holds in the kernel
  // afterwards: plan.result (with output devices filled in) when every step succeeded.
  Status execute(const IpPrefix& prefix, const RouteEntry& current, RoutePlan& plan, RouteEntry& applied);
  // After execute(): true when it failed because none of the route's servers can be reached now (every
  // gateway left out): it changed nothing, and the caller removes the route (nothing usable is left).
  bool nothingUsable() const { return nothing_usable_; }

  // The output device for a directly connected gateway (RTM_GETROUTE lookup).
  Status resolveOif(const IpAddress& gateway, uint32_t& oif);

  // Deletes one nexthop object (already gone: success) and frees its ID.
  Status deleteNexthop(uint32_t id);

 private:
  // `unreachable` is set when the failure is a server that cannot be reached now (left out of the plan).
  Status apply(const IpPrefix& prefix, PlanOp& op, RoutePlan& plan, bool& unreachable);
  Status createObject(PlanOp& op, RoutePlan& plan, bool& unreachable);
  Status writeRoute(const IpPrefix& prefix, PlanOp& op, RoutePlan& plan, bool& unreachable);
  std::string describeOp(const IpPrefix& prefix, const PlanOp& op, const RoutePlan& plan) const;

  nl::NetlinkSocket& socket_;
  NexthopIdAllocator& ids_;
  uint8_t protocol_;
  uint32_t table_;
  bool nothing_usable_ = false;
};

}  // namespace anycastd
