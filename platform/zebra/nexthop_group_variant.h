// Nexthop-group variants: the same next hops with every weight multiplied by one factor, so forwarding is
// unchanged (the ratios stay) but zebra takes them for a nexthop group it has not seen. zebra 8.4 keeps a
// group it no longer uses for `zebra nexthop-group keep` seconds (default 180) and hands it to a route with
// the same next hops; a group kept across a server's link flap still carries that server's next hop as
// inactive, so the route zebra answers INSTALLED for lacks the server in the kernel. Sending a variant makes
// zebra build (and install) a fresh group. Pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "platform/route.h"

namespace anycastd {

// The largest weight zebra carries to the kernel (FRR's nexthop weight is a uint8_t).
constexpr uint32_t kZebraMaxWeight = 255;

// `nexthops` with every weight multiplied by `scale` (1: unchanged).
std::vector<NextHop> scaleWeights(std::vector<NextHop> nexthops, uint32_t scale);

// A factor other than `current` that keeps every weight of `nexthops` within kZebraMaxWeight, chosen by
// `random` (any value; the caller draws it) among all such factors: zebra may still keep groups of factors
// sent before (by this run or an earlier one), so the next one is a draw, not a count. 1 when `nexthops`
// cannot be scaled (its largest weight is over half of kZebraMaxWeight) or only 1 is left.
uint32_t pickWeightScale(const std::vector<NextHop>& nexthops, uint32_t current, uint32_t random);

}  // namespace anycastd
