// Route diff: the reconciler's pure core. Given the routes the agent wants and the routes the dataplane
// holds, the operations that make the second equal to the first, over every prefix or over a given set of
// them (the reconciler keeps the prefixes changed since they last agreed, so that a change costs its own
// prefixes, not the table). Operations on different prefixes are independent; the caller applies them in
// order and keeps failed ones for a retry.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "platform/route.h"

namespace anycastd {

enum class RouteOpKind { kAdd, kReplace, kRemove };
const char* toString(RouteOpKind kind);

struct RouteOp {
  RouteOpKind kind;
  Route route;  // for kRemove only the prefix matters
  auto operator<=>(const RouteOp&) const = default;
};

using RouteMap = std::map<IpPrefix, Route>;

using PrefixSet = std::set<IpPrefix>;

// Removals first (they free kernel objects), then additions and replacements, each in prefix order.
std::vector<RouteOp> diffRoutes(const RouteMap& desired, const RouteMap& programmed);
// The same, restricted to the prefixes in `only` (others are taken to agree).
std::vector<RouteOp> diffRoutes(const RouteMap& desired, const RouteMap& programmed, const PrefixSet& only);
// The prefixes whose route differs between the two (in either, not equal).
PrefixSet differingPrefixes(const RouteMap& desired, const RouteMap& programmed);

}  // namespace anycastd
