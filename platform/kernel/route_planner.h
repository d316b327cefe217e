// Route planner: the kernel dataplane's pure core. Given how a prefix's route is built in the kernel now
// (RouteEntry) and the Route the agent wants, the ordered kernel operations that get there without the
// route ever going away while it stays up: new member objects first, then the group created or replaced in
// place (or a new route added / the existing route replaced), and only then the deletion of what is no
// longer used. Objects held by other prefixes' entries are never deleted. An identical route needs no
// operation. No I/O; the caller (PlanExecutor) applies the plan and fills in what only the kernel knows
// (output devices). Errors (invalid route, no free nexthop ID) come back in RoutePlan::error.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "lib/status.h"
#include "netlink/nexthop_message.h"
#include "platform/kernel/nexthop_id_allocator.h"
#include "platform/route.h"
#include "platform/route_entry.h"

namespace anycastd {

struct PlannerSettings {
  bool use_groups = true;  // nexthop objects and a group; false: classic RTA_MULTIPATH routes
  nl::GroupSpec group;     // the group's type and resilient parameters
};

enum class OpKind {
  kCreateMember,   // id, gateway
  kCreateGroup,    // id, members
  kReplaceGroup,   // id, members: in place (NLM_F_REPLACE)
  kAddRoute,       // id = nhid, or 0 and nexthops (multipath)
  kReplaceRoute,   // likewise, NLM_F_REPLACE
  kDeleteRoute,    //
  kDeleteNexthop,  // id
};
const char* toString(OpKind kind);

struct PlanOp {
  OpKind kind;
  uint32_t id = 0;
  IpAddress gateway;
  std::vector<nl::GroupMember> members;
  std::vector<NextHop> nexthops;
  auto operator<=>(const PlanOp&) const = default;
};

struct RoutePlan {
  std::vector<PlanOp> ops;
  RouteEntry result;   // the bookkeeping once every operation succeeded (new members' oif still 0)
  std::string error;   // non-empty: nothing can be done
  int error_code = 0;  // with error: EINVAL (invalid route) or ENOSPC (no free nexthop ID)

  // Moves everything from object ID `from` to `to` (the kernel had `from` already: EEXIST).
  void renumber(uint32_t from, uint32_t to);
  // Leaves out a server that cannot be reached now: the creation of member `id` and the member itself
  // from the group and the result. (dropGateway: likewise for a multipath route's next hop.)
  void dropMember(uint32_t id);
  void dropGateway(const IpAddress& gateway);
};

// Checks `route` (next hops present, weights 1..256, gateways of the prefix's family, no duplicates);
// returns ok if it is valid, else EINVAL and what is wrong.
Status validateRoute(const Route& route);

// Allocated IDs are marked used in `ids` (and released again if the plan fails). `held_by_others`: IDs other
// prefixes' entries hold.
RoutePlan planProgram(const RouteEntry& current, const Route& desired, const PlannerSettings& settings,
                      NexthopIdAllocator& ids, const std::set<uint32_t>& held_by_others);

// Delete the route, then its group, then its members.
RoutePlan planRemoval(const RouteEntry& current, const std::set<uint32_t>& held_by_others);

// True if the kernel can change a group of spec `from` into one of spec `to` in place (same type, and for a
// resilient group the same number of buckets).
bool replaceableInPlace(const nl::GroupSpec& from, const nl::GroupSpec& to);

}  // namespace anycastd
