// The event loop's timers count from the moment they are armed, even after a long callback in the same turn
// of the loop (libevent's cached time would otherwise make them fire early: a probe's deadline shortened
// by a slow /metrics render).
#include "lib/event_loop.h"

#include <CppUTest/TestHarness.h>
#include <unistd.h>

#include <chrono>

#include "tests/unit/loop_pump.h"

using namespace anycastd;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST_GROUP(EventLoop){};

TEST(EventLoop, TimerArmedLateInALongTurnIsNotShortened) {
  EventLoop loop;
  Clock::time_point armed_at, fired_at;
  bool fired = false;
  Timer later(loop, [&] {
    fired_at = Clock::now();
    fired = true;
  });
  Timer busy(loop, [&] {
    usleep(200 * 1000);  // a long callback
    armed_at = Clock::now();
    later.arm(milliseconds(100));
  });
  busy.arm(milliseconds(0));
  CHECK_TRUE(test::pumpUntil(
      loop, [&] { return fired; }, std::chrono::seconds(10)));
  const auto waited = std::chrono::duration_cast<milliseconds>(fired_at - armed_at).count();
  CHECK_TEXT(waited >= 99, ("fired " + std::to_string(waited) + " ms after being armed").c_str());
}
