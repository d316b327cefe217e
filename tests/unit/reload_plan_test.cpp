// The reload plan: which VIPs a reload adds, removes, changes or leaves alone, which servers of a changed VIP
// keep their health, and which prefixes it withdraws.
#include "agent/core/reload_plan.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;

namespace {

IpPrefix prefix(const char* text) {
  std::string err;
  return *IpPrefix::parse(text, &err);
}

ServerConfig server(const char* name, const char* address) {
  return {name, *IpAddress::parse(address), 1, {}};
}

VipConfig vip(const char* name, const char* p, std::vector<ServerConfig> servers = {}) {
  VipConfig v;
  v.name = name;
  v.prefix = prefix(p);
  CheckConfig c;
  c.port = 80;
  v.checks = {c};
  v.servers = servers.empty()
                  ? std::vector<ServerConfig>{server("s1", "192.0.2.2"), server("s2", "192.0.2.6")}
                  : std::move(servers);
  return v;
}

}  // namespace

TEST_GROUP(ReloadPlan){};

TEST(ReloadPlan, UnchangedConfigChangesNothing) {
  const std::vector<VipConfig> running = {vip("web", "203.0.113.10/32"), vip("dns", "203.0.113.53/32")};
  ReloadPlan plan = planReload(running, running);
  LONGS_EQUAL(2, plan.vips.size());
  for (size_t i = 0; i < 2; ++i) {
    CHECK(plan.vips[i].change == VipChange::kUnchanged);
    LONGS_EQUAL(i, *plan.vips[i].old);
    LONGS_EQUAL(i, plan.vips[i].next);
  }
  CHECK_TRUE(plan.removed.empty());
  CHECK_TRUE(plan.withdraw.empty());
}

TEST(ReloadPlan, AddedAndRemovedByName) {
  ReloadPlan plan = planReload({vip("web", "203.0.113.10/32"), vip("old", "203.0.113.20/32")},
                               {vip("new", "203.0.113.30/32"), vip("web", "203.0.113.10/32")});
  LONGS_EQUAL(2, plan.vips.size());
  CHECK(plan.vips[0].change == VipChange::kAdded);
  CHECK_FALSE(plan.vips[0].old.has_value());
  CHECK(plan.vips[1].change == VipChange::kUnchanged);
  LONGS_EQUAL(0, *plan.vips[1].old);
  LONGS_EQUAL(1, plan.removed.size());
  LONGS_EQUAL(1, plan.removed[0]);
  LONGS_EQUAL(1, plan.withdraw.size());
  CHECK(plan.withdraw[0] == prefix("203.0.113.20/32"));
}

TEST(ReloadPlan, RenameWithTheSamePrefixWithdrawsNothing) {
  ReloadPlan plan = planReload({vip("web", "203.0.113.10/32")}, {vip("www", "203.0.113.10/32")});
  LONGS_EQUAL(1, plan.vips.size());
  CHECK(plan.vips[0].change == VipChange::kAdded);
  LONGS_EQUAL(1, plan.removed.size());
  CHECK_TRUE(plan.withdraw.empty());  // the new VIP's route must not be erased
}

TEST(ReloadPlan, SwappedPrefixesWithdrawNothing) {
  ReloadPlan plan = planReload({vip("a", "203.0.113.10/32"), vip("b", "203.0.113.20/32")},
                               {vip("a", "203.0.113.20/32"), vip("b", "203.0.113.10/32")});
  LONGS_EQUAL(2, plan.vips.size());
  CHECK(plan.vips[0].change == VipChange::kChanged);
  CHECK(plan.vips[1].change == VipChange::kChanged);
  CHECK_TRUE(plan.removed.empty());
  CHECK_TRUE(plan.withdraw.empty());
  // Same servers: each keeps its health.
  LONGS_EQUAL(0, *plan.vips[0].kept_servers[0]);
  LONGS_EQUAL(1, *plan.vips[0].kept_servers[1]);
}

TEST(ReloadPlan, NewPrefixWithdrawsTheOldOne) {
  ReloadPlan plan = planReload({vip("a", "203.0.113.10/32")}, {vip("a", "203.0.113.11/32")});
  CHECK(plan.vips[0].change == VipChange::kChanged);
  LONGS_EQUAL(1, plan.withdraw.size());
  CHECK(plan.withdraw[0] == prefix("203.0.113.10/32"));
}

TEST(ReloadPlan, ServerAddressChangeStartsItOver) {
  ReloadPlan plan =
      planReload({vip("web", "203.0.113.10/32", {server("s1", "192.0.2.2"), server("s2", "192.0.2.6")})},
                 {vip("web", "203.0.113.10/32",
                      {server("s2", "192.0.2.6"), server("s1", "192.0.2.3"), server("s3", "192.0.2.10")})});
  const VipReloadPlan& v = plan.vips[0];
  CHECK(v.change == VipChange::kChanged);
  LONGS_EQUAL(3, v.kept_servers.size());
  LONGS_EQUAL(1, *v.kept_servers[0]);          // s2: same name and address, moved
  CHECK_FALSE(v.kept_servers[1].has_value());  // s1: new address
  CHECK_FALSE(v.kept_servers[2].has_value());  // s3: new
  CHECK_TRUE(plan.withdraw.empty());
}

TEST(ReloadPlan, CheckChangeKeepsTheServers) {
  VipConfig next = vip("web", "203.0.113.10/32");
  next.checks[0].port = 8080;
  ReloadPlan plan = planReload({vip("web", "203.0.113.10/32")}, {next});
  const VipReloadPlan& v = plan.vips[0];
  CHECK(v.change == VipChange::kChanged);
  LONGS_EQUAL(0, *v.kept_servers[0]);
  LONGS_EQUAL(1, *v.kept_servers[1]);
  CHECK_FALSE(v.dampening_changed);
  CHECK_FALSE(v.slow_start_changed);
}

TEST(ReloadPlan, DampeningAndSlowStartChangesAreFlagged) {
  VipConfig next = vip("web", "203.0.113.10/32");
  next.dampening.half_life_s = 30;
  next.slow_start_s = 10;
  ReloadPlan plan = planReload({vip("web", "203.0.113.10/32")}, {next});
  CHECK_TRUE(plan.vips[0].dampening_changed);
  CHECK_TRUE(plan.vips[0].slow_start_changed);
}
