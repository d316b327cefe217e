// One VIP's decision over time: the VIP decision with flap dampening and slow start, and the deadlines at
// which the caller must decide again.
#include "agent/core/vip_policy.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;

namespace {

using TimePoint = std::chrono::steady_clock::time_point;
constexpr auto kUp = HealthState::kUp;
constexpr auto kDown = HealthState::kDown;
const TimePoint kT0 = TimePoint(std::chrono::hours(1000));

VipConfig vip(uint32_t slow_start_s = 0) {
  VipConfig v;
  v.name = "web";
  std::string err;
  v.prefix = *IpPrefix::parse("203.0.113.10/32", &err);
  v.servers = {{"s1", *IpAddress::parse("192.0.2.2"), 1, {}}, {"s2", *IpAddress::parse("192.0.2.6"), 1, {}}};
  v.slow_start_s = slow_start_s;
  return v;  // default dampening: 1000 per withdrawal, suppressed at 3000, reused below 750, half-life 15 s
}

}  // namespace

TEST_GROUP(VipPolicy){};

TEST(VipPolicy, DecidesAsTheVipDecisionWithoutFlaps) {
  VipConfig c = vip();
  VipPolicy p(c);
  VipVerdict v = p.decide(c, {kUp, kDown}, {}, false, kT0);
  CHECK_TRUE(v.decision.announce);
  STRCMP_EQUAL("192.0.2.2", describe(v.decision.route->nexthops).c_str());
  CHECK(v.suppression == SuppressionChange::kNone);
  CHECK_FALSE(v.reuse_at.has_value());
  CHECK_FALSE(v.next_step.has_value());
  v = p.decide(c, {kUp, kUp}, {false, true}, false, kT0);
  STRCMP_EQUAL("192.0.2.2", describe(v.decision.route->nexthops).c_str());  // s2 drained
  v = p.decide(c, {kUp, kUp}, {}, true, kT0);
  CHECK_FALSE(v.decision.announce);  // the VIP drained
  CHECK_TRUE(v.decision.drained);
}

TEST(VipPolicy, FlapsSuppressUntilThePenaltyDecaysBelowReuse) {
  VipConfig c = vip();
  VipPolicy p(c);
  VipVerdict v;
  for (int flap = 0; flap < 3; ++flap) {
    v = p.decide(c, {kUp, kDown}, {}, false, kT0);
    CHECK_TRUE(v.decision.announce);
    v = p.decide(c, {kDown, kDown}, {}, false, kT0);
  }
  CHECK(v.suppression == SuppressionChange::kBegan);
  DOUBLES_EQUAL(3000, v.penalty, 0.01);
  CHECK_TRUE(v.reuse_at.has_value());
  // Available again, but suppressed: withdrawn until reuse_at.
  v = p.decide(c, {kUp, kDown}, {}, false, kT0 + std::chrono::seconds(1));
  CHECK(v.suppression == SuppressionChange::kNone);
  CHECK_TRUE(v.decision.available);
  CHECK_TRUE(v.decision.suppressed);
  CHECK_FALSE(v.decision.announce);
  const TimePoint reuse = *v.reuse_at;
  CHECK_TRUE(reuse > kT0 + std::chrono::seconds(30));  // 3000 -> 750 takes two half-lives
  v = p.decide(c, {kUp, kDown}, {}, false, reuse);
  CHECK(v.suppression == SuppressionChange::kEnded);
  CHECK_TRUE(v.decision.announce);
  CHECK_FALSE(v.reuse_at.has_value());
}

TEST(VipPolicy, ComebackServerRampsUpWithNextStepDeadlines) {
  VipConfig c = vip(8);
  VipPolicy p(c);
  const IpAddress s2 = *IpAddress::parse("192.0.2.6");
  p.serverBack(s2, kT0);
  VipVerdict v = p.decide(c, {kUp, kUp}, {}, false, kT0);
  STRCMP_EQUAL("192.0.2.2*8 192.0.2.6", describe(v.decision.route->nexthops).c_str());
  CHECK_TRUE(v.next_step.has_value());
  CHECK_TRUE(*v.next_step == kT0 + std::chrono::seconds(2));  // the share moves from 1/8 to 2/8 at 2/8
  v = p.decide(c, {kUp, kUp}, {}, false, kT0 + std::chrono::seconds(4));
  STRCMP_EQUAL("192.0.2.2*8 192.0.2.6*4", describe(v.decision.route->nexthops).c_str());
  v = p.decide(c, {kUp, kUp}, {}, false, kT0 + std::chrono::seconds(8));
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", describe(v.decision.route->nexthops).c_str());
  CHECK_FALSE(v.next_step.has_value());
  // Down again: the ramp ends.
  p.serverBack(s2, kT0 + std::chrono::seconds(10));
  p.serverDown(s2);
  v = p.decide(c, {kUp, kUp}, {}, false, kT0 + std::chrono::seconds(10));
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", describe(v.decision.route->nexthops).c_str());
}

TEST(VipPolicy, RestartingDampeningForgetsThePenalty) {
  VipConfig c = vip();
  VipPolicy p(c);
  for (int flap = 0; flap < 2; ++flap) {
    p.decide(c, {kUp, kDown}, {}, false, kT0);
    p.decide(c, {kDown, kDown}, {}, false, kT0);
  }
  DOUBLES_EQUAL(2000, p.dampening().penalty(kT0), 0.01);
  p.restartDampening(c.dampening);
  DOUBLES_EQUAL(0, p.dampening().penalty(kT0), 0.01);
}
