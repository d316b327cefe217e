#include "agent/vip_decision.h"

#include <algorithm>

namespace anycastd {

std::string VipDecision::summary() const {
  return std::string(drained ? "drained, " : "") + std::to_string(healthy) + "/" + std::to_string(total) + " servers healthy (min " +
         std::to_string(min_healthy) + ")";
}

VipDecision decideVip(const VipConfig& vip, const std::vector<HealthState>& states,
                      const std::vector<bool>& drained, bool vip_drained) {
  VipDecision d;
  d.drained = vip_drained;
  d.total = static_cast<uint32_t>(vip.servers.size());
  d.min_healthy = vip.min_healthy;
  Route route{vip.prefix, {}, vip.route_tag};
  for (size_t i = 0; i < vip.servers.size() && i < states.size(); ++i) {
    if (states[i] != HealthState::kUp || (i < drained.size() && drained[i])) continue;
    ++d.healthy;
    route.nexthops.push_back({vip.servers[i].address, vip.servers[i].weight});
  }
  std::sort(route.nexthops.begin(), route.nexthops.end());
  d.announce = !vip_drained && d.healthy > 0 && d.healthy >= vip.min_healthy;
  if (d.announce) d.route = std::move(route);
  return d;
}

}  // namespace anycastd
