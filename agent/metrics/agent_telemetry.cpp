#include "agent/metrics/agent_telemetry.h"

namespace anycastd {

AgentTelemetry::AgentTelemetry(EventLoop& loop, Agent& agent, const std::string& version,
                               const std::string& dataplane, const std::string& listen,
                               std::function<bool()> zebra_connected)
    : agent_(agent), dataplane_(dataplane), zebra_connected_(std::move(zebra_connected)), metrics_(version) {
  agent_.hooks.probe = [this](const std::string& vip, const std::string& server, const ProbeResult& r) {
    if (r.local_error != 0) return metrics_.onProbeLocalError(r.local_error);
    metrics_.onProbe(vip, server, std::chrono::duration<double>(r.duration).count(), r.ok, r.detail);
  };
  agent_.hooks.server_transition = [this](const std::string& vip, const std::string& server, bool) {
    metrics_.onServerTransition(vip, server);
  };
  agent_.hooks.vip_transition = [this](const std::string& vip, VipState) { metrics_.onVipTransition(vip); };
  agent_.hooks.dataplane_error = [this](const char* op) { metrics_.onDataplaneError(dataplane_, op); };
  agent_.hooks.vip_removed = [this](const std::string& vip) { metrics_.removeVip(vip); };
  if (!listen.empty()) server_ = std::make_unique<MetricsServer>(loop, listen, [this] { return render(); });
}

AgentTelemetry::~AgentTelemetry() {
  agent_.hooks = AgentHooks{};
}

std::string AgentTelemetry::render() {
  metrics_.clearChecks();
  for (const VipSnapshot& v : agent_.snapshot()) {
    metrics_.setVip(v.name, v.prefix.str(), v.state == VipState::kAnnounced, v.state == VipState::kDrained,
                    v.healthy, v.total);
    for (const ServerSnapshot& s : v.servers) {
      metrics_.setServer(v.name, s.name, s.health == HealthState::kUp);
      for (const CheckSnapshot& c : s.checks)
        metrics_.setCheck(v.name, s.name, c.label, c.health == HealthState::kUp,
                          c.last_unix_ms ? std::optional<bool>(c.last_ok) : std::nullopt);
    }
  }
  metrics_.setProbes(agent_.probes());
  if (zebra_connected_) metrics_.setZebraConnected(zebra_connected_());
  return metrics_.render();
}

}  // namespace anycastd
