#include "agent/core/dampening.h"

#include <algorithm>
#include <cmath>

namespace anycastd {

Dampening::Dampening(const DampeningConfig& config) : config_(config) {}

double Dampening::ceiling() const {
  return penaltyCeiling(config_);
}

double Dampening::penalty(TimePoint now) const {
  if (!config_.enabled || penalty_ <= 0 || config_.half_life_s == 0) return 0;
  const double elapsed = std::chrono::duration<double>(now - updated_).count();
  if (elapsed <= 0) return penalty_;
  return penalty_ * std::exp2(-elapsed / config_.half_life_s);
}

void Dampening::onTransition(bool announced, TimePoint now) {
  if (!config_.enabled) return;
  const uint32_t added = announced ? config_.announce_penalty : config_.withdraw_penalty;
  penalty_ = std::min(penalty(now) + added, ceiling());
  updated_ = now;
  if (added > 0 && penalty_ >= config_.suppress) suppressed_ = true;
}

Dampening::TimePoint Dampening::reuseTime() const {
  if (penalty_ < config_.reuse || config_.reuse == 0) return updated_;
  // penalty_ * 2^(-t / half_life) < reuse  <=>  t > half_life * log2(penalty_ / reuse); rounded up to the
  // next millisecond, so that the penalty is below reuse by then.
  const double seconds = config_.half_life_s * std::log2(penalty_ / config_.reuse);
  const auto ms = std::chrono::milliseconds(static_cast<int64_t>(std::floor(seconds * 1000)) + 1);
  return updated_ + ms;
}

bool Dampening::suppressed(TimePoint now) {
  if (!config_.enabled) return false;
  if (suppressed_ && now >= reuseTime()) suppressed_ = false;
  return suppressed_;
}

std::optional<Dampening::TimePoint> Dampening::reuseAt() const {
  if (!config_.enabled || !suppressed_) return std::nullopt;
  return reuseTime();
}

}  // namespace anycastd
