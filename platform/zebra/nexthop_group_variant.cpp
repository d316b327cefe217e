#include "platform/zebra/nexthop_group_variant.h"

#include <algorithm>

namespace anycastd {

std::vector<NextHop> scaleWeights(std::vector<NextHop> nexthops, uint32_t scale) {
  for (NextHop& h : nexthops) h.weight *= scale;
  return nexthops;
}

uint32_t pickWeightScale(const std::vector<NextHop>& nexthops, uint32_t current, uint32_t random) {
  uint32_t heaviest = 1;
  for (const NextHop& h : nexthops) heaviest = std::max(heaviest, h.weight);
  const uint32_t largest = kZebraMaxWeight / heaviest;  // factors 1..largest fit
  if (largest < 2) return 1;
  // Factors 2..largest, without `current`.
  const bool skip = current >= 2 && current <= largest;
  const uint32_t choices = largest - 1 - (skip ? 1 : 0);
  if (choices == 0) return 1;
  uint32_t pick = 2 + random % choices;
  if (skip && pick >= current) ++pick;
  return pick;
}

}  // namespace anycastd
