// VipPolicy: one VIP's decision over time. Combines the VIP decision (vip_decision.h) of its servers' health
// and the operator's drains with the VIP's flap dampening (dampening.h) and its servers' slow start
// (slow_start.h), and says when to decide again: when the penalty falls below reuse (reuse_at) and when the
// weights of a ramp change next (next_step). Pure: the caller passes the time of every call (steady clock)
// and arms its own timers; no I/O, no log (the verdict says when suppression begins or ends). Owned by the
// agent, one per VIP; single-threaded; never throws.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "agent/config/config.h"
#include "agent/core/dampening.h"
#include "agent/core/health_state.h"
#include "agent/core/slow_start.h"
#include "agent/core/vip_decision.h"
#include "lib/ip_address.h"

namespace anycastd {

enum class SuppressionChange { kNone, kBegan, kEnded };

struct VipVerdict {
  VipDecision decision;  // withdrawn while suppressed; the route weighed for slow start
  SuppressionChange suppression = SuppressionChange::kNone;
  double penalty = 0;                                              // the dampening penalty now
  std::optional<std::chrono::steady_clock::time_point> reuse_at;   // while suppressed: decide again then
  std::optional<std::chrono::steady_clock::time_point> next_step;  // a ramp in progress: decide again then
};

class VipPolicy {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit VipPolicy(const VipConfig& config = {})
      : dampening_(config.dampening), slow_start_(std::chrono::seconds(config.slow_start_s)) {}

  // `states[i]` and `drained[i]` are those of `config.servers[i]` (as decideVip takes them).
  VipVerdict decide(const VipConfig& config, const std::vector<HealthState>& states,
                    const std::vector<bool>& drained, bool vip_drained, TimePoint now);

  // A server came back after a verdict (its weight ramps up from now) or went down (its ramp ends).
  void serverBack(const IpAddress& server, TimePoint now) { slow_start_.begin(server, now); }
  void serverDown(const IpAddress& server) { slow_start_.cancel(server); }
  // A reload changed the VIP's dampening or slow start section: that part starts over.
  void restartDampening(const DampeningConfig& config) { dampening_ = Dampening(config); }
  void restartSlowStart(uint32_t seconds) { slow_start_ = SlowStart(std::chrono::seconds(seconds)); }

  const Dampening& dampening() const { return dampening_; }
  const SlowStart& slowStart() const { return slow_start_; }

 private:
  Dampening dampening_;
  SlowStart slow_start_;    // weight ramps of recovered servers
  bool available_ = false;  // the last decision had enough healthy servers
  bool suppressed_ = false;
};

}  // namespace anycastd
