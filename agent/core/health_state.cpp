#include "agent/core/health_state.h"

namespace anycastd {

const char* toString(HealthState state) {
  return state == HealthState::kUp ? "up" : "down";
}

HealthStateMachine::HealthStateMachine(uint32_t rise, uint32_t fall, HealthState initial)
    : rise_(rise ? rise : 1), fall_(fall ? fall : 1), state_(initial) {}

std::optional<HealthTransition> HealthStateMachine::onResult(const ProbeResult& result) {
  if (result.local_error != 0) return std::nullopt;  // the agent's own trouble says nothing of the server
  if (result.ok) {
    failures_ = 0;
    ++passes_;
    if (state_ == HealthState::kDown && passes_ >= rise_) {
      state_ = HealthState::kUp;
      return HealthTransition{HealthState::kDown, HealthState::kUp,
                              std::to_string(passes_) + (passes_ == 1 ? " success" : " successes")};
    }
    return std::nullopt;
  }
  passes_ = 0;
  ++failures_;
  last_failure_ = result.detail;
  if (state_ == HealthState::kUp && failures_ >= fall_) {
    state_ = HealthState::kDown;
    return HealthTransition{
        HealthState::kUp, HealthState::kDown,
        std::to_string(failures_) + (failures_ == 1 ? " failure" : " failures") + ", last: " + result.detail};
  }
  return std::nullopt;
}

std::optional<HealthTransition> HealthStateMachine::forceDown(const std::string& reason) {
  passes_ = 0;
  last_failure_ = reason;
  if (state_ == HealthState::kDown) return std::nullopt;
  state_ = HealthState::kDown;
  failures_ = 0;
  return HealthTransition{HealthState::kUp, HealthState::kDown, reason};
}

}  // namespace anycastd
