// KernelDataplane and changes made behind its back: notifications (externalChange), a link going down
// (the kernel silently flushes the nexthop objects on it) and programRoute converging again, hand deletions,
// and notification overrun.
#include <CppUTest/TestHarness.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "tests/kernel/kernel_fixture.h"

using namespace anycastd;
using namespace kernel_test;

namespace {

void checkOk(const Status& s) {
  if (!s.isOk()) FAIL(s.message.c_str());
}

}  // namespace

TEST_GROUP(KernelEvents){void setup() override{cleanKernel();
}
void teardown() override {
  cleanKernel();
}
}
;

TEST(KernelEvents, OwnChangesAreNotExternal) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.3"})));
  checkOk(dp.removeRoute(prefix("203.0.113.10/32")));
  STRCMP_EQUAL("", waitForExternalChange(dp, std::chrono::milliseconds(200)).c_str());
}

TEST(KernelEvents, LinkDownFlushesMembersAndProgramRouteConvergesAgain) {
  KernelDataplane dp(config());
  const Route wanted = route("203.0.113.10/32", {"192.0.2.2", "198.51.100.2"});
  checkOk(dp.programRoute(wanted));
  const uint32_t group = kernelRoute("203.0.113.10/32").nhid;

  mustRun("ip link set vc down");
  STRCMP_CONTAINS("link vc went down", waitForExternalChange(dp).c_str());
  // The kernel dropped 198.51.100.2's member from the group, without telling anyone.
  STRCMP_EQUAL("192.0.2.2", kernelRoute("203.0.113.10/32").nexthops.c_str());
  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));
  CHECK(routes[0] == route("203.0.113.10/32", {"192.0.2.2"}));

  Status s = dp.programRoute(wanted);  // the server's network is gone while the link is down
  LONGS_EQUAL(101, s.error);
  STRCMP_CONTAINS("via 198.51.100.2: Network is unreachable (errno 101)", s.message.c_str());
  STRCMP_EQUAL("192.0.2.2", kernelRoute("203.0.113.10/32").nexthops.c_str());

  mustRun("ip link set vc up");
  STRCMP_CONTAINS("link vc is up again", waitForExternalChange(dp).c_str());
  checkOk(dp.programRoute(wanted));
  KernelRoute k = kernelRoute("203.0.113.10/32");
  STRCMP_EQUAL("192.0.2.2 198.51.100.2", k.nexthops.c_str());
  LONGS_EQUAL(group, k.nhid);
}

TEST(KernelEvents, ProgramRouteConvergesWithoutAResync) {
  // No readRoutes() and no event processing in between: programRoute reads what it needs itself.
  KernelDataplane dp(config());
  const Route wanted = route("203.0.113.10/32", {"192.0.2.2", "198.51.100.2"});
  checkOk(dp.programRoute(wanted));
  mustRun("ip link set vc down");
  mustRun("ip link set vc up");
  CHECK_TRUE(eventually([] { return sh("ip -o link show vc").find("LOWER_UP") != std::string::npos; }));
  CHECK_TRUE(eventually([&] { return dp.programRoute(wanted).isOk(); }));
  STRCMP_EQUAL("192.0.2.2 198.51.100.2", kernelRoute("203.0.113.10/32").nexthops.c_str());
}

TEST(KernelEvents, LosingEveryMemberLosesTheRouteAndItComesBack) {
  KernelDataplane dp(config());
  const Route wanted = route("203.0.113.10/32", {"198.51.100.2", "198.51.100.3"});
  checkOk(dp.programRoute(wanted));
  mustRun("ip link set vd down");  // the peer: vc loses carrier
  STRCMP_CONTAINS("link vc went down", waitForExternalChange(dp).c_str());
  CHECK_FALSE(kernelRoute("203.0.113.10/32").present);  // the emptied group took the route with it
  mustRun("ip link set vd up");
  STRCMP_CONTAINS("link vc is up again", waitForExternalChange(dp).c_str());
  checkOk(dp.programRoute(wanted));
  STRCMP_EQUAL("198.51.100.2 198.51.100.3", kernelRoute("203.0.113.10/32").nexthops.c_str());
  LONGS_EQUAL(3, nexthopIds().size());
}

TEST(KernelEvents, ARouteTheKernelRemovedSilentlyIsAnnouncedGoneOnRemoval) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"198.51.100.2"})));
  Monitor monitor;
  mustRun("ip link set vc down");
  // The kernel flushes the member, the emptied group and the route, without an RTM_DELROUTE for the route
  // (checked with `ip monitor route`; other routes flushed with the link may be notified, so only what
  // follows removeRoute is counted).
  CHECK_TRUE(eventually([] { return !kernelRoute("203.0.113.10/32").present; }));
  monitor.drain();
  std::vector<uint16_t> seen;
  checkOk(dp.removeRoute(prefix("203.0.113.10/32")));
  // Listeners (zebra) hear of the prefix again and then of its removal.
  CHECK_TRUE(eventually([&] {
    for (uint16_t t : monitor.drain()) seen.push_back(t);
    return std::count(seen.begin(), seen.end(), RTM_DELROUTE) == 1;
  }));
  CHECK_TRUE(std::count(seen.begin(), seen.end(), RTM_NEWROUTE) == 1);
  CHECK_FALSE(kernelRoute("203.0.113.10/32").present);
}

TEST(KernelEvents, HandDeletionsAreReportedAndRepaired) {
  KernelDataplane dp(config());
  const Route wanted = route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"});
  checkOk(dp.programRoute(wanted));
  const KernelRoute k = kernelRoute("203.0.113.10/32");
  const uint32_t member = groupMembers(k.nhid)[1];

  mustRun("ip nexthop del id " + std::to_string(member));
  STRCMP_EQUAL(("nexthop object " + std::to_string(member) + " via 192.0.2.3 deleted").c_str(),
               waitForExternalChange(dp).c_str());
  checkOk(dp.programRoute(wanted));
  STRCMP_EQUAL("192.0.2.2 192.0.2.3", kernelRoute("203.0.113.10/32").nexthops.c_str());

  mustRun("ip route del 203.0.113.10/32 proto 200");
  STRCMP_EQUAL("route 203.0.113.10/32 deleted", waitForExternalChange(dp).c_str());
  checkOk(dp.programRoute(wanted));  // the group is still there: the route comes back on it
  LONGS_EQUAL(k.nhid, kernelRoute("203.0.113.10/32").nhid);
  LONGS_EQUAL(3, nexthopIds().size());

  mustRun("ip -6 route add 2001:db8:ff::b/128 via 2001:db8:1::2 proto 200");
  mustRun("ip -6 route del 2001:db8:ff::b/128 proto 200");
  STRCMP_EQUAL("route 2001:db8:ff::b/128 deleted", waitForExternalChange(dp).c_str());
}

TEST(KernelEvents, LostGroupIsRebuiltAndItsOldMembersAreOrphans) {
  KernelDataplane dp(config());
  const Route wanted = route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"});
  checkOk(dp.programRoute(wanted));
  mustRun("ip nexthop del id " +
          std::to_string(kernelRoute("203.0.113.10/32").nhid));  // takes the route along
  CHECK_FALSE(waitForExternalChange(dp).empty());
  checkOk(dp.programRoute(wanted));
  STRCMP_EQUAL("192.0.2.2 192.0.2.3", kernelRoute("203.0.113.10/32").nexthops.c_str());
  checkOk(dp.removeOrphans());
  LONGS_EQUAL(3, nexthopIds().size());
}

TEST(KernelEvents, OverrunIsReported) {
  KernelDataplane dp(config());
  // Far more notifications than the event socket's buffer holds, while nobody reads them.
  const std::string path = "/tmp/anycastd-kernel-tests-batch." + std::to_string(getpid());
  FILE* f = std::fopen(path.c_str(), "w");
  CHECK_TRUE(f != nullptr);
  for (int i = 0; i < 40000; ++i)
    std::fprintf(f, "nexthop add id %d via 192.0.2.9 dev va proto 42\n", 100000 + i);
  std::fclose(f);
  mustRun("ip -batch " + path);
  std::remove(path.c_str());
  STRCMP_CONTAINS("netlink event overrun", waitForExternalChange(dp).c_str());
}

TEST(KernelEvents, LinkDownReportsItsGatewaysUnreachable) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "198.51.100.2", "198.51.100.3"})));
  mustRun("ip link set vc down");
  STRCMP_EQUAL("link vc down: 198.51.100.2 198.51.100.3", waitForUnreachable(dp).c_str());
}

TEST(KernelEvents, FailedNeighbourIsReportedUnreachable) {
  KernelDataplane dp(config());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  // Nobody answers ARP for 192.0.2.2 on va; resolve fast so the entry fails within a few hundred ms.
  mustRun("sysctl -q -w net.ipv4.neigh.va.retrans_time_ms=100");
  // Deleting an entry by hand notifies it as failed too, but on behalf of `ip`: not a server failure.
  sh("ip neigh replace 192.0.2.2 dev va lladdr 02:00:00:00:00:99 nud stale");
  sh("ip neigh del 192.0.2.2 dev va");
  STRCMP_EQUAL("", waitForUnreachable(dp, std::chrono::milliseconds(200)).c_str());
  // A connection attempt starts a resolution that fails (bash, since the test image has no ping).
  sh("timeout 1 bash -c 'echo > /dev/tcp/192.0.2.2/9'");
  const std::string got = waitForUnreachable(dp);
  mustRun("sysctl -q -w net.ipv4.neigh.va.retrans_time_ms=1000");
  STRCMP_EQUAL("neighbour 192.0.2.2 failed: 192.0.2.2", got.c_str());
}
