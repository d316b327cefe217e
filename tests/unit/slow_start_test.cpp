// SlowStart: a recovered server's share of its weight step by step, the integer weights of the route while it
// ramps (the others keep their proportions), and when the next step is due, with the time passed in.
#include "agent/core/slow_start.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;
using namespace std::chrono_literals;

namespace {

const SlowStart::TimePoint t0 = SlowStart::TimePoint{} + 1000s;
const IpAddress s1 = *IpAddress::parse("192.0.2.2");
const IpAddress s2 = *IpAddress::parse("192.0.2.6");
const IpAddress s3 = *IpAddress::parse("192.0.2.10");

std::string weights(const SlowStart& s, std::vector<NextHop> nexthops, SlowStart::TimePoint now) {
  return describe(s.weigh(std::move(nexthops), now));
}

}  // namespace

TEST_GROUP(SlowStart){};

TEST(SlowStart, ShareGrowsInEighthsAndIsFullAfterTheDuration) {
  SlowStart s(8000ms);
  DOUBLES_EQUAL(1.0, s.share(s1, t0), 0);  // not ramping
  s.begin(s1, t0);
  DOUBLES_EQUAL(1.0 / 8, s.share(s1, t0), 0);
  DOUBLES_EQUAL(1.0 / 8, s.share(s1, t0 + 1999ms), 0);
  DOUBLES_EQUAL(2.0 / 8, s.share(s1, t0 + 2000ms), 0);
  DOUBLES_EQUAL(5.0 / 8, s.share(s1, t0 + 5500ms), 0);
  DOUBLES_EQUAL(7.0 / 8, s.share(s1, t0 + 7999ms), 0);
  DOUBLES_EQUAL(1.0, s.share(s1, t0 + 8000ms), 0);
  DOUBLES_EQUAL(1.0, s.share(s1, t0 + 1h), 0);
  DOUBLES_EQUAL(1.0, s.share(s2, t0), 0);
}

TEST(SlowStart, CancelEndsTheRampAndBeginStartsItOver) {
  SlowStart s(8000ms);
  s.begin(s1, t0);
  s.cancel(s1);
  DOUBLES_EQUAL(1.0, s.share(s1, t0 + 1s), 0);
  s.begin(s1, t0 + 6s);
  DOUBLES_EQUAL(1.0 / 8, s.share(s1, t0 + 6s), 0);
}

TEST(SlowStart, OffWhenTheDurationIsZero) {
  SlowStart s(0ms);
  s.begin(s1, t0);
  DOUBLES_EQUAL(1.0, s.share(s1, t0), 0);
  CHECK_FALSE(s.nextStep(t0).has_value());
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", weights(s, {{s1, 1}, {s2, 1}}, t0).c_str());
}

TEST(SlowStart, TheOthersAreScaledSoTheirProportionsStay) {
  SlowStart s(8000ms);
  s.begin(s3, t0);
  const std::vector<NextHop> route{{s1, 1}, {s2, 1}, {s3, 1}};
  STRCMP_EQUAL("192.0.2.2*8 192.0.2.6*8 192.0.2.10", weights(s, route, t0).c_str());
  STRCMP_EQUAL("192.0.2.2*8 192.0.2.6*8 192.0.2.10*3", weights(s, route, t0 + 3s).c_str());
  STRCMP_EQUAL("192.0.2.2*8 192.0.2.6*8 192.0.2.10*7", weights(s, route, t0 + 7s).c_str());
  // Done: the configured weights again (the same proportions as 8:8:8).
  STRCMP_EQUAL("192.0.2.2 192.0.2.6 192.0.2.10", weights(s, route, t0 + 8s).c_str());
}

TEST(SlowStart, LargeWeightsScaleLessAndTheRampingOneGetsAtLeastOne) {
  SlowStart s(8000ms);
  s.begin(s1, t0);
  // 256 / 100 = 2: the others double, s1 (weight 3) gets round(3 * 2 / 8) = 1.
  STRCMP_EQUAL("192.0.2.2 192.0.2.6*200", weights(s, {{s1, 3}, {s2, 100}}, t0).c_str());
  STRCMP_EQUAL("192.0.2.2*3 192.0.2.6*200", weights(s, {{s1, 3}, {s2, 100}}, t0 + 4s).c_str());
  // 256 / 256 = 1: no room to scale, the ramping server's own weight shrinks.
  STRCMP_EQUAL("192.0.2.2*32 192.0.2.6*256", weights(s, {{s1, 256}, {s2, 256}}, t0).c_str());
  // Weight 4 with the other at 2: scale 8, s1 gets 4 * 8 / 8 = 4, s2 16.
  STRCMP_EQUAL("192.0.2.2*4 192.0.2.6*16", weights(s, {{s1, 4}, {s2, 2}}, t0).c_str());
}

TEST(SlowStart, ASingleNextHopOrNoRampLeavesTheRouteAlone) {
  SlowStart s(8000ms);
  s.begin(s1, t0);
  STRCMP_EQUAL("192.0.2.2*2", weights(s, {{s1, 2}}, t0).c_str());
  STRCMP_EQUAL("192.0.2.6 192.0.2.10*2", weights(s, {{s2, 1}, {s3, 2}}, t0).c_str());
}

TEST(SlowStart, TwoRampsAtOnce) {
  SlowStart s(8000ms);
  s.begin(s1, t0);
  s.begin(s2, t0 + 4s);
  STRCMP_EQUAL("192.0.2.2*4 192.0.2.6 192.0.2.10*8",
               weights(s, {{s1, 1}, {s2, 1}, {s3, 1}}, t0 + 4s).c_str());
}

TEST(SlowStart, NextStepIsTheEarliestChangeOfAnyRamp) {
  SlowStart s(8000ms);
  CHECK_FALSE(s.nextStep(t0).has_value());
  s.begin(s1, t0);
  // 1/8 holds until 2/8 at 2 s, then a step every second until full at 8 s.
  CHECK_TRUE(s.nextStep(t0) == t0 + 2s);
  CHECK_TRUE(s.nextStep(t0 + 1999ms) == t0 + 2s);
  CHECK_TRUE(s.nextStep(t0 + 2s) == t0 + 3s);
  CHECK_TRUE(s.nextStep(t0 + 7500ms) == t0 + 8s);
  CHECK_FALSE(s.nextStep(t0 + 8s).has_value());
  s.begin(s2, t0 + 5500ms);
  CHECK_TRUE(s.nextStep(t0 + 5500ms) == t0 + 6s);
  CHECK_TRUE(s.nextStep(t0 + 7600ms) == t0 + 8s);  // s1's last step (s2's next is at 8.5 s)
  CHECK_TRUE(s.nextStep(t0 + 8s) == t0 + 8500ms);  // s1 done
}

TEST(SlowStart, StepsRoundUpToTheMillisecond) {
  SlowStart s(1001ms);
  s.begin(s1, t0);
  const auto at = *s.nextStep(t0);
  CHECK_TRUE(at == t0 + 251ms);
  DOUBLES_EQUAL(2.0 / 8, s.share(s1, at), 0);
}
