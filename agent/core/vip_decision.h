// VIP decision: from a VIP's config and its servers' health, whether the VIP is to be announced and with
// which next hops. Pure. The agent applies the result through the reconciler and the dataplane.
//
// The minimum: `min_healthy` servers, or with `min_healthy_percent` that share of the configured servers
// (drained ones included), rounded up and at least 1: 50% of 3 servers is 2, 34% of 3 is 2, 1% of 3 is 1.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/core/health_state.h"
#include "platform/route.h"

namespace anycastd {

struct VipDecision {
  bool announce = false;
  bool drained = false;     // the operator drained the VIP
  bool available = false;   // enough healthy servers (whatever drain and dampening say)
  bool suppressed = false;  // available, but dampening keeps it withdrawn
  bool degraded = false;    // announced with fewer than degraded_below healthy servers
  uint32_t healthy = 0;
  uint32_t total = 0;
  std::optional<Route> route;   // set iff announce
  std::string summary() const;  // "2/3 servers healthy (min 1)"
  uint32_t min_healthy = 0;     // the effective minimum (min_healthy or from min_healthy_percent)
};

// The minimum number of healthy servers for `vip` (see the header comment).
uint32_t effectiveMinHealthy(const VipConfig& vip);

// `states[i]` is the health of `vip.servers[i]`; `drained[i]` (if given) takes that server out whatever
// its health; a drained VIP is never announced, nor is a suppressed one (dampening). Drained servers do not
// count as healthy. While degraded the route carries degraded_tag instead of route_tag (when set).
VipDecision decideVip(const VipConfig& vip, const std::vector<HealthState>& states,
                      const std::vector<bool>& drained = {}, bool vip_drained = false,
                      bool suppressed = false);

}  // namespace anycastd
