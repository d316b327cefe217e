#include "agent/core/vip_decision.h"

#include <algorithm>

namespace anycastd {

std::string VipDecision::summary() const {
  return std::string(drained ? "drained, " : "") + std::string(suppressed ? "suppressed (flapping), " : "") +
         std::to_string(healthy) + "/" + std::to_string(total) + " servers healthy (min " +
         std::to_string(min_healthy) + ")" + std::string(degraded ? ", degraded" : "");
}

uint32_t effectiveMinHealthy(const VipConfig& vip) {
  if (vip.min_healthy_percent == 0) return vip.min_healthy;
  const uint64_t n = vip.servers.size();
  const uint64_t ceil = (n * vip.min_healthy_percent + 99) / 100;
  return static_cast<uint32_t>(std::max<uint64_t>(1, ceil));
}

VipDecision decideVip(const VipConfig& vip, const std::vector<HealthState>& states,
                      const std::vector<bool>& drained, bool vip_drained, bool suppressed) {
  VipDecision d;
  d.drained = vip_drained;
  d.total = static_cast<uint32_t>(vip.servers.size());
  d.min_healthy = effectiveMinHealthy(vip);
  Route route{vip.prefix, {}, vip.route_tag};
  for (size_t i = 0; i < vip.servers.size() && i < states.size(); ++i) {
    if (states[i] != HealthState::kUp || (i < drained.size() && drained[i])) continue;
    ++d.healthy;
    route.nexthops.push_back({vip.servers[i].address, vip.servers[i].weight});
  }
  std::sort(route.nexthops.begin(), route.nexthops.end());
  d.available = d.healthy > 0 && d.healthy >= d.min_healthy;
  d.suppressed = d.available && suppressed;
  d.announce = d.available && !vip_drained && !suppressed;
  d.degraded = d.announce && d.healthy < vip.degraded_below;
  if (d.degraded && vip.degraded_tag) route.tag = vip.degraded_tag;
  if (d.announce) d.route = std::move(route);
  return d;
}

}  // namespace anycastd
