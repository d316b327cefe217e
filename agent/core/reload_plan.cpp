#include "agent/core/reload_plan.h"

#include <algorithm>
#include <set>

namespace anycastd {

ReloadPlan planReload(const std::vector<VipConfig>& running, const std::vector<VipConfig>& next) {
  ReloadPlan plan;
  std::vector<bool> taken(running.size(), false);
  std::vector<IpPrefix> dropped;  // prefixes no longer announced under their old VIP
  for (size_t n = 0; n < next.size(); ++n) {
    const VipConfig& vc = next[n];
    VipReloadPlan vp;
    vp.next = n;
    for (size_t o = 0; o < running.size() && !vp.old; ++o)
      if (!taken[o] && running[o].name == vc.name) vp.old = o;
    if (!vp.old) {
      vp.change = VipChange::kAdded;
      plan.vips.push_back(std::move(vp));
      continue;
    }
    taken[*vp.old] = true;
    const VipConfig& was = running[*vp.old];
    if (was == vc) {
      vp.change = VipChange::kUnchanged;
      plan.vips.push_back(std::move(vp));
      continue;
    }
    vp.change = VipChange::kChanged;
    if (was.prefix != vc.prefix) dropped.push_back(was.prefix);
    vp.dampening_changed = was.dampening != vc.dampening;
    vp.slow_start_changed = was.slow_start_s != vc.slow_start_s;
    std::vector<bool> server_taken(was.servers.size(), false);
    for (const ServerConfig& sc : vc.servers) {
      std::optional<size_t> kept;
      for (size_t s = 0; s < was.servers.size() && !kept; ++s)
        if (!server_taken[s] && was.servers[s].name == sc.name && was.servers[s].address == sc.address)
          kept = s;
      if (kept) server_taken[*kept] = true;
      vp.kept_servers.push_back(kept);
    }
    plan.vips.push_back(std::move(vp));
  }
  for (size_t o = 0; o < running.size(); ++o) {
    if (taken[o]) continue;
    plan.removed.push_back(o);
    dropped.push_back(running[o].prefix);
  }
  std::set<IpPrefix> kept_prefixes;
  for (const VipConfig& vc : next) kept_prefixes.insert(vc.prefix);
  for (const IpPrefix& prefix : dropped)
    if (!kept_prefixes.count(prefix)) plan.withdraw.push_back(prefix);
  return plan;
}

}  // namespace anycastd
