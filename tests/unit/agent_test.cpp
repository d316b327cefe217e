// The Agent shell driven end to end without a kernel, a socket or a sleep: a fake dataplane that can fail,
// a fake clock and fake probers whose results the tests report by hand (tests/fakes/). Each test asserts
// on the routes the dataplane holds and on Agent::snapshot().
#include "agent/agent.h"

#include <CppUTest/TestHarness.h>

#include <cerrno>
#include <memory>
#include <string>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_dataplane.h"
#include "tests/fakes/fake_prober.h"
#include "tests/unit/loop_pump.h"

using namespace anycastd;
using test::FakeClock;
using test::FakeDataplane;
using test::FakeProbers;

namespace {

IpAddress addr(const char* text) {
  return *IpAddress::parse(text);
}

IpPrefix prefix(const char* text) {
  std::string err;
  return *IpPrefix::parse(text, &err);
}

const IpAddress kS1 = addr("192.0.2.2");
const IpAddress kS2 = addr("192.0.2.6");
const IpAddress kS3 = addr("192.0.2.10");
const IpPrefix kWeb = prefix("203.0.113.10/32");

VipConfig webVip() {
  VipConfig v;
  v.name = "web";
  v.prefix = kWeb;
  CheckConfig c;
  c.port = 80;
  c.rise = 2;
  c.fall = 3;
  v.checks = {c};
  v.servers = {{"s1", kS1, 1, {}}, {"s2", kS2, 1, {}}, {"s3", kS3, 1, {}}};
  return v;
}

AgentConfig configOf(std::vector<VipConfig> vips) {
  AgentConfig c;
  c.vips = std::move(vips);
  return c;
}

// Members in this order: the agent goes first (it unhooks itself from the dataplane).
struct World {
  EventLoop loop;
  FakeDataplane dataplane;
  FakeClock clock;
  FakeProbers probers;
  std::unique_ptr<Agent> agent;

  explicit World(AgentConfig config) {
    agent = std::make_unique<Agent>(loop, std::move(config), dataplane, AgentDeps{&clock, probers.factory()});
  }
  void start() { CHECK_TRUE(agent->start().isOk()); }
  // `n` results for `server`, then the transitions of this moment applied (as at the end of the loop's turn).
  void pass(const IpAddress& server, int n = 1) {
    for (int i = 0; i < n; ++i) probers.pass(server);
    agent->reconcilePending();
  }
  void fail(const IpAddress& server, int n = 1) {
    for (int i = 0; i < n; ++i) probers.fail(server, "connection refused");
    agent->reconcilePending();
  }
  // The next hops the dataplane holds for the VIP, as "gw*weight ..." ("" if no route).
  std::string route(const IpPrefix& p = kWeb) const {
    auto it = dataplane.routes.find(p);
    return it == dataplane.routes.end() ? "" : describe(it->second.nexthops);
  }
  VipSnapshot vip(const std::string& name = "web") const {
    for (VipSnapshot& v : agent->snapshot())
      if (v.name == name) return v;
    FAIL(("no vip " + name).c_str());
    return {};
  }
};

}  // namespace

TEST_GROUP(Agent){};

TEST(Agent, StartsWithAnEmptyDataplaneAndAnnouncesAfterRise) {
  World w(configOf({webVip()}));
  w.start();
  LONGS_EQUAL(3, w.probers.made());
  STRCMP_EQUAL("", w.route().c_str());
  VipSnapshot v = w.vip();
  CHECK(v.state == VipState::kWithdrawn);
  for (const ServerSnapshot& s : v.servers) CHECK(s.health == HealthState::kDown);
  CHECK_TRUE(w.agent->converged());

  w.pass(kS1);
  STRCMP_EQUAL("", w.route().c_str());  // rise is 2
  w.pass(kS1);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  v = w.vip();
  CHECK(v.state == VipState::kAnnounced);
  LONGS_EQUAL(1, v.healthy);
  CHECK(v.servers[0].health == HealthState::kUp);
  CHECK_TRUE(v.servers[0].in_route);
  LONGS_EQUAL(w.clock.unixMs(), v.since_unix_ms);

  // Initial routes are complete once every server has had its first verdict.
  CHECK_FALSE(w.dataplane.initial_routes_complete);
  w.fail(kS2, 2);
  w.fail(kS3, 2);
  CHECK_TRUE(w.dataplane.initial_routes_complete);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
}

TEST(Agent, AdoptsTheRouteOfAPreviousRun) {
  World w(configOf({webVip()}));
  w.dataplane.routes[kWeb] = Route{kWeb, {{kS1, 1}, {kS2, 1}}};
  Route stale{prefix("203.0.113.99/32"), {{kS3, 1}}};  // no longer configured
  w.dataplane.routes[stale.prefix] = stale;
  w.start();
  VipSnapshot v = w.vip();
  CHECK(v.state == VipState::kAnnounced);
  CHECK(v.servers[0].health == HealthState::kUp);
  CHECK(v.servers[1].health == HealthState::kUp);
  CHECK(v.servers[2].health == HealthState::kDown);
  STRCMP_EQUAL("adopted from the route of a previous run", v.servers[0].last_change.c_str());
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
  CHECK_FALSE(w.dataplane.routes.count(stale.prefix));
  LONGS_EQUAL(1, w.dataplane.writes);  // only the stale route's removal
}

TEST(Agent, AStartThatMustNotAdoptStartsEveryServerDown) {
  World w(configOf({webVip()}));
  w.dataplane.routes[kWeb] = Route{kWeb, {{kS1, 1}, {kS2, 1}}};
  CHECK_TRUE(w.agent->start(false).isOk());
  VipSnapshot v = w.vip();
  CHECK(v.state == VipState::kWithdrawn);
  CHECK(v.servers[0].health == HealthState::kDown);
  STRCMP_EQUAL("", w.route().c_str());  // withdrawn until the servers pass their checks
  w.pass(kS1, 2);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
}

TEST(Agent, EveryServerCheckedComesOnceEveryCheckRanRiseProbesAdoptedServersIncluded) {
  // Declared before the world, so that it outlives the agent that reports to it.
  struct : AgentObserver {
    int checked = 0;
    void everyServerChecked() override { ++checked; }
  } counter;
  World w(configOf({webVip()}));
  w.agent->addObserver(counter);
  w.dataplane.routes[kWeb] = Route{kWeb, {{kS1, 1}, {kS2, 1}, {kS3, 1}}};
  int& checked = counter.checked;
  w.start();
  CHECK_TRUE(w.dataplane.initial_routes_complete);  // adopted servers count as judged at once
  LONGS_EQUAL(0, checked);                          // but their checks have not run
  w.pass(kS1, 2);
  w.pass(kS2, 2);
  w.pass(kS3);
  LONGS_EQUAL(0, checked);
  w.fail(kS3);
  LONGS_EQUAL(1, checked);
  w.pass(kS3, 3);
  LONGS_EQUAL(1, checked);
}

TEST(Agent, FallTakesAServerOutAfterFallFailures) {
  World w(configOf({webVip()}));
  w.start();
  w.pass(kS1, 2);
  w.pass(kS2, 2);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
  w.fail(kS2, 2);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());  // fall is 3
  w.fail(kS2);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  VipSnapshot v = w.vip();
  CHECK(v.servers[1].health == HealthState::kDown);
  STRCMP_CONTAINS("connection refused", v.servers[1].last_change.c_str());
  w.fail(kS1, 3);
  STRCMP_EQUAL("", w.route().c_str());
  CHECK(w.vip().state == VipState::kWithdrawn);
}

TEST(Agent, ProbesTheAgentCouldNotRunKeepTheServersAsTheyAre) {
  World w(configOf({webVip()}));
  w.start();
  w.pass(kS1, 2);
  w.pass(kS2, 2);
  for (int i = 0; i < 20; ++i) {
    w.probers.noVerdict(kS1, EMFILE);
    w.probers.noVerdict(kS2, ENFILE);
    w.probers.noVerdict(kS3, EMFILE);
  }
  w.agent->reconcilePending();
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
  VipSnapshot v = w.vip();
  CHECK(v.servers[0].health == HealthState::kUp);
  CHECK(v.servers[1].health == HealthState::kUp);
  CHECK(v.servers[2].health == HealthState::kDown);
  w.pass(kS3);  // s3's rise progress is its passes alone
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
  w.pass(kS3);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6 192.0.2.10", w.route().c_str());
}

TEST(Agent, MinHealthyWithdrawsWhenTooFew) {
  VipConfig vc = webVip();
  vc.min_healthy = 2;
  World w(configOf({vc}));
  w.start();
  w.pass(kS1, 2);
  STRCMP_EQUAL("", w.route().c_str());
  CHECK(w.vip().state == VipState::kWithdrawn);
  w.pass(kS2, 2);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
  LONGS_EQUAL(2, w.vip().min_healthy);
  w.fail(kS2, 3);
  STRCMP_EQUAL("", w.route().c_str());  // one healthy server left: below min_healthy
  CHECK(w.vip().state == VipState::kWithdrawn);
}

TEST(Agent, DrainAndUndrainAVip) {
  // Declared before the world, so that it outlives the agent that reports to it.
  struct : AgentObserver {
    int persisted = 0;
    void drainsChanged() override { ++persisted; }
  } saver;
  World w(configOf({webVip()}));
  w.agent->addObserver(saver);
  int& persisted = saver.persisted;
  w.start();
  w.pass(kS1, 2);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  CHECK_TRUE(w.agent->setDrain("web", "", DrainInfo{"ops", w.clock.unixMs(), "maintenance"}).isOk());
  STRCMP_EQUAL("", w.route().c_str());
  VipSnapshot v = w.vip();
  CHECK(v.state == VipState::kDrained);
  CHECK_TRUE(v.drain.has_value());
  STRCMP_EQUAL("maintenance", v.drain->reason.c_str());
  LONGS_EQUAL(1, w.agent->drains().size());
  LONGS_EQUAL(1, persisted);

  CHECK_TRUE(w.agent->setDrain("web", "", std::nullopt).isOk());
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  CHECK(w.vip().state == VipState::kAnnounced);
  CHECK_TRUE(w.agent->drains().empty());
  LONGS_EQUAL(2, persisted);

  CHECK_FALSE(w.agent->setDrain("web", "", std::nullopt).isOk());  // not drained
  CHECK_FALSE(w.agent->setDrain("nope", "", DrainInfo{"ops", 0, ""}).isOk());
  CHECK_FALSE(w.agent->setDrain("web", "s9", DrainInfo{"ops", 0, ""}).isOk());
  LONGS_EQUAL(2, persisted);
}

TEST(Agent, DrainAndUndrainAServer) {
  World w(configOf({webVip()}));
  w.start();
  w.pass(kS1, 2);
  w.pass(kS2, 2);
  CHECK_TRUE(w.agent->setDrain("web", "s1", DrainInfo{"ops", w.clock.unixMs(), ""}).isOk());
  STRCMP_EQUAL("192.0.2.6", w.route().c_str());
  VipSnapshot v = w.vip();
  CHECK(v.state == VipState::kAnnounced);
  CHECK_TRUE(v.servers[0].drain.has_value());
  CHECK(v.servers[0].health == HealthState::kUp);  // still probed and healthy
  CHECK_FALSE(v.servers[0].in_route);
  LONGS_EQUAL(1, w.agent->drains().size());
  STRCMP_EQUAL("s1", w.agent->drains()[0].server.c_str());

  CHECK_TRUE(w.agent->setDrain("web", "s1", std::nullopt).isOk());
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
}

TEST(Agent, RestoredDrainsApplyFromTheStart) {
  World w(configOf({webVip()}));
  w.agent->restoreDrains({{"web", "s2", DrainInfo{"ops", 1, "kept"}}, {"gone", "", DrainInfo{"ops", 1, ""}}});
  w.start();
  w.pass(kS1, 2);
  w.pass(kS2, 2);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  LONGS_EQUAL(1, w.agent->drains().size());
}

TEST(Agent, DampeningSuppressesAFlappingVipUntilThePenaltyDecays) {
  VipConfig vc = webVip();  // default dampening: 1000 per withdrawal, suppressed at 3000, reused below 750
  World w(configOf({vc}));
  w.start();
  for (int flap = 0; flap < 3; ++flap) {
    w.pass(kS1, 2);
    STRCMP_EQUAL("192.0.2.2", w.route().c_str());
    w.fail(kS1, 3);
    STRCMP_EQUAL("", w.route().c_str());
  }
  LONGS_EQUAL(3000, w.vip().dampening_penalty);  // the fake clock stood still: no decay
  CHECK_TRUE(w.vip().suppressed_until_unix_ms > w.clock.unixMs());
  w.pass(kS1, 2);
  VipSnapshot v = w.vip();
  CHECK(v.servers[0].health == HealthState::kUp);
  STRCMP_EQUAL("", w.route().c_str());  // suppressed: kept withdrawn
  CHECK(v.state == VipState::kWithdrawn);

  // Two half-lives later the penalty is 750: still not below reuse. Four: 187, and the next decision
  // announces the VIP.
  w.clock.advance(std::chrono::seconds(30));
  LONGS_EQUAL(750, w.vip().dampening_penalty);
  w.pass(kS2, 2);
  STRCMP_EQUAL("", w.route().c_str());
  w.clock.advance(std::chrono::seconds(30));
  LONGS_EQUAL(188, w.vip().dampening_penalty);
  w.pass(kS3, 2);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6 192.0.2.10", w.route().c_str());
  CHECK(w.vip().state == VipState::kAnnounced);
}

TEST(Agent, SlowStartRampsAComebackServersWeight) {
  VipConfig vc = webVip();
  vc.slow_start_s = 32;
  World w(configOf({vc}));
  w.start();
  w.pass(kS1, 2);
  w.pass(kS2, 2);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());  // first verdicts: no ramp
  w.fail(kS2, 3);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  w.pass(kS2, 2);  // back: 1/8 of its weight
  STRCMP_EQUAL("192.0.2.2*8 192.0.2.6", w.route().c_str());
  LONGS_EQUAL(12, w.vip().servers[1].slow_start_percent);

  // Half-way, the next decision gives it half its weight; at the end, all of it.
  w.clock.advance(std::chrono::seconds(16));
  LONGS_EQUAL(50, w.vip().servers[1].slow_start_percent);
  CHECK_TRUE(w.agent->setDrain("web", "s3", DrainInfo{"ops", 0, ""}).isOk());
  STRCMP_EQUAL("192.0.2.2*8 192.0.2.6*4", w.route().c_str());
  w.clock.advance(std::chrono::seconds(16));
  CHECK_TRUE(w.agent->setDrain("web", "s3", std::nullopt).isOk());
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
  LONGS_EQUAL(0, w.vip().servers[1].slow_start_percent);
}

TEST(Agent, ReloadAddsRemovesAndChangesKeepingHealth) {
  VipConfig dns;
  dns.name = "dns";
  dns.prefix = prefix("203.0.113.53/32");
  dns.checks = webVip().checks;
  dns.servers = {{"d1", addr("192.0.2.53"), 1, {}}};
  World w(configOf({webVip(), dns}));
  w.start();
  w.pass(kS1, 2);
  w.pass(kS2, 2);
  w.pass(addr("192.0.2.53"), 2);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
  STRCMP_EQUAL("192.0.2.53", w.route(dns.prefix).c_str());

  VipConfig web = webVip();
  web.servers = {{"s1", kS1, 1, {}}, {"s2", addr("192.0.2.7"), 1, {}}, {"s4", addr("192.0.2.14"), 1, {}}};
  VipConfig mail = dns;
  mail.name = "mail";
  mail.prefix = prefix("203.0.113.25/32");
  AgentConfig next = configOf({web, mail});
  CHECK_TRUE(w.agent->reloadBlocker(next).isOk());
  AgentConfig moved_metrics = next;  // applied only at start: refused, never accepted and ignored
  moved_metrics.metrics_listen = "127.0.0.1:9371";
  STRCMP_EQUAL("metrics.listen changed; that needs a restart of anycastd",
               w.agent->reloadBlocker(moved_metrics).message.c_str());
  ReloadSummary summary = w.agent->reload(next);
  LONGS_EQUAL(1, summary.added.size());
  STRCMP_EQUAL("mail", summary.added[0].c_str());
  LONGS_EQUAL(1, summary.removed.size());
  STRCMP_EQUAL("dns", summary.removed[0].c_str());
  LONGS_EQUAL(1, summary.changed.size());
  STRCMP_EQUAL("web", summary.changed[0].c_str());
  CHECK_TRUE(summary.unchanged.empty());

  // s1 kept its health; s2 has a new address and starts over, down; dns is withdrawn; mail's server has the
  // check dns had (one probe per address and check): it is up at once.
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  VipSnapshot v = w.vip();
  CHECK(v.servers[0].health == HealthState::kUp);
  CHECK(v.servers[1].health == HealthState::kDown);
  STRCMP_EQUAL("added by a reload: down until proven", v.servers[1].last_change.c_str());
  STRCMP_EQUAL("", w.route(dns.prefix).c_str());
  STRCMP_EQUAL("192.0.2.53", w.route(mail.prefix).c_str());
  LONGS_EQUAL(2, w.agent->snapshot().size());

  // The same config again changes nothing.
  summary = w.agent->reload(next);
  LONGS_EQUAL(2, summary.unchanged.size());
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
}

TEST(Agent, ReloadSwappingPrefixesKeepsBothRoutes) {
  VipConfig a = webVip();
  a.name = "a";
  VipConfig b = webVip();
  b.name = "b";
  b.prefix = prefix("203.0.113.20/32");
  World w(configOf({a, b}));
  w.start();
  w.pass(kS1, 2);
  STRCMP_EQUAL("192.0.2.2", w.route(a.prefix).c_str());
  STRCMP_EQUAL("192.0.2.2", w.route(b.prefix).c_str());
  std::swap(a.prefix, b.prefix);
  ReloadSummary summary = w.agent->reload(configOf({a, b}));
  LONGS_EQUAL(2, summary.changed.size());
  STRCMP_EQUAL("192.0.2.2", w.route(a.prefix).c_str());
  STRCMP_EQUAL("192.0.2.2", w.route(b.prefix).c_str());
}

TEST(Agent, DataplaneFailureIsRetriedUntilTheRouteHolds) {
  // Declared before the world, so that it outlives the agent that reports to it.
  struct : AgentObserver {
    std::vector<std::string> errors;
    void dataplaneError(const char* op) override { errors.push_back(op); }
  } recorder;
  World w(configOf({webVip()}));
  w.agent->addObserver(recorder);
  std::vector<std::string>& errors = recorder.errors;
  w.start();
  w.dataplane.fail_writes = 2;
  w.pass(kS1, 2);
  STRCMP_EQUAL("", w.route().c_str());
  CHECK_FALSE(w.agent->converged());
  LONGS_EQUAL(1, errors.size());
  STRCMP_EQUAL("add", errors[0].c_str());
  // The retries run on the loop's timer (100 ms, then 200 ms): wait for the state, not for a time.
  CHECK_TRUE(test::pumpUntil(w.loop, [&] { return w.agent->converged(); }));
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  LONGS_EQUAL(2, w.dataplane.failed_writes);
  LONGS_EQUAL(2, errors.size());
  CHECK_TRUE(w.vip().servers[0].in_route);
}

TEST(Agent, AFailedOrphanRemovalAtStartResynchronises) {
  // KernelDataplane fails removeOrphans when a blackhole stand-in it added could not be deleted: the agent
  // must read the dataplane again (the fresh read holds the stand-in, which it then removes).
  World w(configOf({webVip()}));
  w.dataplane.fail_orphans = true;
  w.start();
  const int reads_at_start = w.dataplane.reads;
  CHECK_FALSE(w.agent->converged());
  CHECK_TRUE(test::pumpUntil(w.loop, [&] { return w.agent->converged(); }));
  CHECK_TRUE(w.dataplane.reads > reads_at_start);
}

TEST(Agent, WithdrawAllRemovesEveryRoute) {
  World w(configOf({webVip()}));
  w.start();
  w.pass(kS1, 2);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  CHECK_TRUE(w.agent->withdrawAll());
  CHECK_TRUE(w.dataplane.routes.empty());
}

TEST(Agent, UnreachableNexthopTakesItsServerOutAtOnce) {
  World w(configOf({webVip()}));
  w.start();
  w.pass(kS1, 2);
  w.pass(kS2, 2);
  w.dataplane.reportUnreachable({kS2}, "link eth-s2 down");
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());
  CHECK(w.vip().servers[1].health == HealthState::kDown);
  w.pass(kS2);
  STRCMP_EQUAL("192.0.2.2", w.route().c_str());  // back after rise passes
  w.pass(kS2);
  STRCMP_EQUAL("192.0.2.2 192.0.2.6", w.route().c_str());
}
