#include "agent/core/route_diff.h"

namespace anycastd {

namespace {

// Next hops and tag: what a replace changes.
bool sameRoute(const Route& a, const Route& b) {
  return a.nexthops == b.nexthops && a.tag == b.tag;
}

}  // namespace

const char* toString(RouteOpKind kind) {
  switch (kind) {
    case RouteOpKind::kAdd: return "add";
    case RouteOpKind::kReplace: return "replace";
    case RouteOpKind::kRemove: return "remove";
  }
  return "?";
}

std::vector<RouteOp> diffRoutes(const RouteMap& desired, const RouteMap& programmed) {
  std::vector<RouteOp> ops;
  for (const auto& [prefix, route] : programmed)
    if (!desired.count(prefix)) ops.push_back({RouteOpKind::kRemove, route});
  for (const auto& [prefix, route] : desired) {
    auto it = programmed.find(prefix);
    if (it == programmed.end())
      ops.push_back({RouteOpKind::kAdd, route});
    else if (!sameRoute(it->second, route))
      ops.push_back({RouteOpKind::kReplace, route});
  }
  return ops;
}

std::vector<RouteOp> diffRoutes(const RouteMap& desired, const RouteMap& programmed, const PrefixSet& only) {
  std::vector<RouteOp> ops;
  for (const IpPrefix& prefix : only) {
    auto p = programmed.find(prefix);
    if (p != programmed.end() && !desired.count(prefix)) ops.push_back({RouteOpKind::kRemove, p->second});
  }
  for (const IpPrefix& prefix : only) {
    auto d = desired.find(prefix);
    if (d == desired.end()) continue;
    auto p = programmed.find(prefix);
    if (p == programmed.end())
      ops.push_back({RouteOpKind::kAdd, d->second});
    else if (!sameRoute(p->second, d->second))
      ops.push_back({RouteOpKind::kReplace, d->second});
  }
  return ops;
}

PrefixSet differingPrefixes(const RouteMap& desired, const RouteMap& programmed) {
  PrefixSet out;
  for (const auto& [prefix, route] : programmed) {
    auto d = desired.find(prefix);
    if (d == desired.end() || !sameRoute(d->second, route)) out.insert(prefix);
  }
  for (const auto& [prefix, route] : desired)
    if (!programmed.count(prefix)) out.insert(prefix);
  return out;
}

}  // namespace anycastd
