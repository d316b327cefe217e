// KernelDataplane forced to classic RTA_MULTIPATH routes against the real kernel, and conversions between
// that form and nexthop groups when the mode changes across restarts.
#include <CppUTest/TestHarness.h>
#include <linux/rtnetlink.h>

#include <algorithm>

#include "tests/kernel/kernel_fixture.h"

using namespace anycastd;
using namespace kernel_test;

namespace {

void checkOk(const Status& s) {
  if (!s.isOk()) FAIL(s.message.c_str());
}

bool contains(const std::vector<uint16_t>& types, uint16_t type) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

}  // namespace

TEST_GROUP(KernelMultipath){void setup() override{cleanKernel();
}
void teardown() override {
  cleanKernel();
}
}
;

TEST(KernelMultipath, ForcedMultipathRoutes) {
  KernelDataplane dp(config(NexthopMode::kMultipathRoute));
  STRCMP_EQUAL("multipath route", dp.modeName());
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3*2", "198.51.100.2"})));
  KernelRoute k = kernelRoute("203.0.113.10/32");
  CHECK_TRUE(k.present);
  LONGS_EQUAL(0, k.nhid);
  STRCMP_EQUAL("192.0.2.2 192.0.2.3*2 198.51.100.2", k.nexthops.c_str());
  STRCMP_CONTAINS("198.51.100.2 dev vc", k.route_line.c_str());
  CHECK_TRUE(nexthopIds().empty());

  Monitor monitor;
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.3", "198.51.100.2"})));
  STRCMP_EQUAL("192.0.2.3 198.51.100.2", kernelRoute("203.0.113.10/32").nexthops.c_str());
  CHECK_FALSE(contains(monitor.drain(), RTM_DELROUTE));  // replaced, not deleted and re-added

  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.3", "198.51.100.2"})));
  LONGS_EQUAL(0, monitor.drain().size());

  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));
  LONGS_EQUAL(1, routes.size());
  CHECK(routes[0] == route("203.0.113.10/32", {"192.0.2.3", "198.51.100.2"}));

  checkOk(dp.removeRoute(prefix("203.0.113.10/32")));
  CHECK_FALSE(kernelRoute("203.0.113.10/32").present);
}

TEST(KernelMultipath, Ipv6AndASingleNextHop) {
  KernelDataplane dp(config(NexthopMode::kMultipathRoute));
  checkOk(dp.programRoute(route("2001:db8:ff::a/128", {"2001:db8:1::2", "2001:db8:1::3*4"})));
  STRCMP_EQUAL("2001:db8:1::2 2001:db8:1::3*4", kernelRoute("2001:db8:ff::a/128").nexthops.c_str());
  checkOk(dp.programRoute(route("2001:db8:ff::a/128", {"2001:db8:1::3"})));
  STRCMP_EQUAL("2001:db8:1::3", kernelRoute("2001:db8:ff::a/128").nexthops.c_str());
  checkOk(dp.programRoute(route("2001:db8:ff::a/128", {"2001:db8:1::2", "2001:db8:1::3"})));
  STRCMP_EQUAL("2001:db8:1::2 2001:db8:1::3", kernelRoute("2001:db8:ff::a/128").nexthops.c_str());

  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2*7"})));
  Monitor monitor;
  checkOk(dp.programRoute(route("203.0.113.10/32", {"192.0.2.2*7"})));  // a lone next hop's weight is moot
  LONGS_EQUAL(0, monitor.drain().size());

  KernelDataplane restarted(config(NexthopMode::kMultipathRoute));
  std::vector<Route> routes;
  checkOk(restarted.readRoutes(routes));
  LONGS_EQUAL(2, routes.size());
  CHECK(routes[0] == route("203.0.113.10/32", {"192.0.2.2"}));
  CHECK(routes[1] == route("2001:db8:ff::a/128", {"2001:db8:1::2", "2001:db8:1::3"}));
  checkOk(restarted.removeRoute(prefix("2001:db8:ff::a/128")));
  checkOk(restarted.removeRoute(prefix("203.0.113.10/32")));
  CHECK_FALSE(kernelRoute("2001:db8:ff::a/128").present);
  CHECK_FALSE(kernelRoute("203.0.113.10/32").present);
}

TEST(KernelMultipath, ConvertsToAndFromGroupsInPlace) {
  {
    KernelDataplane multipath(config(NexthopMode::kMultipathRoute));
    checkOk(multipath.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
  }
  Monitor monitor;
  {
    KernelDataplane groups(config(NexthopMode::kResilientGroup));
    checkOk(groups.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
    KernelRoute k = kernelRoute("203.0.113.10/32");
    CHECK(k.nhid != 0);
    STRCMP_EQUAL("192.0.2.2 192.0.2.3", k.nexthops.c_str());
  }
  {
    KernelDataplane multipath(config(NexthopMode::kMultipathRoute));
    checkOk(multipath.programRoute(route("203.0.113.10/32", {"192.0.2.2", "192.0.2.3"})));
    KernelRoute k = kernelRoute("203.0.113.10/32");
    LONGS_EQUAL(0, k.nhid);
    STRCMP_EQUAL("192.0.2.2 192.0.2.3", k.nexthops.c_str());
    CHECK_TRUE(nexthopIds().empty());  // the group and its members went once the route left them
  }
  CHECK_FALSE(contains(monitor.drain(), RTM_DELROUTE));
}
