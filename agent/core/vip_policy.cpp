#include "agent/core/vip_policy.h"

namespace anycastd {

VipVerdict VipPolicy::decide(const VipConfig& config, const std::vector<HealthState>& states,
                             const std::vector<bool>& drained, bool vip_drained, TimePoint now) {
  VipVerdict v;
  v.decision = decideVip(config, states, drained, vip_drained);
  if (v.decision.available != available_) {
    available_ = v.decision.available;
    dampening_.onTransition(available_, now);
  }
  const bool suppressed = dampening_.suppressed(now);
  v.penalty = dampening_.penalty(now);
  if (suppressed && !suppressed_)
    v.suppression = SuppressionChange::kBegan;
  else if (!suppressed && suppressed_)
    v.suppression = SuppressionChange::kEnded;
  suppressed_ = suppressed;
  v.reuse_at = dampening_.reuseAt();
  if (suppressed_) v.decision = decideVip(config, states, drained, vip_drained, true);
  if (v.decision.route) v.decision.route->nexthops = slow_start_.weigh(v.decision.route->nexthops, now);
  v.next_step = slow_start_.nextStep(now);
  return v;
}

}  // namespace anycastd
