#include "agent/core/slow_start.h"

#include <algorithm>
#include <cmath>

namespace anycastd {

void SlowStart::begin(const IpAddress& server, TimePoint now) {
  if (duration_.count() > 0) began_[server] = now;
}

void SlowStart::cancel(const IpAddress& server) {
  began_.erase(server);
}

double SlowStart::share(const IpAddress& server, TimePoint now) const {
  auto it = began_.find(server);
  if (it == began_.end() || duration_.count() <= 0) return 1.0;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second);
  if (elapsed >= duration_) return 1.0;
  const auto step = std::max<int64_t>(1, elapsed.count() * kSlowStartSteps / duration_.count());
  return static_cast<double>(step) / kSlowStartSteps;
}

std::vector<NextHop> SlowStart::weigh(std::vector<NextHop> nexthops, TimePoint now) const {
  if (nexthops.size() < 2) return nexthops;
  bool ramping = false;
  uint32_t largest = 1;
  for (const NextHop& nh : nexthops) {
    ramping = ramping || share(nh.gateway, now) < 1.0;
    largest = std::max(largest, nh.weight);
  }
  if (!ramping) return nexthops;
  const uint32_t scale = std::clamp<uint32_t>(256 / largest, 1, kSlowStartSteps);
  for (NextHop& nh : nexthops) {
    const double weight = static_cast<double>(nh.weight * scale) * share(nh.gateway, now);
    nh.weight = std::clamp<uint32_t>(static_cast<uint32_t>(std::lround(weight)), 1, 256);
  }
  return nexthops;
}

std::optional<SlowStart::TimePoint> SlowStart::nextStep(TimePoint now) const {
  std::optional<TimePoint> next;
  for (const auto& [server, began] : began_) {
    if (share(server, now) >= 1.0) continue;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - began).count();
    // The share changes at k * duration / steps for k = 2..steps (it is 1/steps from 0 to 2/steps).
    const int64_t k = std::max<int64_t>(2, elapsed * kSlowStartSteps / duration_.count() + 1);
    // Rounded up to the millisecond, so that share() has moved on when the step's timer fires.
    const auto at =
        began + std::chrono::milliseconds((k * duration_.count() + kSlowStartSteps - 1) / kSlowStartSteps);
    if (!next || at < *next) next = at;
  }
  return next;
}

}  // namespace anycastd
