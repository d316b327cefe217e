// pumpUntil(): runs an EventLoop one iteration at a time until a condition holds, for tests that drive
// sockets through the loop. A deadline turns a hang into a failed check instead of a wait: tests synchronise
// on state, never on time.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>

#include "lib/event_loop.h"

namespace anycastd::test {

// True once `done` holds; false if it did not within `deadline`.
inline bool pumpUntil(EventLoop& loop, const std::function<bool()>& done,
                      std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  bool expired = false;
  Timer timer(loop, [&] { expired = true; });
  timer.arm(deadline);
  while (!done() && !expired) event_base_loop(loop.base(), EVLOOP_ONCE);
  return done();
}

}  // namespace anycastd::test
