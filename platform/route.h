// The dataplane-neutral description of a VIP route: a prefix and its weighted ECMP next hops. The VIP
// decision produces these, the reconciler diffs them and the dataplanes (kernel and zebra mode) program them.
// Pure value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/ip_address.h"

namespace anycastd {

struct NextHop {
  IpAddress gateway;
  uint32_t weight = 1;  // 1..256
  auto operator<=>(const NextHop&) const = default;
};

struct Route {
  IpPrefix prefix;
  std::vector<NextHop> nexthops;  // sorted by gateway, no duplicates, never empty
  uint32_t tag = 0;               // route tag (zebra mode); 0: none
  auto operator<=>(const Route&) const = default;
};

std::string describe(const std::vector<NextHop>& nexthops);  // "192.0.2.2 192.0.2.6*2"

}  // namespace anycastd
