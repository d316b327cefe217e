// Agent: the I/O shell around the pure core. For each VIP it runs one Prober per server, feeds results to
// the server's HealthStateMachine, turns the health of a VIP's servers into a decision (vip_decision.h) and
// keeps the dataplane in line through the Reconciler, retrying with exponential backoff until the desired
// state holds. Owns the probers, timers and runtime state; borrows the event loop and the dataplane.
// Event-loop thread only. Logs one line per state change.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "agent/config.h"
#include "agent/dataplane.h"
#include "agent/event_loop.h"
#include "agent/health_state.h"
#include "agent/prober.h"
#include "agent/reconciler.h"
#include "agent/vip_decision.h"

namespace anycastd {

class Agent {
 public:
  Agent(EventLoop& loop, AgentConfig config, Dataplane& dataplane);
  ~Agent();

  // Adopts what the dataplane holds (servers found in an adopted route start up), removes routes of the
  // agent's that the config no longer has, and starts probing. Fails only if the dataplane cannot be read.
  Status start();

  // Withdraws every VIP (removes the agent's routes and objects). Returns false if anything remained.
  bool withdrawAll();

  // True once the dataplane holds exactly the desired routes.
  bool converged() const { return reconciler_.converged(); }

 private:
  struct Server {
    Server(const ServerConfig& c, HealthStateMachine h) : config(c), health(h) {}
    const ServerConfig& config;
    HealthStateMachine health;
    std::unique_ptr<Prober> prober;
    uint32_t results = 0;  // probe results so far (counted up to the VIP's rise)
  };
  struct Vip {
    const VipConfig* config;
    std::vector<Server> servers;
    VipDecision decision;
  };

  void onProbeResult(Vip& vip, Server& server, const ProbeResult& result);
  void decide(Vip& vip);
  void reconcile();
  void scheduleRetry();
  void onExternalChange(const char* why);
  void reportInitialRoutesIfComplete();
  void logApplied(const RouteOp& op);
  const Vip* vipFor(const IpPrefix& prefix) const;

  EventLoop& loop_;
  const AgentConfig config_;
  Dataplane& dataplane_;
  Reconciler reconciler_;
  std::vector<Vip> vips_;
  Timer retry_timer_;
  std::chrono::steady_clock::time_point retry_at_;  // when retry_timer_ fires, while armed
  std::chrono::milliseconds backoff_;
  std::unique_ptr<ReadWatch> dataplane_events_;
  bool initial_routes_reported_ = false;
};

}  // namespace anycastd
