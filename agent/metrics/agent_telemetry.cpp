#include "agent/metrics/agent_telemetry.h"

namespace anycastd {

AgentTelemetry::AgentTelemetry(EventLoop& loop, Agent& agent, const std::string& version,
                               const std::string& dataplane, const std::string& listen,
                               std::function<bool()> zebra_connected, std::function<size_t()> zebra_copies)
    : agent_(agent),
      dataplane_(dataplane),
      zebra_connected_(std::move(zebra_connected)),
      zebra_copies_(std::move(zebra_copies)),
      metrics_(version) {
  if (!listen.empty()) server_ = std::make_unique<MetricsServer>(loop, listen, [this] { return render(); });
  agent_.addObserver(*this);
}

AgentTelemetry::~AgentTelemetry() {
  agent_.removeObserver(*this);
}

void AgentTelemetry::probeResult(const std::string& vip, const std::string& server, const ProbeResult& r) {
  if (r.local_error != 0) return metrics_.onProbeLocalError(r.local_error);
  metrics_.onProbe(vip, server, std::chrono::duration<double>(r.duration).count(), r.ok, r.detail);
}

void AgentTelemetry::serverTransition(const std::string& vip, const std::string& server, bool) {
  metrics_.onServerTransition(vip, server);
}

void AgentTelemetry::vipTransition(const std::string& vip, VipState) {
  metrics_.onVipTransition(vip);
}

void AgentTelemetry::dataplaneError(const char* op) {
  metrics_.onDataplaneError(dataplane_, op);
}

void AgentTelemetry::vipRemoved(const std::string& vip) {
  metrics_.removeVip(vip);
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
  if (zebra_copies_) metrics_.setZebraNexthopCopies(zebra_copies_());
  return metrics_.render();
}

}  // namespace anycastd
