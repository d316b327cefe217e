// Reload plan: what a reload changes, VIP by VIP (by name), computed from the running and the new config
// alone. Pure; the agent applies it (Agent::reload). A VIP is added (its name is new), removed (its name is
// gone), unchanged (same config) or changed; a changed VIP keeps the health of each server whose name and
// address stay. The prefixes to withdraw are those of removed VIPs and the old prefixes of changed VIPs,
// unless a VIP of the new config has them (a VIP renamed, two VIPs' prefixes swapped): withdrawing those
// would erase the route of the VIP that took the prefix.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "agent/config/config.h"
#include "lib/ip_address.h"

namespace anycastd {

enum class VipChange { kAdded, kChanged, kUnchanged };

struct VipReloadPlan {
  VipChange change = VipChange::kAdded;
  size_t next = 0;            // index in the new config
  std::optional<size_t> old;  // index in the running config (changed, unchanged)
  // Changed only, one per server of the new config: the index of the running server it continues (same
  // name and address: it keeps its health), or none (a new server, down until proven).
  std::vector<std::optional<size_t>> kept_servers;
  bool dampening_changed = false;   // changed only: starts dampening over
  bool slow_start_changed = false;  // changed only: drops the ramps in progress
};

struct ReloadPlan {
  std::vector<VipReloadPlan> vips;  // in the new config's order
  std::vector<size_t> removed;      // indices in the running config, in its order
  std::vector<IpPrefix> withdraw;   // prefixes no VIP of the new config has any more
};

ReloadPlan planReload(const std::vector<VipConfig>& running, const std::vector<VipConfig>& next);

}  // namespace anycastd
