// KernelReader's read of one prefix against the real kernel: the agent's route found by a route lookup
// (RTM_F_FIB_MATCH) without a dump, and never mistaken for a covering route, another protocol's route for
// the same prefix or a route in another table; the dump it falls back to when the route should be there
// and the lookup cannot show it; and the dataplane's second, dumped read when an add meets a route the
// lookup could not see (EEXIST).
#include "platform/kernel_reader.h"

#include <CppUTest/TestHarness.h>

#include "tests/kernel/kernel_fixture.h"

using namespace anycastd;
using namespace kernel_test;

namespace {

void checkOk(const Status& s) {
  if (!s.isOk()) FAIL(s.message.c_str());
}

struct Read {
  KernelReader::Snapshot snapshot;
  bool dumped = true;
};

Read readPrefix(const char* text, bool expect_route, uint32_t table = 254, uint32_t extra_group = 0) {
  nl::NetlinkSocket socket(nl::NetlinkSocket::Options{});
  KernelReader reader(socket, kProtocol, table);
  Read r;
  checkOk(reader.readPrefix(prefix(text), extra_group, expect_route, r.snapshot, &r.dumped));
  return r;
}

}  // namespace

TEST_GROUP(KernelReadPrefix){void setup() override{cleanKernel();
}
void teardown() override {
  cleanKernel();
}
}
;

TEST(KernelReadPrefix, RouteViaGroupIsFoundWithoutADump) {
  mustRun("ip nexthop add id 700001 via 192.0.2.2 dev va proto 200");
  mustRun("ip nexthop add id 700002 via 192.0.2.3 dev va proto 200");
  mustRun("ip nexthop add id 700010 group 700001/700002 proto 200");
  mustRun("ip route add 203.0.113.10/32 nhid 700010 proto 200");
  Read r = readPrefix("203.0.113.10/32", true);
  CHECK_FALSE(r.dumped);
  LONGS_EQUAL(1, r.snapshot.routes.size());
  const nl::RouteMessage& route = r.snapshot.routes.begin()->second;
  CHECK(route.prefix() == prefix("203.0.113.10/32"));
  LONGS_EQUAL(700010, route.nhid);
  LONGS_EQUAL(254, route.table);
  LONGS_EQUAL(3, r.snapshot.nexthops.size());  // the group and its members, each read by ID
  CHECK_TRUE(r.snapshot.nexthops.at(700010).isGroup());
  STRCMP_EQUAL("192.0.2.3", r.snapshot.nexthops.at(700002).gateway->str().c_str());
}

TEST(KernelReadPrefix, Ipv6MultipathRouteIsFoundWithEveryNextHop) {
  mustRun(
      "ip -6 route add 2001:db8:bb::/64 proto 200 nexthop via 2001:db8:1::2 dev va "
      "nexthop via 2001:db8:1::3 dev va");
  Read r = readPrefix("2001:db8:bb::/64", true);
  CHECK_FALSE(r.dumped);
  LONGS_EQUAL(1, r.snapshot.routes.size());
  LONGS_EQUAL(2, r.snapshot.routes.begin()->second.hops.size());
}

TEST(KernelReadPrefix, AbsentRoute) {
  Read r = readPrefix("203.0.113.20/32", false);  // the lookup finds nothing at all (ENETUNREACH)
  CHECK_FALSE(r.dumped);
  CHECK_TRUE(r.snapshot.routes.empty());
  r = readPrefix("2001:db8:bb::1/128", false);
  CHECK_FALSE(r.dumped);
  CHECK_TRUE(r.snapshot.routes.empty());
  r = readPrefix("203.0.113.20/32", true);  // it should be there: the dump makes sure
  CHECK_TRUE(r.dumped);
  CHECK_TRUE(r.snapshot.routes.empty());
}

TEST(KernelReadPrefix, ACoveringRouteIsNotThePrefixsRoute) {
  // The agent's own protocol and table, one prefix shorter: the lookup matches it, the reader must not
  // take it for the route of the longer prefix.
  mustRun("ip route add 203.0.113.0/24 via 192.0.2.2 proto 200");
  mustRun("ip -6 route add 2001:db8:bb::/48 via 2001:db8:1::2 dev va proto 200");
  for (bool expect : {false, true}) {
    Read r = readPrefix("203.0.113.10/32", expect);
    CHECK_TRUE(r.snapshot.routes.empty());
    LONGS_EQUAL(expect, r.dumped);
    r = readPrefix("2001:db8:bb::1/128", expect);
    CHECK_TRUE(r.snapshot.routes.empty());
  }
  Read r = readPrefix("203.0.113.0/24", false);
  LONGS_EQUAL(1, r.snapshot.routes.size());
  CHECK_FALSE(r.dumped);
}

TEST(KernelReadPrefix, AnotherProtocolsRouteForThePrefixIsNotTheAgents) {
  mustRun("ip route add 203.0.113.10/32 via 192.0.2.2 proto 201");
  for (bool expect : {false, true}) CHECK_TRUE(readPrefix("203.0.113.10/32", expect).snapshot.routes.empty());
  // The agent's IPv6 route (metric 1024) behind another protocol's better one (metric 5): the lookup shows
  // the other; the reader finds the agent's in a dump when it expects the route.
  mustRun("ip -6 route add 2001:db8:bb::1/128 via 2001:db8:1::2 dev va proto 200");
  mustRun("ip -6 route add 2001:db8:bb::1/128 via 2001:db8:1::3 dev va proto 201 metric 5");
  Read r = readPrefix("2001:db8:bb::1/128", false);
  CHECK_FALSE(r.dumped);
  CHECK_TRUE(r.snapshot.routes.empty());
  r = readPrefix("2001:db8:bb::1/128", true);
  CHECK_TRUE(r.dumped);
  LONGS_EQUAL(1, r.snapshot.routes.size());
  LONGS_EQUAL(kProtocol, r.snapshot.routes.begin()->second.protocol);
  STRCMP_EQUAL("2001:db8:1::2", r.snapshot.routes.begin()->second.hops.at(0).gateway->str().c_str());
}

TEST(KernelReadPrefix, ARouteInAnotherTable) {
  mustRun("ip route add 203.0.113.10/32 via 192.0.2.2 proto 200 table 100");
  // Reading main: the route of table 100 is not main's.
  for (bool expect : {false, true}) CHECK_TRUE(readPrefix("203.0.113.10/32", expect).snapshot.routes.empty());
  // Reading table 100, which no rule reaches: the lookup cannot see it, the dump does.
  Read r = readPrefix("203.0.113.10/32", true, 100);
  CHECK_TRUE(r.dumped);
  LONGS_EQUAL(1, r.snapshot.routes.size());
  LONGS_EQUAL(100, r.snapshot.routes.begin()->second.table);
}

TEST(KernelReadPrefix, AnAddMeetingARouteTheLookupCouldNotSeeReadsAgain) {
  KernelDataplane dp(config());
  std::vector<Route> routes;
  checkOk(dp.readRoutes(routes));  // the dataplane believes the prefix has no route
  mustRun("ip -6 route add 2001:db8:bb::1/128 via 2001:db8:1::4 dev va proto 200");
  mustRun("ip -6 route add 2001:db8:bb::1/128 via 2001:db8:1::3 dev va proto 201 metric 5");
  checkOk(dp.programRoute(route("2001:db8:bb::1/128", {"2001:db8:1::2", "2001:db8:1::3"})));
  KernelRoute k = kernelRoute("2001:db8:bb::1/128");
  CHECK_TRUE(k.present);
  STRCMP_EQUAL("2001:db8:1::2 2001:db8:1::3", k.nexthops.c_str());
  CHECK_TRUE(kernelRoute("2001:db8:bb::1/128", 254, 201).present);  // the other protocol's is left alone
  checkOk(dp.removeRoute(prefix("2001:db8:bb::1/128")));
  CHECK_FALSE(kernelRoute("2001:db8:bb::1/128").present);
  CHECK_TRUE(nexthopIds().empty());
}
