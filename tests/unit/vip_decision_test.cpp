// The VIP decision: healthy set, weights, min_healthy.
#include "agent/core/vip_decision.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;

namespace {
VipConfig vip(uint32_t min_healthy) {
  VipConfig v;
  v.name = "web";
  std::string err;
  v.prefix = *IpPrefix::parse("203.0.113.10/32", &err);
  v.min_healthy = min_healthy;
  v.servers = {{"s1", *IpAddress::parse("192.0.2.6"), 2, {}},
               {"s2", *IpAddress::parse("192.0.2.2"), 1, {}},
               {"s3", *IpAddress::parse("192.0.2.10"), 1, {}}};
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

TEST(VipDecision, MinHealthyPercentRoundsUp) {
  VipConfig v = vip(1);
  v.min_healthy_percent = 50;  // of 3 servers: 1.5 -> 2
  LONGS_EQUAL(2, effectiveMinHealthy(v));
  CHECK_FALSE(decideVip(v, {kDown, kUp, kDown}).announce);
  VipDecision d = decideVip(v, {kUp, kUp, kDown});
  CHECK_TRUE(d.announce);
  STRCMP_EQUAL("2/3 servers healthy (min 2)", d.summary().c_str());
  v.min_healthy_percent = 34;  // 1.02 -> 2
  LONGS_EQUAL(2, effectiveMinHealthy(v));
  v.min_healthy_percent = 33;  // 0.99 -> 1
  LONGS_EQUAL(1, effectiveMinHealthy(v));
  v.min_healthy_percent = 1;  // never below 1
  LONGS_EQUAL(1, effectiveMinHealthy(v));
  v.min_healthy_percent = 100;
  LONGS_EQUAL(3, effectiveMinHealthy(v));
  CHECK_FALSE(decideVip(v, {kUp, kUp, kDown}).announce);
}

TEST(VipDecision, MinHealthyPercentCountsDrainedServersInTheTotal) {
  VipConfig v = vip(1);
  v.min_healthy_percent = 60;  // 1.8 -> 2 of 3, drained or not
  CHECK_FALSE(decideVip(v, {kUp, kUp, kUp}, {true, true, false}).announce);
  CHECK_TRUE(decideVip(v, {kUp, kUp, kUp}, {true, false, false}).announce);
}

TEST(VipDecision, SuppressedVipStaysWithdrawnButAvailable) {
  VipDecision d = decideVip(vip(1), {kUp, kUp, kUp}, {}, false, true);
  CHECK_FALSE(d.announce);
  CHECK_FALSE(d.route.has_value());
  CHECK_TRUE(d.available);
  CHECK_TRUE(d.suppressed);
  STRCMP_EQUAL("suppressed (flapping), 3/3 servers healthy (min 1)", d.summary().c_str());
  VipDecision down = decideVip(vip(1), {kDown, kDown, kDown}, {}, false, true);
  CHECK_FALSE(down.available);
  CHECK_FALSE(down.suppressed);
}

TEST(VipDecision, DrainedVipIsStillAvailable) {
  VipDecision d = decideVip(vip(1), {kUp, kUp, kUp}, {}, true);
  CHECK_FALSE(d.announce);
  CHECK_TRUE(d.available);
}

TEST(VipDecision, DegradedBelowThresholdCarriesTheDegradedTag) {
  VipConfig v = vip(1);
  v.route_tag = 100;
  v.degraded_below = 3;
  v.degraded_tag = 65020;
  VipDecision full = decideVip(v, {kUp, kUp, kUp});
  CHECK_FALSE(full.degraded);
  LONGS_EQUAL(100, full.route->tag);
  VipDecision two = decideVip(v, {kUp, kDown, kUp});
  CHECK_TRUE(two.degraded);
  CHECK_TRUE(two.announce);
  LONGS_EQUAL(65020, two.route->tag);
  STRCMP_EQUAL("2/3 servers healthy (min 1), degraded", two.summary().c_str());
  v.degraded_tag = 0;  // no degraded tag: the route keeps route_tag
  LONGS_EQUAL(100, decideVip(v, {kUp, kDown, kUp}).route->tag);
  CHECK_FALSE(decideVip(v, {kDown, kDown, kDown}).degraded);  // withdrawn is not degraded
}
