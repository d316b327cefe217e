// KernelDataplane with nexthop objects against the real kernel: resilient group routes, in-place membership
// and weight changes, removal, IPv6, adoption by a second instance, orphans, ID clashes and errors.
#include <CppUTest/TestHarness.h>
#include <linux/rtnetlink.h>

#include <algorithm>

#include "tests/kernel/kernel_fixture.h"

using namespace anycastd;
using namespace kernel_test;

namespace {

bool contains(const std::vector<uint16_t>& types, uint16_t type) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

void checkOk(const Status& s) {
  if (!s.isOk()) FAIL(s.message.c_str());
}

}  // namespace

TEST_GROUP(KernelGroups){void setup() override{cleanKernel();
}
void teardown() override {
  cleanKernel();
}
}
;

TEST(KernelGroups, AutoModeProgramsAResilientGroup) {
  KernelDataplane dp(config());
  CHECK_TRUE(dp.nexthopObjectsSupported());
  STRCMP_EQUAL("resilient group", dp.modeName());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3", "192.0.2.4"})));

  KernelRoute k = kernelRoute("203.0.113.10/32");
  CHECK_TRUE(k.present);
  STRCMP_EQUAL("192.0.2.2 192.0.2.3 192.0.2.4", k.nexthops.c_str());
  STRCMP_CONTAINS("type resilient buckets 128 idle_timer 10 unbalanced_timer 0", k.group_line.c_str());
  STRCMP_CONTAINS("proto 200", k.group_line.c_str());
  CHECK_TRUE(k.nhid >= kIdBase && k.nhid < kIdBase + (1u << 20));
  LONGS_EQUAL(4, nexthopIds().size());  // three members and the group
  STRCMP_CONTAINS("dev va", sh("ip nexthop show id " + std::to_string(groupMembers(k.nhid)[0])).c_str());

  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));
  LONGS_EQUAL(1, routes.size());
  CHECK(routes[0] == route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3", "192.0.2.4"}));
}

TEST(KernelGroups, MembershipChangesInPlace) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3", "192.0.2.4"})));
  const KernelRoute before = kernelRoute("203.0.113.10/32");
  const std::vector<uint32_t> old_members = groupMembers(before.nhid);

  Monitor monitor;
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.4", "192.0.2.5"})));
  const KernelRoute after = kernelRoute("203.0.113.10/32");
  LONGS_EQUAL(before.nhid, after.nhid);  // same group, replaced in place
  STRCMP_EQUAL("192.0.2.2 192.0.2.4 192.0.2.5", after.nexthops.c_str());
  const std::vector<uint16_t> seen = monitor.drain();
  // The route never went away. (The kernel does send RTM_NEWROUTE for it: routes using a replaced group
  // are re-announced with their new next hops.)
  CHECK_FALSE(contains(seen, RTM_DELROUTE));
  CHECK_TRUE(contains(seen, RTM_NEWNEXTHOP));
  CHECK_FALSE(nexthopExists(old_members[1]));  // 192.0.2.3's member was deleted afterwards
  CHECK_TRUE(nexthopExists(old_members[0]));
  LONGS_EQUAL(4, nexthopIds().size());

  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2"})));
  STRCMP_EQUAL("192.0.2.2", kernelRoute("203.0.113.10/32").nexthops.c_str());
  LONGS_EQUAL(before.nhid, kernelRoute("203.0.113.10/32").nhid);
  LONGS_EQUAL(2, nexthopIds().size());
}

TEST(KernelGroups, WeightsAndNoOps) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3*3"})));
  STRCMP_EQUAL("192.0.2.2 192.0.2.3*3", kernelRoute("203.0.113.10/32").nexthops.c_str());
  const uint32_t nhid = kernelRoute("203.0.113.10/32").nhid;

  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2*256", "192.0.2.3"})));
  STRCMP_EQUAL("192.0.2.2*256 192.0.2.3", kernelRoute("203.0.113.10/32").nexthops.c_str());
  LONGS_EQUAL(nhid, kernelRoute("203.0.113.10/32").nhid);

  Monitor monitor;
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2*256", "192.0.2.3"})));
  LONGS_EQUAL(0, monitor.drain().size());  // the same route again changes nothing in the kernel

  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));
  CHECK(routes[0] == route("203.0.113.10/32", {"192.0.2.2*256", "192.0.2.3"}));
}

TEST(KernelGroups, RemoveDeletesRouteGroupAndMembers) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  checkOk(dp.programRoute(route("203.0.113.11/32", {"192.0.2.2"})));
  checkOk(dp.removeRoute(prefix("203.0.113.10/32")));
  CHECK_FALSE(kernelRoute("203.0.113.10/32").present);
  CHECK_TRUE(kernelRoute("203.0.113.11/32").present);
  LONGS_EQUAL(2, nexthopIds().size());  // only the other route's group and member
  checkOk(dp.removeRoute(prefix("203.0.113.11/32")));
  LONGS_EQUAL(0, nexthopIds().size());
  checkOk(dp.removeRoute(prefix("203.0.113.11/32")));  // already gone: fine
  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));
  CHECK_TRUE(routes.empty());
}

TEST(KernelGroups, Ipv6) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("2001:db8:ff::a/128", {"2001:db8:1::2", "2001:db8:1::3*2"})));
  KernelRoute k = kernelRoute("2001:db8:ff::a/128");
  CHECK_TRUE(k.present);
  STRCMP_EQUAL("2001:db8:1::2 2001:db8:1::3*2", k.nexthops.c_str());
  checkOk(dp.programRoute(route("2001:db8:ff::a/128", {"2001:db8:1::3"})));
  LONGS_EQUAL(k.nhid, kernelRoute("2001:db8:ff::a/128").nhid);
  STRCMP_EQUAL("2001:db8:1::3", kernelRoute("2001:db8:ff::a/128").nexthops.c_str());
  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));
  LONGS_EQUAL(1, routes.size());
  CHECK(routes[0] == route("2001:db8:ff::a/128", {"2001:db8:1::3"}));
  checkOk(dp.removeRoute(prefix("2001:db8:ff::a/128")));
  CHECK_FALSE(kernelRoute("2001:db8:ff::a/128").present);
  LONGS_EQUAL(0, nexthopIds().size());
}

TEST(KernelGroups, SecondInstanceAdoptsWithoutChanges) {
  const std::vector<Route> programmed = {route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3*2"}),
                                         route("2001:db8:ff::a/128", {"2001:db8:1::2"})};
  {
    KernelDataplane first(config());
    for (const Route& r : programmed) checkOk(first.programRoute(r));
  }
  const uint32_t nhid = kernelRoute("203.0.113.10/32").nhid;
  Monitor monitor;
  KernelDataplane second(config());
  std::vector<Route> routes;
  checkOk(second.readRoutes(routes));
  std::vector<Route> expected = programmed;
  std::sort(expected.begin(), expected.end());
  CHECK(routes == expected);
  checkOk(second.removeOrphans());                                    // nothing is an orphan
  for (const Route& r : programmed) checkOk(second.programRoute(r));  // same routes: no change
  LONGS_EQUAL(0, monitor.drain().size());

  // The adopted bookkeeping is used: a membership change replaces the adopted group in place.
  checkOk(second.programRoute(route("203.0.113.10/32", {"192.0.2.3*2", "192.0.2.4"})));
  LONGS_EQUAL(nhid, kernelRoute("203.0.113.10/32").nhid);
  STRCMP_EQUAL("192.0.2.3*2 192.0.2.4", kernelRoute("203.0.113.10/32").nexthops.c_str());
  LONGS_EQUAL(5, nexthopIds().size());  // 2 members + group, 1 member + group
}

TEST(KernelGroups, OddRoutesOfTheProtocolAreReportedAndReplaced) {
  mustRun("ip nexthop add id 7001 via 192.0.2.9 dev va proto 42");
  mustRun("ip nexthop add id 7002 group 7001 type resilient buckets 32 proto 200");
  mustRun("ip route add 203.0.113.10/32 nhid 7002 proto 200");
  mustRun("ip route add 203.0.113.11/32 dev va proto 200");
  KernelDataplane dp(config());
  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));
  LONGS_EQUAL(2, routes.size());
  CHECK(routes[0] == route("203.0.113.10/32", {"192.0.2.9"}));  // a group with a foreign member
  CHECK_TRUE(routes[1].nexthops.empty());                       // no gateway at all

  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.9"})));
  KernelRoute k = kernelRoute("203.0.113.10/32");
  CHECK(k.nhid != 7002);  // replaced in place by a group of the agent's own
  STRCMP_EQUAL("192.0.2.9", k.nexthops.c_str());
  CHECK_FALSE(nexthopExists(7002));  // the agent's odd group went
  CHECK_TRUE(nexthopExists(7001));   // the foreign member stays
  checkOk(dp.removeRoute(prefix("203.0.113.11/32")));
  CHECK_FALSE(kernelRoute("203.0.113.11/32").present);
}

TEST(KernelGroups, RemoveOrphans) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  mustRun("ip nexthop add id 7001 via 192.0.2.7 dev va proto 200");
  mustRun("ip nexthop add id 7002 via 192.0.2.8 dev va proto 200");
  mustRun("ip nexthop add id 7003 group 7001/7002 proto 200");
  mustRun("ip nexthop add id 7004 via 192.0.2.9 dev va proto 200");
  mustRun("ip nexthop add id 7005 via 192.0.2.10 dev va proto 42");
  mustRun("ip nexthop add id 7006 via 192.0.2.11 dev va proto 200");
  mustRun("ip nexthop add id 7007 group 7006 proto 42");  // another protocol's group uses 7006
  checkOk(dp.removeOrphans());
  for (uint32_t id : {7001u, 7002u, 7003u, 7004u}) CHECK_FALSE(nexthopExists(id));
  for (uint32_t id : {7005u, 7006u, 7007u}) CHECK_TRUE(nexthopExists(id));
  STRCMP_EQUAL("192.0.2.2 192.0.2.3", kernelRoute("203.0.113.10/32").nexthops.c_str());
  LONGS_EQUAL(4, nexthopIds().size());  // the route's three objects and 7006
}

TEST(KernelGroups, TakenIdsAreSkipped) {
  KernelDataplane dp(config());
  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));
  // Created after the dataplane read the kernel: the first create meets EEXIST and moves on.
  mustRun("ip nexthop add id " + std::to_string(kIdBase) + " via 192.0.2.9 dev va proto 42");
  mustRun("ip nexthop add id " + std::to_string(kIdBase + 1) + " via 192.0.2.9 dev va proto 42");
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  KernelRoute k = kernelRoute("203.0.113.10/32");
  STRCMP_EQUAL("192.0.2.2 192.0.2.3", k.nexthops.c_str());
  for (uint32_t id : groupMembers(k.nhid)) CHECK_TRUE(id >= kIdBase + 2);
  const std::string foreign = sh("ip nexthop show id " + std::to_string(kIdBase));
  CHECK(foreign.find("proto 200") == std::string::npos);  // untouched
}

TEST(KernelGroups, OtherTableProtocolAndPlainGroup) {
  KernelConfig c = config(NexthopMode::kGroup);
  c.table = 100;
  c.route_protocol = 201;
  KernelDataplane dp(c);
  STRCMP_EQUAL("group", dp.modeName());
  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));  // table 100 does not exist yet
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  KernelRoute k = kernelRoute("203.0.113.10/32", 100, 201);
  CHECK_TRUE(k.present);
  STRCMP_EQUAL("192.0.2.2 192.0.2.3", k.nexthops.c_str());
  CHECK(k.group_line.find("resilient") == std::string::npos);
  CHECK_FALSE(kernelRoute("203.0.113.10/32").present);  // nothing in main / protocol 200
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.3"})));
  LONGS_EQUAL(k.nhid, kernelRoute("203.0.113.10/32", 100, 201).nhid);
  checkOk(dp.readRoutes(routes));
  LONGS_EQUAL(1, routes.size());
  checkOk(dp.removeRoute(prefix("203.0.113.10/32")));
  CHECK_TRUE(nexthopIds(201).empty());
}

TEST(KernelGroups, ModeChangeAcrossRestartsConvertsInPlace) {
  {
    KernelDataplane resilient(config(NexthopMode::kResilientGroup));
    checkOk(resilient.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  }
  const uint32_t old_group = kernelRoute("203.0.113.10/32").nhid;
  Monitor monitor;
  KernelDataplane plain(config(NexthopMode::kGroup));
  checkOk(plain.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  KernelRoute k = kernelRoute("203.0.113.10/32");
  CHECK(k.nhid != old_group);  // a resilient group cannot become a hash-threshold one in place
  CHECK(k.group_line.find("resilient") == std::string::npos);
  CHECK_FALSE(nexthopExists(old_group));
  CHECK_FALSE(contains(monitor.drain(), RTM_DELROUTE));  // the route was replaced, never deleted
  LONGS_EQUAL(3, nexthopIds().size());                   // members reused
}

TEST(KernelGroups, ErrorsNameTheRequestAndLeaveNothingBehind) {
  KernelDataplane dp(config());
  Status s = dp.programRoute(route("203.0.113.10/32", {"10.9.9.9"}));
  LONGS_EQUAL(101, s.error);
  STRCMP_CONTAINS("RTM_NEWNEXTHOP id ", s.message.c_str());
  STRCMP_CONTAINS(" via 10.9.9.9: Network is unreachable (errno 101)", s.message.c_str());
  CHECK_TRUE(nexthopIds().empty());
  CHECK_FALSE(kernelRoute("203.0.113.10/32").present);

  mustRun("ip route add 10.20.0.0/16 via 192.0.2.254");
  s = dp.programRoute(route("203.0.113.10/32", {"10.20.0.1"}));
  CHECK_FALSE(s.isOk());
  STRCMP_CONTAINS("10.20.0.1 is not directly connected (the kernel routes it via 192.0.2.254)",
                  s.message.c_str());

  s = dp.programRoute(route("203.0.113.10/32", {"192.0.2.1"}));  // the agent's own address
  STRCMP_CONTAINS("local address", s.message.c_str());

  s = dp.programRoute(route("203.0.113.10/32", {"2001:db8:1::2"}));
  LONGS_EQUAL(22, s.error);
  CHECK_TRUE(nexthopIds().empty());
  CHECK_FALSE(kernelRoute("203.0.113.10/32").present);
}

TEST(KernelGroups, AnUnreachableServerDoesNotHoldUpTheOthers) {
  KernelDataplane dp(config());
  Status s = dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "10.9.9.9", "192.0.2.3"}));
  LONGS_EQUAL(101, s.error);  // reported, so that the caller retries ...
  STRCMP_CONTAINS(" via 10.9.9.9: Network is unreachable (errno 101)", s.message.c_str());
  STRCMP_EQUAL("192.0.2.2 192.0.2.3", kernelRoute("203.0.113.10/32").nexthops.c_str());  // ... the rest holds
  LONGS_EQUAL(3, nexthopIds().size());
  s = dp.programRoute(route("203.0.113.10/32", {"192.0.2.3", "10.9.9.9"}));
  LONGS_EQUAL(101, s.error);
  STRCMP_EQUAL("192.0.2.3", kernelRoute("203.0.113.10/32").nexthops.c_str());
  LONGS_EQUAL(2, nexthopIds().size());

  KernelDataplane multipath(config(NexthopMode::kMultipathRoute));
  s = multipath.programRoute(route("203.0.113.11/32", {"192.0.2.2", "10.9.9.9"}));
  STRCMP_CONTAINS("RTM_NEWROUTE 203.0.113.11/32 table 254 via 10.9.9.9: Network is unreachable (errno 101)",
                  s.message.c_str());
  STRCMP_EQUAL("192.0.2.2", kernelRoute("203.0.113.11/32").nexthops.c_str());
}

TEST(KernelGroups, ARouteWithNoReachableServerIsRemovedAndComesBack) {
  for (NexthopMode mode : {NexthopMode::kAuto, NexthopMode::kMultipathRoute}) {
    cleanKernel();
    KernelDataplane dp(config(mode));
    checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2"})));
    CHECK_TRUE(kernelRoute("203.0.113.10/32").present);
    // The servers now wanted have no route to them: nothing usable is left, so the old route must go.
    const Route unusable = route("203.0.113.10/32", {"203.0.113.201", "203.0.113.202"});
    Status s = dp.programRoute(unusable);
    LONGS_EQUAL(101, s.error);  // a failure, so that the caller retries
    STRCMP_CONTAINS("none of its next hops can be reached now", s.message.c_str());
    CHECK_FALSE(kernelRoute("203.0.113.10/32").present);
    LONGS_EQUAL(0, nexthopIds().size());
    STRCMP_CONTAINS("withdrawn: no next hop can be reached", dp.routeNote(prefix("203.0.113.10/32")).c_str());
    LONGS_EQUAL(101, dp.programRoute(unusable).error);  // still nothing to program
    // A server becomes reachable: the route comes back.
    mustRun("ip route add 203.0.113.200/29 dev vc");
    checkOk(dp.programRoute(unusable));
    STRCMP_EQUAL("203.0.113.201 203.0.113.202", kernelRoute("203.0.113.10/32").nexthops.c_str());
    STRCMP_EQUAL("", dp.routeNote(prefix("203.0.113.10/32")).c_str());
  }
}
