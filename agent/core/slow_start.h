// SlowStart: the weight ramp of a VIP's recovered servers (VipConfig::slow_start_s). A server that comes back
// up takes its share of the traffic gradually: at time t after it came up it gets
// f(t) = t / slow_start_s of its configured weight, rounded down to a multiple of 1/kSlowStartSteps and at
// least 1/kSlowStartSteps, until f reaches 1 at slow_start_s. Weights are integers (the kernel's are
// 1..256), so while a server of the route ramps every weight is multiplied by
// S = min(kSlowStartSteps, 256 / largest weight): the others keep their proportions (a resilient group moves
// only the ramping server's buckets) and the ramping one gets max(1, round(weight * S * f)).
//
// Pure arithmetic: the caller passes the time of every call (steady clock), so tests need no clock and no
// sleeping. Owned by the agent, one per VIP; event-loop thread only. No errors; a duration of 0 makes it a
// no-op (nothing ever ramps).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "lib/ip_address.h"
#include "platform/route.h"

namespace anycastd {

constexpr uint32_t kSlowStartSteps = 8;

class SlowStart {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit SlowStart(std::chrono::milliseconds duration = {}) : duration_(duration) {}

  // The server (by its address, the route's next hop) came back up at `now`: its ramp starts.
  void begin(const IpAddress& server, TimePoint now);
  // The server went down or left: no ramp any more.
  void cancel(const IpAddress& server);

  // The share of its configured weight `server` gets at `now`: 1 when it does not ramp (or has finished).
  double share(const IpAddress& server, TimePoint now) const;
  // The route's next hops weighted for `now` (see the header comment); unchanged when none of them ramps or
  // there is only one.
  std::vector<NextHop> weigh(std::vector<NextHop> nexthops, TimePoint now) const;
  // When a share changes next (the next step of a ramp in progress), if ever.
  std::optional<TimePoint> nextStep(TimePoint now) const;

 private:
  std::chrono::milliseconds duration_;
  std::map<IpAddress, TimePoint> began_;  // servers whose ramp started (finished ones answer share 1)
};

}  // namespace anycastd
