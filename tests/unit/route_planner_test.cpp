// Route planner: what the kernel dataplane asks of the kernel for a desired route, given what holds now.
#include "platform/kernel/route_planner.h"

#include <CppUTest/TestHarness.h>

#include <cerrno>

using namespace anycastd;

namespace {

constexpr uint32_t kBase = 0x60000000;
const nl::GroupSpec kResilient{nl::GroupType::kResilient, {128, 10, 0}};

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

Route route(const char* prefix, std::vector<std::pair<const char*, uint32_t>> hops) {
  std::string err;
  Route r{*IpPrefix::parse(prefix, &err), {}};
  for (auto& [gw, w] : hops) r.nexthops.push_back({ip(gw), w});
  return r;
}

// A route via group `group` with members (gateway, weight, id).
RouteEntry groupEntry(uint32_t group, std::vector<std::tuple<const char*, uint32_t, uint32_t>> members,
                      RouteForm form = RouteForm::kGroup, nl::GroupSpec spec = kResilient) {
  RouteEntry e;
  e.form = form;
  e.group_id = group;
  e.group = spec;
  for (auto& [gw, w, id] : members) e.members.push_back({ip(gw), w, 3, id});
  return e;
}

PlanOp op(OpKind kind, uint32_t id) {
  return {kind, id, {}, {}, {}};
}
PlanOp member(uint32_t id, const char* gw) {
  return {OpKind::kCreateMember, id, ip(gw), {}, {}};
}
PlanOp groupOp(OpKind kind, uint32_t id, std::vector<nl::GroupMember> members) {
  return {kind, id, {}, members, {}};
}

void checkOps(const std::vector<PlanOp>& expected, const RoutePlan& plan) {
  STRCMP_EQUAL("", plan.error.c_str());
  LONGS_EQUAL(expected.size(), plan.ops.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i] == plan.ops[i]) continue;
    FAIL(("op " + std::to_string(i) + ": expected " + toString(expected[i].kind) + " " +
          std::to_string(expected[i].id) + ", got " + toString(plan.ops[i].kind) + " " +
          std::to_string(plan.ops[i].id))
             .c_str());
  }
}

}  // namespace

TEST_GROUP(RoutePlanner) {
  NexthopIdAllocator ids{kBase};
  PlannerSettings groups{true, kResilient};
  PlannerSettings multipath{false, {}};
};

TEST(RoutePlanner, NewRouteCreatesMembersThenTheGroupThenTheRoute) {
  RoutePlan p = planProgram(
      {}, route("203.0.113.10/32", {{"192.0.2.4", 1}, {"192.0.2.2", 2}, {"192.0.2.3", 1}}), groups, ids, {});
  checkOps({member(kBase, "192.0.2.2"), member(kBase + 1, "192.0.2.3"), member(kBase + 2, "192.0.2.4"),
            groupOp(OpKind::kCreateGroup, kBase + 3, {{kBase, 2}, {kBase + 1, 1}, {kBase + 2, 1}}),
            op(OpKind::kAddRoute, kBase + 3)},
           p);
  CHECK(p.result.form == RouteForm::kGroup);
  UNSIGNED_LONGS_EQUAL(kBase + 3, p.result.group_id);
  CHECK(p.result.group == kResilient);
  LONGS_EQUAL(3, p.result.members.size());
  CHECK_TRUE(ids.isUsed(kBase + 3));
}

TEST(RoutePlanner, SameRouteIsANoOp) {
  RouteEntry now = groupEntry(kBase + 9, {{"192.0.2.2", 2, kBase}, {"192.0.2.3", 1, kBase + 1}});
  RoutePlan p =
      planProgram(now, route("203.0.113.10/32", {{"192.0.2.3", 1}, {"192.0.2.2", 2}}), groups, ids, {});
  checkOps({}, p);
  CHECK(p.result == now);
}

TEST(RoutePlanner, MembershipChangeReplacesTheGroupInPlaceThenDeletesTheLeaver) {
  RouteEntry now = groupEntry(
      kBase + 9, {{"192.0.2.2", 1, kBase}, {"192.0.2.3", 1, kBase + 1}, {"192.0.2.4", 1, kBase + 2}});
  ids.reset({kBase, kBase + 1, kBase + 2, kBase + 9});
  RoutePlan p = planProgram(
      now, route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.4", 1}, {"192.0.2.5", 1}}), groups, ids, {});
  checkOps({member(kBase + 3, "192.0.2.5"),
            groupOp(OpKind::kReplaceGroup, kBase + 9, {{kBase, 1}, {kBase + 2, 1}, {kBase + 3, 1}}),
            op(OpKind::kDeleteNexthop, kBase + 1)},
           p);
  LONGS_EQUAL(3, p.result.members[0].oif);  // kept members keep their device
  LONGS_EQUAL(0, p.result.members[2].oif);  // the executor fills in the new one's
}

TEST(RoutePlanner, WeightChangeOnlyReplacesTheGroup) {
  RouteEntry now = groupEntry(kBase + 9, {{"192.0.2.2", 1, kBase}, {"192.0.2.3", 1, kBase + 1}});
  RoutePlan p =
      planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.3", 4}}), groups, ids, {});
  checkOps({groupOp(OpKind::kReplaceGroup, kBase + 9, {{kBase, 1}, {kBase + 1, 4}})}, p);
}

TEST(RoutePlanner, ChangedTimersReplaceInPlaceChangedBucketsNeedANewGroup) {
  RouteEntry now = groupEntry(kBase + 9, {{"192.0.2.2", 1, kBase}});
  PlannerSettings timers = groups;
  timers.group.resilient.idle_timer_s = 60;
  checkOps({groupOp(OpKind::kReplaceGroup, kBase + 9, {{kBase, 1}})},
           planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}}), timers, ids, {}));

  ids.reset({kBase, kBase + 9});
  PlannerSettings buckets = groups;
  buckets.group.resilient.buckets = 64;
  checkOps({groupOp(OpKind::kCreateGroup, kBase + 1, {{kBase, 1}}), op(OpKind::kReplaceRoute, kBase + 1),
            op(OpKind::kDeleteNexthop, kBase + 9)},
           planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}}), buckets, ids, {}));
}

TEST(RoutePlanner, DetachedGroupIsReusedAndTheRouteAdded) {
  RouteEntry now = groupEntry(kBase + 9, {{"192.0.2.2", 1, kBase}}, RouteForm::kDetached);
  checkOps({op(OpKind::kAddRoute, kBase + 9)},
           planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}}), groups, ids, {}));
  ids.reset({kBase, kBase + 9});
  checkOps({member(kBase + 1, "192.0.2.3"),
            groupOp(OpKind::kReplaceGroup, kBase + 9, {{kBase, 1}, {kBase + 1, 1}}),
            op(OpKind::kAddRoute, kBase + 9)},
           planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.3", 1}}), groups, ids, {}));
}

TEST(RoutePlanner, LostMemberIsCreatedAgain) {
  // The kernel flushed 192.0.2.3's object with its link: the group now has only the first member.
  RouteEntry now = groupEntry(kBase + 9, {{"192.0.2.2", 1, kBase}});
  ids.reset({kBase, kBase + 1, kBase + 9});
  checkOps({member(kBase + 2, "192.0.2.3"),
            groupOp(OpKind::kReplaceGroup, kBase + 9, {{kBase, 1}, {kBase + 2, 1}})},
           planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.3", 1}}), groups, ids, {}));
}

TEST(RoutePlanner, MultipathRouteBecomesAGroupRoute) {
  RouteEntry now;
  now.form = RouteForm::kMultipath;
  now.members = {{ip("192.0.2.2"), 1, 3, 0}};
  checkOps({member(kBase, "192.0.2.2"), groupOp(OpKind::kCreateGroup, kBase + 1, {{kBase, 1}}),
            op(OpKind::kReplaceRoute, kBase + 1)},
           planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}}), groups, ids, {}));
}

TEST(RoutePlanner, OtherRouteIsReplacedAndTheAgentsOddObjectsDeleted) {
  RouteEntry now;
  now.form = RouteForm::kOther;
  now.owned = {kBase + 7, kBase + 5};
  checkOps({member(kBase, "192.0.2.2"), groupOp(OpKind::kCreateGroup, kBase + 1, {{kBase, 1}}),
            op(OpKind::kReplaceRoute, kBase + 1), op(OpKind::kDeleteNexthop, kBase + 7),
            op(OpKind::kDeleteNexthop, kBase + 5)},
           planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}}), groups, ids, {}));
}

TEST(RoutePlanner, ObjectsHeldByOtherPrefixesAreNotDeleted) {
  RouteEntry now = groupEntry(kBase + 9, {{"192.0.2.2", 1, kBase}, {"192.0.2.3", 1, kBase + 1}});
  checkOps({groupOp(OpKind::kReplaceGroup, kBase + 9, {{kBase, 1}})},
           planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 1}}), groups, ids, {kBase + 1}));
  checkOps(
      {op(OpKind::kDeleteRoute, 0), op(OpKind::kDeleteNexthop, kBase + 9), op(OpKind::kDeleteNexthop, kBase)},
      planRemoval(now, {kBase + 1}));
}

TEST(RoutePlanner, MultipathMode) {
  Route want = route("203.0.113.10/32", {{"192.0.2.3", 2}, {"192.0.2.2", 1}});
  RoutePlan add = planProgram({}, want, multipath, ids, {});
  checkOps({{OpKind::kAddRoute, 0, {}, {}, {{ip("192.0.2.2"), 1}, {ip("192.0.2.3"), 2}}}}, add);
  CHECK(add.result.form == RouteForm::kMultipath);
  checkOps({}, planProgram(add.result, want, multipath, ids, {}));

  Route changed = route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.3", 1}});
  checkOps({{OpKind::kReplaceRoute, 0, {}, {}, changed.nexthops}},
           planProgram(add.result, changed, multipath, ids, {}));
}

TEST(RoutePlanner, LoneMultipathNextHopIgnoresTheWeightTheKernelDoesNotReport) {
  RouteEntry now;
  now.form = RouteForm::kMultipath;
  now.members = {{ip("192.0.2.2"), 1, 3, 0}};
  checkOps({}, planProgram(now, route("203.0.113.10/32", {{"192.0.2.2", 5}}), multipath, ids, {}));
}

TEST(RoutePlanner, GroupRouteBecomesMultipathThenItsObjectsGo) {
  RouteEntry now = groupEntry(kBase + 9, {{"192.0.2.2", 1, kBase}});
  Route want = route("203.0.113.10/32", {{"192.0.2.2", 1}});
  checkOps({{OpKind::kReplaceRoute, 0, {}, {}, want.nexthops},
            op(OpKind::kDeleteNexthop, kBase + 9),
            op(OpKind::kDeleteNexthop, kBase)},
           planProgram(now, want, multipath, ids, {}));
}

TEST(RoutePlanner, Removal) {
  RouteEntry now = groupEntry(kBase + 9, {{"192.0.2.2", 1, kBase}, {"192.0.2.3", 1, kBase + 1}});
  RoutePlan p = planRemoval(now, {});
  checkOps({op(OpKind::kDeleteRoute, 0), op(OpKind::kDeleteNexthop, kBase + 9),
            op(OpKind::kDeleteNexthop, kBase), op(OpKind::kDeleteNexthop, kBase + 1)},
           p);
  CHECK(p.result.form == RouteForm::kAbsent);
  now.form = RouteForm::kDetached;
  checkOps({op(OpKind::kDeleteNexthop, kBase + 9), op(OpKind::kDeleteNexthop, kBase),
            op(OpKind::kDeleteNexthop, kBase + 1)},
           planRemoval(now, {}));
  checkOps({}, planRemoval({}, {}));
  RouteEntry mp;
  mp.form = RouteForm::kMultipath;
  mp.members = {{ip("192.0.2.2"), 1, 3, 0}};
  checkOps({op(OpKind::kDeleteRoute, 0)}, planRemoval(mp, {}));
}

TEST(RoutePlanner, InvalidRoutesAreRefused) {
  const char* bad[] = {"no next hops", "weight 0", "weight 257", "family", "appears twice"};
  std::vector<Route> routes = {route("203.0.113.10/32", {}), route("203.0.113.10/32", {{"192.0.2.2", 0}}),
                               route("203.0.113.10/32", {{"192.0.2.2", 257}}),
                               route("203.0.113.10/32", {{"2001:db8:1::2", 1}}),
                               route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.2", 2}})};
  for (size_t i = 0; i < routes.size(); ++i) {
    RoutePlan p = planProgram({}, routes[i], groups, ids, {});
    STRCMP_CONTAINS(bad[i], p.error.c_str());
    LONGS_EQUAL(EINVAL, p.error_code);
    CHECK_TRUE(p.ops.empty());
  }
  UNSIGNED_LONGS_EQUAL(kBase, *ids.allocate());  // nothing was taken
}

TEST(RoutePlanner, RunningOutOfIdsTakesNothing) {
  NexthopIdAllocator few(kBase, 3);
  RoutePlan p = planProgram(
      {}, route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.3", 1}, {"192.0.2.4", 1}}), groups, few, {});
  LONGS_EQUAL(ENOSPC, p.error_code);
  CHECK_TRUE(p.ops.empty());
  CHECK_FALSE(few.isUsed(kBase));
}

TEST(RoutePlanner, RenumberMovesAnIdEverywhere) {
  RoutePlan p = planProgram({}, route("203.0.113.10/32", {{"192.0.2.2", 1}}), groups, ids, {});
  p.renumber(kBase, 77);
  checkOps({member(77, "192.0.2.2"), groupOp(OpKind::kCreateGroup, kBase + 1, {{77, 1}}),
            op(OpKind::kAddRoute, kBase + 1)},
           p);
  LONGS_EQUAL(77, p.result.members[0].id);
  p.renumber(kBase + 1, 78);
  LONGS_EQUAL(78, p.result.group_id);
  LONGS_EQUAL(78, p.ops[2].id);
}

TEST(RoutePlanner, DroppingAnUnreachableServer) {
  RoutePlan p =
      planProgram({}, route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.3", 2}}), groups, ids, {});
  p.dropMember(kBase + 1);
  checkOps({member(kBase, "192.0.2.2"), groupOp(OpKind::kCreateGroup, kBase + 2, {{kBase, 1}}),
            op(OpKind::kAddRoute, kBase + 2)},
           p);
  LONGS_EQUAL(1, p.result.members.size());

  Route want = route("203.0.113.10/32", {{"192.0.2.2", 1}, {"192.0.2.3", 2}});
  RoutePlan m = planProgram({}, want, multipath, ids, {});
  m.dropGateway(ip("192.0.2.2"));
  checkOps({{OpKind::kAddRoute, 0, {}, {}, {{ip("192.0.2.3"), 2}}}}, m);
  LONGS_EQUAL(1, m.result.members.size());
}
