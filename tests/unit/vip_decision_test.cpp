// The VIP decision: healthy set, weights, min_healthy.
#include <CppUTest/TestHarness.h>

#include "agent/vip_decision.h"

using namespace anycastd;

namespace {
VipConfig vip(uint32_t min_healthy) {
  VipConfig v;
  v.name = "web";
  std::string err;
  v.prefix = *IpPrefix::parse("203.0.113.10/32", &err);
  v.min_healthy = min_healthy;
  v.servers = {{"s1", *IpAddress::parse("192.0.2.6"), 2}, {"s2", *IpAddress::parse("192.0.2.2"), 1},
               {"s3", *IpAddress::parse("192.0.2.10"), 1}};
  return v;
}
constexpr auto kUp = HealthState::kUp;
constexpr auto kDown = HealthState::kDown;
}  // namespace

TEST_GROUP(VipDecision){};

TEST(VipDecision, AllHealthyAnnouncesSortedWeightedNexthops) {
  VipDecision d = decideVip(vip(1), {kUp, kUp, kUp});
  CHECK_TRUE(d.announce);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6*2 192.0.2.10", describe(d.route->nexthops).c_str());
  STRCMP_EQUAL("3/3 servers healthy (min 1)", d.summary().c_str());
}

TEST(VipDecision, OnlyHealthyServersAreNexthops) {
  VipDecision d = decideVip(vip(1), {kDown, kUp, kDown});
  CHECK_TRUE(d.announce);
  STRCMP_EQUAL("192.0.2.2", describe(d.route->nexthops).c_str());
}

TEST(VipDecision, BelowMinHealthyWithdraws) {
  VipDecision d = decideVip(vip(2), {kDown, kUp, kDown});
  CHECK_FALSE(d.announce);
  CHECK_FALSE(d.route.has_value());
  LONGS_EQUAL(1, d.healthy);
  CHECK_TRUE(decideVip(vip(2), {kUp, kUp, kDown}).announce);
}

TEST(VipDecision, NoneHealthyWithdraws) {
  CHECK_FALSE(decideVip(vip(1), {kDown, kDown, kDown}).announce);
}

TEST(VipDecision, DrainedServerLeavesTheNexthopsAndTheCount) {
  VipDecision d = decideVip(vip(1), {kUp, kUp, kUp}, {false, true, false});
  CHECK_TRUE(d.announce);
  STRCMP_EQUAL("192.0.2.6*2 192.0.2.10", describe(d.route->nexthops).c_str());
  LONGS_EQUAL(2, d.healthy);
}

TEST(VipDecision, DrainingServersCanTakeTheVipBelowMinHealthy) {
  VipDecision d = decideVip(vip(2), {kUp, kUp, kDown}, {true, false, false});
  CHECK_FALSE(d.announce);
  LONGS_EQUAL(1, d.healthy);
}

TEST(VipDecision, DrainedVipIsNeverAnnounced) {
  VipDecision d = decideVip(vip(1), {kUp, kUp, kUp}, {}, true);
  CHECK_FALSE(d.announce);
  CHECK_FALSE(d.route.has_value());
  LONGS_EQUAL(3, d.healthy);
  STRCMP_EQUAL("drained, 3/3 servers healthy (min 1)", d.summary().c_str());
}
