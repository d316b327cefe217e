// VIP decision: from a VIP's config and its servers' health, whether the VIP is to be announced and with
// which next hops. Pure. The agent applies the result through the reconciler and the dataplane.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/health_state.h"
#include "agent/route.h"

namespace anycastd {

struct VipDecision {
  bool announce = false;
  bool drained = false;  // the operator drained the VIP
  uint32_t healthy = 0;
  uint32_t total = 0;
  std::optional<Route> route;   // set iff announce
  std::string summary() const;  // "2/3 servers healthy (min 1)"
  uint32_t min_healthy = 0;
};

// `states[i]` is the health of `vip.servers[i]`; `drained[i]` (if given) takes that server out whatever
// its health; a drained VIP is never announced. Drained servers do not count as healthy.
VipDecision decideVip(const VipConfig& vip, const std::vector<HealthState>& states,
                      const std::vector<bool>& drained = {}, bool vip_drained = false);

}  // namespace anycastd
