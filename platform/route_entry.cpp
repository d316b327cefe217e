#include "platform/route_entry.h"

namespace anycastd {

const char* toString(RouteForm form) {
  switch (form) {
    case RouteForm::kAbsent: return "absent";
    case RouteForm::kGroup: return "group";
    case RouteForm::kDetached: return "detached group";
    case RouteForm::kMultipath: return "multipath";
    case RouteForm::kOther: return "other";
  }
  return "?";
}

std::vector<NextHop> RouteEntry::nexthops() const {
  std::vector<NextHop> out;
  out.reserve(members.size());
  for (const RouteMember& m : members) out.push_back({m.gateway, m.weight});
  return out;
}

std::set<uint32_t> RouteEntry::objectIds() const {
  std::set<uint32_t> ids(owned.begin(), owned.end());
  if (group_id) ids.insert(group_id);
  for (const RouteMember& m : members)
    if (m.id) ids.insert(m.id);
  return ids;
}

std::set<uint32_t> idsHeldByOthers(const RouteEntries& entries, const IpPrefix& prefix) {
  std::set<uint32_t> ids;
  for (const auto& [p, e] : entries)
    if (p != prefix) ids.merge(e.objectIds());
  return ids;
}

std::set<uint32_t> linksOf(const RouteEntries& entries) {
  std::set<uint32_t> links;
  for (const auto& [p, e] : entries)
    for (const RouteMember& m : e.members)
      if (m.oif) links.insert(m.oif);
  return links;
}

std::map<IpAddress, uint32_t> gatewaysOf(const RouteEntries& entries) {
  std::map<IpAddress, uint32_t> gateways;
  for (const auto& [p, e] : entries) {
    if (!e.hasRoute()) continue;
    for (const RouteMember& m : e.members) {
      uint32_t& oif = gateways[m.gateway];
      if (!oif) oif = m.oif;
    }
  }
  return gateways;
}

}  // namespace anycastd
