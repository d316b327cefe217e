#include "platform/kernel_view.h"

#include <linux/rtnetlink.h>

#include <algorithm>

namespace anycastd {
namespace {

std::vector<NextHop> asNexthops(std::vector<RouteMember> members) {
  std::sort(members.begin(), members.end());
  RouteEntry e;
  e.members = std::move(members);
  return e.nexthops();
}

// A route via nexthop object `nhid` (which exists in `nexthops`).
RouteView describeNexthopRoute(const IpPrefix& prefix, const nl::NexthopMessage& nh,
                               const NexthopTable& nexthops, uint8_t protocol) {
  RouteView v;
  v.route.prefix = prefix;
  v.entry.form = RouteForm::kOther;
  if (!nh.isGroup()) {
    if (nh.gateway) v.route.nexthops.push_back({*nh.gateway, 1});
    if (nh.protocol == protocol) v.entry.owned.push_back(nh.id);
    return v;
  }
  bool well_formed = nh.protocol == protocol;
  std::vector<RouteMember> members;
  std::vector<uint32_t> owned_members;
  std::set<IpAddress> seen;
  for (const nl::GroupMember& gm : nh.group) {
    auto it = nexthops.find(gm.id);
    if (it == nexthops.end()) {
      well_formed = false;
      continue;
    }
    const nl::NexthopMessage& m = it->second;
    if (m.protocol == protocol && !m.isGroup()) owned_members.push_back(gm.id);
    if (!m.gateway) {
      well_formed = false;
      continue;
    }
    members.push_back({*m.gateway, gm.weight, m.oif, gm.id});
    if (m.protocol != protocol || m.isGroup() || m.blackhole || m.gateway->family() != prefix.family() ||
        !seen.insert(*m.gateway).second)
      well_formed = false;
  }
  std::sort(members.begin(), members.end());
  v.route.nexthops = asNexthops(members);
  if (well_formed) {
    v.entry.form = RouteForm::kGroup;
    v.entry.group_id = nh.id;
    // A hash-threshold group has no resilient parameters: they stay zero, as in the planner's settings.
    v.entry.group.type = nh.group_type;
    if (nh.group_type == nl::GroupType::kResilient && nh.resilient) v.entry.group.resilient = *nh.resilient;
    v.entry.members = std::move(members);
  } else {
    if (nh.protocol == protocol) v.entry.owned.push_back(nh.id);
    v.entry.owned.insert(v.entry.owned.end(), owned_members.begin(), owned_members.end());
  }
  return v;
}

}  // namespace

OwnRoutes collectOwnRoutes(const std::vector<nl::RouteMessage>& routes, uint8_t protocol, uint32_t table) {
  OwnRoutes own;
  for (const nl::RouteMessage& r : routes) {
    if (r.protocol != protocol || r.table != table || (r.flags & RTM_F_CLONED)) continue;
    auto [it, inserted] = own.emplace(r.prefix(), r);
    if (inserted) continue;
    nl::RouteMessage& first = it->second;
    if (!first.nhid && !r.nhid && first.priority == r.priority)
      first.hops.insert(first.hops.end(), r.hops.begin(), r.hops.end());
  }
  return own;
}

RouteView describeRoute(const nl::RouteMessage& route, const NexthopTable& nexthops, uint8_t protocol) {
  const IpPrefix prefix = route.prefix();
  if (route.nhid) {
    if (auto it = nexthops.find(route.nhid); it != nexthops.end())
      return describeNexthopRoute(prefix, it->second, nexthops, protocol);
  }
  RouteView v;
  v.route.prefix = prefix;
  v.entry.form = RouteForm::kOther;
  bool well_formed = !route.nhid && route.route_type == RTN_UNICAST && !route.hops.empty();
  std::vector<RouteMember> members;
  std::set<IpAddress> seen;
  for (const nl::RouteHop& hop : route.hops) {
    if (!hop.gateway) {
      well_formed = false;
      continue;
    }
    members.push_back({*hop.gateway, hop.weight, hop.oif, 0});
    if (hop.gateway->family() != prefix.family() || !seen.insert(*hop.gateway).second) well_formed = false;
  }
  std::sort(members.begin(), members.end());
  v.route.nexthops = asNexthops(members);
  if (well_formed) {
    v.entry.form = RouteForm::kMultipath;
    v.entry.members = std::move(members);
  }
  return v;
}

std::optional<RouteEntry> describeDetachedGroup(uint32_t group_id, Family family,
                                                const NexthopTable& nexthops, uint8_t protocol) {
  auto it = nexthops.find(group_id);
  if (it == nexthops.end()) return std::nullopt;
  const uint8_t zero[16] = {};
  RouteView v =
      describeNexthopRoute(IpPrefix(IpAddress::fromBytes(family, zero), 0), it->second, nexthops, protocol);
  if (v.entry.form != RouteForm::kGroup) return std::nullopt;
  v.entry.form = RouteForm::kDetached;
  return v.entry;
}

KernelState adoptKernelState(const OwnRoutes& own_routes, const NexthopTable& nexthops, uint8_t protocol,
                             const RouteEntries& previous) {
  KernelState s;
  for (const auto& [id, nh] : nexthops) s.ids.insert(id);
  std::set<uint32_t> used;
  for (const auto& [prefix, rt] : own_routes) {
    RouteView v = describeRoute(rt, nexthops, protocol);
    s.routes.push_back(v.route);
    used.merge(v.entry.objectIds());
    if (rt.nhid) used.insert(rt.nhid);
    s.entries[prefix] = std::move(v.entry);
  }
  for (const auto& [prefix, prev] : previous) {
    if (s.entries.count(prefix) || !prev.group_id || used.count(prev.group_id)) continue;
    if (prev.form != RouteForm::kGroup && prev.form != RouteForm::kDetached) continue;
    auto detached = describeDetachedGroup(prev.group_id, prefix.family(), nexthops, protocol);
    if (!detached) continue;
    std::set<uint32_t> ids = detached->objectIds();
    if (std::any_of(ids.begin(), ids.end(), [&](uint32_t id) { return used.count(id) != 0; })) continue;
    used.merge(ids);
    s.entries[prefix] = std::move(*detached);
  }
  return s;
}

std::vector<uint32_t> findOrphans(const OwnRoutes& own_routes, const NexthopTable& nexthops,
                                  uint8_t protocol) {
  std::set<uint32_t> keep;
  auto keepGroupMembers = [&](const nl::NexthopMessage& nh) {
    for (const nl::GroupMember& m : nh.group) keep.insert(m.id);
  };
  for (const auto& [prefix, rt] : own_routes) {
    if (!rt.nhid) continue;
    keep.insert(rt.nhid);
    if (auto it = nexthops.find(rt.nhid); it != nexthops.end()) keepGroupMembers(it->second);
  }
  for (const auto& [id, nh] : nexthops)
    if (nh.isGroup() && nh.protocol != protocol) keepGroupMembers(nh);
  std::vector<uint32_t> groups, singles;
  for (const auto& [id, nh] : nexthops)
    if (nh.protocol == protocol && !keep.count(id)) (nh.isGroup() ? groups : singles).push_back(id);
  groups.insert(groups.end(), singles.begin(), singles.end());
  return groups;
}

}  // namespace anycastd
