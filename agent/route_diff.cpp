#include "agent/route_diff.h"

namespace anycastd {

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
    else if (it->second.nexthops != route.nexthops)
      ops.push_back({RouteOpKind::kReplace, route});
  }
  return ops;
}

}  // namespace anycastd
