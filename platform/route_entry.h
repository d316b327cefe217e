// RouteEntry: the kernel dataplane's bookkeeping for one prefix: how the agent's route for it is built in the
// kernel (a nexthop group of the agent's and its member objects, by ID, or a classic multipath route) as
// last read or written. The planner (route_planner.h) turns it and a desired Route into kernel operations;
// kernel_view.h builds it from what the kernel reports. Pure values.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "netlink/nexthop_message.h"
#include "platform/route.h"

namespace anycastd {

enum class RouteForm {
  kAbsent,     // no route, and no object of the agent's known for the prefix
  kGroup,      // a route via a group of the agent's whose members are gateway objects of the agent's
  kDetached,   // no route, but a well-formed group of the agent's built for the prefix still exists
  kMultipath,  // a classic route whose next hops all have gateways (RTA_MULTIPATH or one RTA_GATEWAY)
  kOther,      // a route of the agent's protocol built any other way (foreign objects, no gateway, ...)
};
const char* toString(RouteForm form);

struct RouteMember {
  IpAddress gateway;
  uint32_t weight = 1;  // 1..256
  uint32_t oif = 0;     // output device (0: not known yet)
  uint32_t id = 0;      // the member's nexthop object (kGroup, kDetached); 0 for kMultipath
  auto operator<=>(const RouteMember&) const = default;
};

struct RouteEntry {
  RouteForm form = RouteForm::kAbsent;
  uint32_t group_id = 0;             // kGroup, kDetached
  nl::GroupSpec group;               // kGroup, kDetached: type and resilient parameters as in the kernel
  std::vector<RouteMember> members;  // kGroup, kDetached, kMultipath: sorted by gateway
  std::vector<uint32_t> owned;       // kOther: objects of the agent's protocol the route uses, groups first

  bool hasRoute() const {
    return form == RouteForm::kGroup || form == RouteForm::kMultipath || form == RouteForm::kOther;
  }
  std::vector<NextHop> nexthops() const;  // the members as next hops (gateway, weight)
  std::set<uint32_t> objectIds() const;   // every nexthop-object ID the entry holds
  auto operator<=>(const RouteEntry&) const = default;
};

using RouteEntries = std::map<IpPrefix, RouteEntry>;

// IDs held by entries other than `prefix`'s: objects a change to `prefix` must not delete.
std::set<uint32_t> idsHeldByOthers(const RouteEntries& entries, const IpPrefix& prefix);

// Output devices the entries' next hops use.
std::set<uint32_t> linksOf(const RouteEntries& entries);

// The gateways of the entries' routes (not of detached groups), each with its output device (0: unknown).
std::map<IpAddress, uint32_t> gatewaysOf(const RouteEntries& entries);

}  // namespace anycastd
