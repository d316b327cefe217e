// FakeClock: a Clock (lib/clock.h) that stands still until the test moves it. Both readings (steady and
// wall) move together. Single-threaded; never throws.
#pragma once

#include <chrono>
#include <cstdint>

#include "lib/clock.h"

namespace anycastd::test {

class FakeClock : public Clock {
 public:
  // 2026-01-01T00:00:00Z on the wall clock; an arbitrary steady start far from the epoch.
  TimePoint now() const override { return now_; }
  int64_t unixMs() const override { return unix_ms_; }
  void advance(std::chrono::milliseconds by) {
    now_ += by;
    unix_ms_ += by.count();
  }

 private:
  TimePoint now_ = TimePoint(std::chrono::hours(1000));
  int64_t unix_ms_ = 1767225600000;
};

}  // namespace anycastd::test
