// Kernel view: routes and bookkeeping from decoded kernel messages, adoption and orphans.
#include "platform/kernel_view.h"

#include <CppUTest/TestHarness.h>
#include <linux/rtnetlink.h>

using namespace anycastd;

namespace {

constexpr uint8_t kProto = 200;
constexpr uint32_t kTable = 254;
const nl::GroupSpec kResilient{nl::GroupType::kResilient, {128, 10, 0}};

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

IpPrefix prefix(const char* text) {
  std::string err;
  return *IpPrefix::parse(text, &err);
}

nl::RouteMessage nhidRoute(const char* p, uint32_t nhid, uint8_t protocol = kProto, uint32_t table = kTable) {
  nl::RouteMessage r;
  r.type = RTM_NEWROUTE;
  r.family = prefix(p).family();
  r.dst = prefix(p).address();
  r.dst_len = prefix(p).length();
  r.protocol = protocol;
  r.table = table;
  r.route_type = RTN_UNICAST;
  r.nhid = nhid;
  return r;
}

nl::RouteMessage classicRoute(const char* p, std::vector<nl::RouteHop> hops) {
  nl::RouteMessage r = nhidRoute(p, 0);
  r.hops = std::move(hops);
  return r;
}

nl::NexthopMessage member(uint32_t id, const char* gw, uint8_t protocol = kProto) {
  nl::NexthopMessage m;
  m.id = id;
  m.protocol = protocol;
  if (gw) m.gateway = ip(gw);
  m.oif = 3;
  return m;
}

nl::NexthopMessage group(uint32_t id, std::vector<nl::GroupMember> members, uint8_t protocol = kProto) {
  nl::NexthopMessage g;
  g.id = id;
  g.protocol = protocol;
  g.group = std::move(members);
  g.group_type = nl::GroupType::kResilient;
  g.resilient = kResilient.resilient;
  return g;
}

NexthopTable table(std::vector<nl::NexthopMessage> objects) {
  NexthopTable t;
  for (auto& o : objects) t[o.id] = o;
  return t;
}

}  // namespace

TEST_GROUP(KernelView){};

TEST(KernelView, CollectOwnRoutesFiltersAndMergesIpv6Siblings) {
  nl::RouteMessage a = classicRoute("2001:db8:ff::a/128", {{ip("2001:db8:1::2"), 5, 1, 0}});
  nl::RouteMessage b = classicRoute("2001:db8:ff::a/128", {{ip("2001:db8:1::3"), 5, 1, 0}});
  nl::RouteMessage cloned = nhidRoute("203.0.113.9/32", 1);
  cloned.flags = RTM_F_CLONED;
  OwnRoutes own = collectOwnRoutes(
      {a, b, nhidRoute("203.0.113.10/32", 1, 186), nhidRoute("203.0.113.11/32", 1, kProto, 100), cloned,
       nhidRoute("203.0.113.12/32", 7)},
      kProto, kTable);
  LONGS_EQUAL(2, own.size());
  LONGS_EQUAL(2, own[prefix("2001:db8:ff::a/128")].hops.size());
  LONGS_EQUAL(7, own[prefix("203.0.113.12/32")].nhid);
}

TEST(KernelView, WellFormedGroupRoute) {
  NexthopTable t = table({member(11, "192.0.2.4"), member(12, "192.0.2.2"), group(20, {{11, 1}, {12, 3}})});
  RouteView v = describeRoute(nhidRoute("203.0.113.10/32", 20), t, kProto);
  STRCMP_EQUAL("192.0.2.2*3 192.0.2.4", describe(v.route.nexthops).c_str());
  CHECK(v.entry.form == RouteForm::kGroup);
  LONGS_EQUAL(20, v.entry.group_id);
  CHECK(v.entry.group == kResilient);
  LONGS_EQUAL(12, v.entry.members[0].id);
  LONGS_EQUAL(3, v.entry.members[0].oif);
  CHECK_TRUE(v.entry.owned.empty());
}

TEST(KernelView, HashThresholdGroupHasNoResilientParameters) {
  nl::NexthopMessage g = group(20, {{11, 1}});
  g.group_type = nl::GroupType::kMultipath;
  g.resilient.reset();
  RouteView v = describeRoute(nhidRoute("203.0.113.10/32", 20), table({member(11, "192.0.2.2"), g}), kProto);
  CHECK(v.entry.group == (nl::GroupSpec{nl::GroupType::kMultipath, {}}));
}

TEST(KernelView, OddGroupsAreReportedAsOther) {
  // A foreign member: reported with its gateway; the agent's own objects are listed for deletion.
  NexthopTable t =
      table({member(11, "192.0.2.2"), member(12, "192.0.2.3", 42), group(20, {{11, 1}, {12, 1}})});
  RouteView v = describeRoute(nhidRoute("203.0.113.10/32", 20), t, kProto);
  STRCMP_EQUAL("192.0.2.2 192.0.2.3", describe(v.route.nexthops).c_str());
  CHECK(v.entry.form == RouteForm::kOther);
  CHECK(v.entry.owned == (std::vector<uint32_t>{20, 11}));

  // A gateway-less (blackhole) member: left out of the next hops.
  nl::NexthopMessage hole = member(12, nullptr);
  hole.blackhole = true;
  t = table({member(11, "192.0.2.2"), hole, group(20, {{11, 1}, {12, 1}})});
  v = describeRoute(nhidRoute("203.0.113.10/32", 20), t, kProto);
  STRCMP_EQUAL("192.0.2.2", describe(v.route.nexthops).c_str());
  CHECK(v.entry.form == RouteForm::kOther);

  // A foreign group.
  t = table({member(11, "192.0.2.2"), group(20, {{11, 1}}, 42)});
  v = describeRoute(nhidRoute("203.0.113.10/32", 20), t, kProto);
  CHECK(v.entry.form == RouteForm::kOther);
  CHECK(v.entry.owned == (std::vector<uint32_t>{11}));

  // A route straight at a single nexthop object of the agent's.
  v = describeRoute(nhidRoute("203.0.113.10/32", 11), table({member(11, "192.0.2.2")}), kProto);
  STRCMP_EQUAL("192.0.2.2", describe(v.route.nexthops).c_str());
  CHECK(v.entry.form == RouteForm::kOther);
  CHECK(v.entry.owned == (std::vector<uint32_t>{11}));

  // A route at an object the table does not have: the kernel's expansion gives the next hops.
  nl::RouteMessage r = nhidRoute("203.0.113.10/32", 99);
  r.hops = {{ip("192.0.2.9"), 3, 1, 0}};
  v = describeRoute(r, {}, kProto);
  STRCMP_EQUAL("192.0.2.9", describe(v.route.nexthops).c_str());
  CHECK(v.entry.form == RouteForm::kOther);
  CHECK_TRUE(v.entry.owned.empty());
}

TEST(KernelView, ClassicRoutes) {
  RouteView v = describeRoute(
      classicRoute("203.0.113.10/32", {{ip("192.0.2.3"), 4, 2, 0}, {ip("192.0.2.2"), 3, 1, 0}}), {}, kProto);
  CHECK(v.entry.form == RouteForm::kMultipath);
  STRCMP_EQUAL("192.0.2.2 192.0.2.3*2", describe(v.route.nexthops).c_str());
  LONGS_EQUAL(4, v.entry.members[1].oif);

  v = describeRoute(classicRoute("203.0.113.10/32", {{std::nullopt, 3, 1, 0}}), {}, kProto);  // dev route
  CHECK(v.entry.form == RouteForm::kOther);
  CHECK_TRUE(v.route.nexthops.empty());

  nl::RouteMessage hole = classicRoute("203.0.113.10/32", {});
  hole.route_type = RTN_BLACKHOLE;
  v = describeRoute(hole, {}, kProto);
  CHECK(v.entry.form == RouteForm::kOther);
}

TEST(KernelView, AdoptionBuildsRoutesEntriesAndIds) {
  NexthopTable t = table({member(11, "192.0.2.2"), group(20, {{11, 1}}), member(500, "192.0.2.7", 42)});
  OwnRoutes own = collectOwnRoutes(
      {nhidRoute("203.0.113.10/32", 20), classicRoute("203.0.113.11/32", {{ip("192.0.2.2"), 3, 1, 0}})},
      kProto, kTable);
  KernelState s = adoptKernelState(own, t, kProto, {});
  LONGS_EQUAL(2, s.routes.size());
  STRCMP_EQUAL("203.0.113.10/32", s.routes[0].prefix.str().c_str());
  CHECK(s.entries[prefix("203.0.113.10/32")].form == RouteForm::kGroup);
  CHECK(s.entries[prefix("203.0.113.11/32")].form == RouteForm::kMultipath);
  CHECK(s.ids == (std::set<uint32_t>{11, 20, 500}));
}

TEST(KernelView, DetachedGroupsAreKeptForTheirPrefix) {
  NexthopTable t = table({member(11, "192.0.2.2"), group(20, {{11, 1}})});
  RouteEntries previous;
  previous[prefix("203.0.113.10/32")] = describeRoute(nhidRoute("203.0.113.10/32", 20), t, kProto).entry;
  KernelState s = adoptKernelState({}, t, kProto, previous);  // the route went away
  CHECK_TRUE(s.routes.empty());
  CHECK(s.entries[prefix("203.0.113.10/32")].form == RouteForm::kDetached);
  LONGS_EQUAL(20, s.entries[prefix("203.0.113.10/32")].group_id);

  // Not if another route now uses the group, or if the group is gone.
  OwnRoutes other = collectOwnRoutes({nhidRoute("203.0.113.99/32", 20)}, kProto, kTable);
  s = adoptKernelState(other, t, kProto, previous);
  CHECK_FALSE(s.entries.count(prefix("203.0.113.10/32")));
  s = adoptKernelState({}, table({member(11, "192.0.2.2")}), kProto, previous);
  CHECK_TRUE(s.entries.empty());
}

TEST(KernelView, Orphans) {
  NexthopTable t = table({
      member(11, "192.0.2.2"), member(12, "192.0.2.3"), group(20, {{11, 1}}),  // used by a route
      member(13, "192.0.2.4"), group(21, {{12, 1}, {13, 1}}),                  // unused group
      member(14, "192.0.2.5"),                                                 // unused
      member(15, "192.0.2.6"), group(30, {{15, 1}}, 42),                       // in a foreign group: kept
      member(16, "192.0.2.7", 42),  // foreign: not the agent's business
      member(17, "192.0.2.8"),      // a route points straight at it
  });
  OwnRoutes own =
      collectOwnRoutes({nhidRoute("203.0.113.10/32", 20), nhidRoute("203.0.113.11/32", 17)}, kProto, kTable);
  CHECK(findOrphans(own, t, kProto) == (std::vector<uint32_t>{21, 12, 13, 14}));
}
