// Agent's snapshot (agent_snapshot.h): what `anycastctl show` and the metrics see of every VIP, server and
// check, read from the agent's state on the event-loop thread. Part of Agent (agent.h), kept apart from its
// behaviour.
#include <algorithm>

#include "agent/agent.h"

namespace anycastd {
namespace {

// The failure to show for a server: the first failing check's, else the first check's; prefixed with the
// check's label when it has several.
std::string lastFailure(const std::vector<CheckSnapshot>& checks) {
  const CheckSnapshot* pick = nullptr;
  for (const CheckSnapshot& c : checks)
    if (!c.last_failure.empty() &&
        (!pick || (c.health == HealthState::kDown && pick->health == HealthState::kUp)))
      pick = &c;
  if (!pick) return "";
  return checks.size() > 1 ? pick->label + ": " + pick->last_failure : pick->last_failure;
}

}  // namespace

std::vector<CheckSnapshot> Agent::checkSnapshots(const Server& server) const {
  std::vector<CheckSnapshot> out;
  for (size_t i = 0; i < server.checks.size(); ++i) {
    const CheckState& st = server.checks[i].state();
    CheckSnapshot c;
    c.label = i < server.check_labels.size() ? server.check_labels[i] : "?";
    c.health = st.health.state();
    c.last_ok = st.last_ok;
    c.last_unix_ms = st.last_unix_ms;
    c.last_failure = st.health.lastFailure();
    c.passes = st.health.consecutivePasses();
    c.failures = st.health.consecutiveFailures();
    c.shared_by = static_cast<uint32_t>(st.subscribers);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<VipSnapshot> Agent::snapshot() const {
  std::vector<VipSnapshot> out;
  const RouteMap& programmed = reconciler_.programmed();
  for (const auto& vip : vips_) {
    VipSnapshot v;
    v.name = vip->config.name;
    v.prefix = vip->config.prefix;
    v.state = vip->state;
    v.healthy = vip->decision.healthy;
    v.total = vip->decision.total;
    v.min_healthy = vip->decision.min_healthy;
    v.degraded = vip->decision.degraded;
    {
      const auto now = clock_.now();
      v.dampening_penalty = static_cast<uint32_t>(vip->policy.dampening().penalty(now) + 0.5);
      if (auto at = vip->policy.dampening().reuseAt())
        v.suppressed_until_unix_ms =
            clock_.unixMs() + std::chrono::ceil<std::chrono::milliseconds>(*at - now).count();
    }
    auto route = programmed.find(vip->config.prefix);
    if (route != programmed.end()) v.nexthops = route->second.nexthops;
    v.since_unix_ms = vip->since_unix_ms;
    v.last_change = vip->last_change;
    v.drain = vip->drain;
    v.transitions = vip->transitions;
    v.dataplane_note = dataplane_.routeNote(vip->config.prefix);
    v.unverified = dataplane_.routeUnverified(vip->config.prefix);
    v.check_mode = vip->config.check_mode;
    for (const auto& s : vip->servers) {
      ServerSnapshot ss;
      ss.name = s->config.name;
      ss.address = s->config.address;
      ss.weight = s->config.weight;
      ss.health = s->health;
      ss.drain = s->drain;
      ss.in_route = std::any_of(v.nexthops.begin(), v.nexthops.end(),
                                [&](const NextHop& nh) { return nh.gateway == s->config.address; });
      ss.since_unix_ms = s->since_unix_ms;
      ss.last_change = s->last_change;
      ss.transitions = s->transitions;
      ss.checks = checkSnapshots(*s);
      ss.last_failure = lastFailure(ss.checks);
      if (ss.health == HealthState::kUp) {
        const double share = vip->policy.slowStart().share(s->config.address, clock_.now());
        if (share < 1.0) ss.slow_start_percent = static_cast<uint32_t>(share * 100);
      }
      v.servers.push_back(std::move(ss));
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace anycastd
