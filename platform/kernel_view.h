// Kernel view: how the agent reads the kernel's state. From decoded route and nexthop-object messages it
// builds the agent's Routes (prefix, next hops sorted by gateway with weights) and the dataplane's
// bookkeeping (RouteEntry per prefix: group ID, member IDs by gateway), finds the agent's objects that no
// route uses (orphans), and picks out the agent's routes (protocol and table). Routes of the agent's built
// in a way it would not build them (a group with foreign or gateway-less members, a single nexthop object,
// a next hop without a gateway) are still reported, as form kOther, so the caller can replace or remove
// them. Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "netlink/nexthop_message.h"
#include "netlink/route_message.h"
#include "platform/route.h"
#include "platform/route_entry.h"

namespace anycastd {

using NexthopTable = std::map<uint32_t, nl::NexthopMessage>;
using OwnRoutes = std::map<IpPrefix, nl::RouteMessage>;

// The routes of `protocol` in `table`, by prefix. Several messages for one prefix (IPv6 multipath
// siblings from older kernels) are merged into one.
OwnRoutes collectOwnRoutes(const std::vector<nl::RouteMessage>& routes, uint8_t protocol, uint32_t table);

struct RouteView {
  Route route;
  RouteEntry entry;
};

// How the agent sees the kernel's route `route` (one of its own). `nexthops` must hold the objects the
// route refers to (directly or through its group); missing ones make the route kOther.
RouteView describeRoute(const nl::RouteMessage& route, const NexthopTable& nexthops, uint8_t protocol);

// A group of the agent's (`group_id`) left without a route, as a kDetached entry, if it is well-formed
// (the agent's protocol, members of the agent's with gateways of `family`).
std::optional<RouteEntry> describeDetachedGroup(uint32_t group_id, Family family,
                                                const NexthopTable& nexthops, uint8_t protocol);

struct KernelState {
  std::vector<Route> routes;  // sorted by prefix
  RouteEntries entries;       // one per route, plus detached groups kept from `previous`
  std::set<uint32_t> ids;     // every nexthop-object ID in the kernel, of any protocol
};

// Full adoption: the agent's routes and bookkeeping from a complete dump. Entries of `previous` whose route
// is gone but whose group still exists, unused, stay as kDetached so the group is reused.
KernelState adoptKernelState(const OwnRoutes& own_routes, const NexthopTable& nexthops, uint8_t protocol,
                             const RouteEntries& previous);

// Objects of `protocol` that no route in `own_routes` uses, directly or through a group, and that are not
// members of another protocol's group: groups first, then the rest, each in ID order.
std::vector<uint32_t> findOrphans(const OwnRoutes& own_routes, const NexthopTable& nexthops,
                                  uint8_t protocol);

}  // namespace anycastd
