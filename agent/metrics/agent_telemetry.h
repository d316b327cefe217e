// AgentTelemetry: connects the agent to its Prometheus metrics. It owns the AgentMetrics families and, when
// `metrics.listen` is configured, the MetricsServer; it observes the agent (AgentObserver: probe results,
// transitions, dataplane errors, removed VIPs) from construction to destruction and refreshes the state
// gauges (announced, drained, healthy, server up) from the agent's snapshot on every scrape, so they
// cannot drift. Event-loop thread only. The constructor
// throws std::runtime_error when the metrics address cannot be bound (a start-up error).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/metrics_server.h"
#include "lib/event_loop.h"

namespace anycastd {

class AgentTelemetry : private AgentObserver {
 public:
  // `zebra_connected`: null in kernel mode; `zebra_copies`: null in zebra mode.
  AgentTelemetry(EventLoop& loop, Agent& agent, const std::string& version, const std::string& dataplane,
                 const std::string& listen, std::function<bool()> zebra_connected,
                 std::function<size_t()> zebra_copies = {});
  ~AgentTelemetry();

  std::string render();

 private:
  void probeResult(const std::string& vip, const std::string& server, const ProbeResult& result) override;
  void serverTransition(const std::string& vip, const std::string& server, bool up) override;
  void vipTransition(const std::string& vip, VipState state) override;
  void dataplaneError(const char* op) override;
  void vipRemoved(const std::string& vip) override;

  Agent& agent_;
  const std::string dataplane_;
  std::function<bool()> zebra_connected_;
  std::function<size_t()> zebra_copies_;
  AgentMetrics metrics_;
  std::unique_ptr<MetricsServer> server_;
};

}  // namespace anycastd
