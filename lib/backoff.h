// Backoff: the exponential retry delay with a cap, shared by the agent's reconcile retries and the zebra
// reconnects. A value owned by the one retrying; single-threaded (the event loop); no errors.
#pragma once

#include <algorithm>
#include <chrono>

namespace anycastd {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max)
      : first_(first), max_(max), delay_(first) {}

  // The delay to wait before the next retry.
  std::chrono::milliseconds delay() const { return delay_; }
  // After a failed retry: doubles the delay, up to the cap.
  void grow() { delay_ = std::min(delay_ * 2, max_); }
  // After a success (or news worth acting on at once): starts over from the first delay.
  void reset() { delay_ = first_; }

 private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds delay_;
};

}  // namespace anycastd
