// Clock: where the agent reads the time, so that tests can set it. `now()` is the steady clock (deadlines,
// dampening, slow start); `unixMs()` is the wall clock in milliseconds since the Unix epoch (the "since"
// fields shown to operators). SystemClock reads the real clocks; tests pass a fake
// (tests/fakes/fake_clock.h). Event-loop timers stay real: a Clock only says what time the agent believes it
// is. Any thread; never throws.
#pragma once

#include <chrono>
#include <cstdint>

#include "lib/wall_clock.h"

namespace anycastd {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual int64_t unixMs() const = 0;
};

class SystemClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  int64_t unixMs() const override { return nowUnixMs(); }
};

}  // namespace anycastd
