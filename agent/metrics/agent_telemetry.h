// AgentTelemetry: connects the agent to its Prometheus metrics. It owns the AgentMetrics families and, when
// `metrics.listen` is configured, the MetricsServer; it sets the agent's hooks (probe results, transitions,
// dataplane errors, removed VIPs) and refreshes the state gauges (announced, drained, healthy, server up)
// from the agent's snapshot on every scrape, so they cannot drift. Event-loop thread only. The constructor
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

class AgentTelemetry {
 public:
  // `zebra_connected`: null in kernel mode.
  AgentTelemetry(EventLoop& loop, Agent& agent, const std::string& version, const std::string& dataplane,
                 const std::string& listen, std::function<bool()> zebra_connected);
  ~AgentTelemetry();

  std::string render();

 private:
  Agent& agent_;
  const std::string dataplane_;
  std::function<bool()> zebra_connected_;
  AgentMetrics metrics_;
  std::unique_ptr<MetricsServer> server_;
};

}  // namespace anycastd
