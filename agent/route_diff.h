// Route diff: the reconciler's pure core. Given the routes the agent wants and the routes the dataplane
// holds, the operations that make the second equal to the first. Operations on different prefixes are
// independent; the caller applies them in order and keeps failed ones for a retry.
#pragma once

#include <map>
#include <vector>

#include "agent/route.h"

namespace anycastd {

enum class RouteOpKind { kAdd, kReplace, kRemove };
const char* toString(RouteOpKind kind);

struct RouteOp {
  RouteOpKind kind;
  Route route;  // for kRemove only the prefix matters
  auto operator<=>(const RouteOp&) const = default;
};

using RouteMap = std::map<IpPrefix, Route>;

// Removals first (they free kernel objects), then additions and replacements, each in prefix order.
std::vector<RouteOp> diffRoutes(const RouteMap& desired, const RouteMap& programmed);

}  // namespace anycastd
