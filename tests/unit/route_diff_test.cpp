// The reconciler's diff and the Reconciler against a fake dataplane that can fail.
#include <CppUTest/TestHarness.h>

#include "agent/core/reconciler.h"
#include "tests/fakes/fake_dataplane.h"

using namespace anycastd;

namespace {

Route route(const char* prefix, std::vector<const char*> gateways) {
  std::string err;
  Route r{*IpPrefix::parse(prefix, &err), {}};
  for (const char* g : gateways) r.nexthops.push_back({*IpAddress::parse(g), 1});
  return r;
}

RouteMap mapOf(std::vector<Route> routes) {
  RouteMap m;
  for (auto& r : routes) m[r.prefix] = r;
  return m;
}

// In-memory dataplane (tests/fakes); `fail_next` makes the next program/remove call fail.
using test::FakeDataplane;

}  // namespace

TEST_GROUP(RouteDiff){};

TEST(RouteDiff, EqualStatesNeedNothing) {
  RouteMap m = mapOf({route("203.0.113.10/32", {"192.0.2.2"})});
  CHECK_TRUE(diffRoutes(m, m).empty());
}

TEST(RouteDiff, AddReplaceRemove) {
  RouteMap desired =
      mapOf({route("203.0.113.10/32", {"192.0.2.2", "192.0.2.6"}), route("203.0.113.11/32", {"192.0.2.2"})});
  RouteMap programmed =
      mapOf({route("203.0.113.10/32", {"192.0.2.2"}), route("203.0.113.12/32", {"192.0.2.2"})});
  auto ops = diffRoutes(desired, programmed);
  LONGS_EQUAL(3, ops.size());
  CHECK(ops[0].kind == RouteOpKind::kRemove);
  STRCMP_EQUAL("203.0.113.12/32", ops[0].route.prefix.str().c_str());
  CHECK(ops[1].kind == RouteOpKind::kReplace);
  STRCMP_EQUAL("203.0.113.10/32", ops[1].route.prefix.str().c_str());
  CHECK(ops[2].kind == RouteOpKind::kAdd);
  STRCMP_EQUAL("203.0.113.11/32", ops[2].route.prefix.str().c_str());
}

TEST(RouteDiff, WeightChangeIsAReplace) {
  Route a = route("203.0.113.10/32", {"192.0.2.2"});
  Route b = a;
  b.nexthops[0].weight = 3;
  auto ops = diffRoutes(mapOf({b}), mapOf({a}));
  LONGS_EQUAL(1, ops.size());
  CHECK(ops[0].kind == RouteOpKind::kReplace);
}

TEST(RouteDiff, ReconcilerConvergesAfterFailure) {
  FakeDataplane dp;
  Reconciler rec(dp);
  CHECK_TRUE(rec.resync().isOk());
  Route r = route("203.0.113.10/32", {"192.0.2.2"});
  rec.setDesired(r.prefix, r);
  dp.fail_next = true;
  auto out = rec.reconcile();
  LONGS_EQUAL(1, out.failed.size());
  STRCMP_EQUAL("injected", out.failed[0].status.message.c_str());
  CHECK_FALSE(rec.converged());
  CHECK_TRUE(rec.needsResync());
  CHECK_TRUE(rec.resync().isOk());
  out = rec.reconcile();
  LONGS_EQUAL(1, out.applied.size());
  CHECK_TRUE(rec.converged());
  CHECK(dp.routes.at(r.prefix) == r);
}

TEST(RouteDiff, AdoptionMakesNoChanges) {
  FakeDataplane dp;
  Route r = route("203.0.113.10/32", {"192.0.2.2", "192.0.2.6"});
  dp.routes[r.prefix] = r;
  Reconciler rec(dp);
  CHECK_TRUE(rec.resync().isOk());
  rec.setDesired(r.prefix, r);
  auto out = rec.reconcile();
  LONGS_EQUAL(0, out.applied.size());
  LONGS_EQUAL(0, dp.writes);
  CHECK_TRUE(rec.converged());
}

TEST(RouteDiff, UnconfiguredRouteRemoved) {
  FakeDataplane dp;
  Route stale = route("203.0.113.99/32", {"192.0.2.2"});
  dp.routes[stale.prefix] = stale;
  Reconciler rec(dp);
  CHECK_TRUE(rec.resync().isOk());
  auto out = rec.reconcile();
  LONGS_EQUAL(1, out.applied.size());
  CHECK(out.applied[0].kind == RouteOpKind::kRemove);
  CHECK_TRUE(dp.routes.empty());
}

TEST(RouteDiff, RestrictedToTheGivenPrefixes) {
  RouteMap desired =
      mapOf({route("203.0.113.10/32", {"192.0.2.2", "192.0.2.6"}), route("203.0.113.11/32", {"192.0.2.2"})});
  RouteMap programmed =
      mapOf({route("203.0.113.10/32", {"192.0.2.2"}), route("203.0.113.12/32", {"192.0.2.2"})});
  std::string err;
  PrefixSet only{*IpPrefix::parse("203.0.113.12/32", &err), *IpPrefix::parse("203.0.113.11/32", &err),
                 *IpPrefix::parse("203.0.113.99/32", &err)};
  auto ops = diffRoutes(desired, programmed, only);
  LONGS_EQUAL(2, ops.size());  // .10 differs but was not asked for; .99 is in neither
  CHECK(ops[0].kind == RouteOpKind::kRemove);
  STRCMP_EQUAL("203.0.113.12/32", ops[0].route.prefix.str().c_str());
  CHECK(ops[1].kind == RouteOpKind::kAdd);
  STRCMP_EQUAL("203.0.113.11/32", ops[1].route.prefix.str().c_str());
  CHECK(diffRoutes(desired, programmed, differingPrefixes(desired, programmed)) ==
        diffRoutes(desired, programmed));
  LONGS_EQUAL(3, differingPrefixes(desired, programmed).size());
  CHECK_TRUE(differingPrefixes(desired, desired).empty());
}

TEST(RouteDiff, TagChangeIsAReplace) {
  Route a = route("203.0.113.10/32", {"192.0.2.2"});
  Route b = a;
  b.tag = 65020;
  auto ops = diffRoutes(mapOf({b}), mapOf({a}));
  LONGS_EQUAL(1, ops.size());
  CHECK(ops[0].kind == RouteOpKind::kReplace);
  LONGS_EQUAL(65020, ops[0].route.tag);
}

// The reconciler touches only the prefixes changed since the dataplane last agreed; an unchanged desired
// route is no change; a resync finds what changed behind its back.
TEST(RouteDiff, ReconcilerWorksOnChangedPrefixesOnly) {
  FakeDataplane dp;
  Reconciler rec(dp);
  CHECK_TRUE(rec.resync().isOk());
  std::vector<Route> routes;
  for (int i = 0; i < 200; ++i)
    routes.push_back(route(("198.51.100." + std::to_string(i) + "/32").c_str(), {"192.0.2.2", "192.0.2.6"}));
  for (const Route& r : routes) rec.setDesired(r.prefix, r);
  LONGS_EQUAL(200, rec.reconcile().applied.size());
  CHECK_TRUE(rec.converged());

  rec.setDesired(routes[7].prefix, routes[7]);  // the same route again
  CHECK_TRUE(rec.converged());
  LONGS_EQUAL(0, rec.reconcile().applied.size());

  Route changed = route("198.51.100.7/32", {"192.0.2.2"});
  rec.setDesired(changed.prefix, changed);
  rec.setDesired(routes[9].prefix, std::nullopt);
  CHECK_FALSE(rec.converged());
  const int writes = dp.writes;
  auto out = rec.reconcile();
  LONGS_EQUAL(2, out.applied.size());
  CHECK(out.applied[0].kind == RouteOpKind::kRemove);
  CHECK(out.applied[1].kind == RouteOpKind::kReplace);
  LONGS_EQUAL(writes + 2, dp.writes);
  CHECK_TRUE(rec.converged());
  CHECK(dp.routes.at(changed.prefix) == changed);
  CHECK_FALSE(dp.routes.count(routes[9].prefix));

  // Changed back and forth before a reconcile: nothing to do.
  rec.setDesired(routes[3].prefix, changed);
  rec.setDesired(routes[3].prefix, routes[3]);
  LONGS_EQUAL(0, rec.reconcile().applied.size());
  CHECK_TRUE(rec.converged());

  // Someone deletes one route and alters another: a resync finds exactly those two.
  dp.routes.erase(routes[20].prefix);
  dp.routes[routes[21].prefix].nexthops.pop_back();
  rec.markNeedsResync();
  CHECK_FALSE(rec.converged());
  CHECK_TRUE(rec.resync().isOk());
  out = rec.reconcile();
  LONGS_EQUAL(2, out.applied.size());
  CHECK(out.applied[0].kind == RouteOpKind::kReplace || out.applied[1].kind == RouteOpKind::kReplace);
  CHECK_TRUE(rec.converged());
  CHECK(dp.routes.at(routes[20].prefix) == routes[20]);
  CHECK(dp.routes.at(routes[21].prefix) == routes[21]);
}

TEST(RouteDiff, FailedPrefixStaysPendingOthersApply) {
  FakeDataplane dp;
  Reconciler rec(dp);
  CHECK_TRUE(rec.resync().isOk());
  Route a = route("203.0.113.10/32", {"192.0.2.2"});
  Route b = route("203.0.113.11/32", {"192.0.2.2"});
  rec.setDesired(a.prefix, a);
  rec.setDesired(b.prefix, b);
  dp.fail_next = true;          // a fails (prefix order), b applies
  std::vector<IpPrefix> heard;  // each success is heard as it happens, when the dataplane holds it
  auto out = rec.reconcile([&](const RouteOp& op) {
    CHECK_TRUE(dp.routes.count(op.route.prefix) == 1);
    heard.push_back(op.route.prefix);
  });
  LONGS_EQUAL(1, heard.size());
  CHECK(heard[0] == b.prefix);
  LONGS_EQUAL(1, out.failed.size());
  LONGS_EQUAL(1, out.applied.size());
  CHECK_FALSE(rec.converged());
  CHECK_TRUE(rec.resync().isOk());
  CHECK_FALSE(rec.converged());
  out = rec.reconcile();
  LONGS_EQUAL(1, out.applied.size());
  CHECK(out.applied[0].route == a);
  CHECK_TRUE(rec.converged());
}
