// The probe registry without probes: a factory that records which keys got a probe and keeps their report
// callbacks, so that the tests feed results by hand. Sharing by key, exec checks per VIP, reference
// counting, state kept across re-subscription, fan-out, forced down, adoption.
#include "agent/probes/probe_registry.h"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using namespace anycastd;

namespace {

IpAddress ip(const char* s) {
  return *IpAddress::parse(s);
}

CheckConfig tcp(uint16_t port, uint32_t rise = 2, uint32_t fall = 2) {
  CheckConfig c;
  c.port = port;
  c.rise = rise;
  c.fall = fall;
  return c;
}

struct Heard {
  int results = 0;
  std::vector<HealthTransition> transitions;
};

ProbeRegistry::Listener listen(Heard& h) {
  return [&h](const ProbeResult* r, const HealthTransition* t) {
    if (r) ++h.results;
    if (t) h.transitions.push_back(*t);
  };
}

struct Factory {
  std::vector<ProbeKey> made;
  std::vector<Prober::Callback> reports;
  ProbeRegistry::ProberFactory make() {
    return [this](const ProbeKey& key, Prober::Callback report) -> std::unique_ptr<Prober> {
      made.push_back(key);
      reports.push_back(std::move(report));
      return nullptr;
    };
  }
};

const ProbeResult kPass{true, ""};
const ProbeResult kFail{false, "connection refused"};

}  // namespace

TEST_GROUP(ProbeRegistry) {
  Factory factory;
  int64_t now = 1000;
  ProbeRegistry registry{factory.make(), [this] { return now; }};
};

TEST(ProbeRegistry, IdenticalKeysShareOneProbe) {
  Heard a, b, c;
  // Ten VIPs on the same two servers with the same check: two probes.
  std::vector<ProbeRegistry::Subscription> subs;
  for (int vip = 0; vip < 10; ++vip) {
    const std::string name = "v" + std::to_string(vip);
    subs.push_back(registry.subscribe(makeProbeKey(tcp(80), ip("192.0.2.2"), name, "203.0.113.1/32", "s1"),
                                      HealthState::kDown, listen(a)));
    subs.push_back(registry.subscribe(makeProbeKey(tcp(80), ip("192.0.2.6"), name, "203.0.113.1/32", "s2"),
                                      HealthState::kDown, listen(b)));
  }
  LONGS_EQUAL(2, registry.keys());
  LONGS_EQUAL(0, registry.probes());  // not started
  LONGS_EQUAL(0, factory.made.size());
  registry.start();
  LONGS_EQUAL(2, registry.probes());
  LONGS_EQUAL(2, factory.made.size());
  // A different check of the same server is a key of its own, probed at once since the registry runs.
  auto other = registry.subscribe(makeProbeKey(tcp(443), ip("192.0.2.2"), "v0", "203.0.113.1/32", "s1"),
                                  HealthState::kDown, listen(c));
  LONGS_EQUAL(3, registry.probes());
  LONGS_EQUAL(3, factory.made.size());
  LONGS_EQUAL(10, subs[0].state().subscribers);
}

TEST(ProbeRegistry, ExecChecksArePerVipAndServer) {
  CheckConfig exec;
  exec.kind = CheckKind::kExec;
  exec.exec.command = "/bin/true";
  Heard h;
  auto a = registry.subscribe(makeProbeKey(exec, ip("192.0.2.2"), "web", "203.0.113.1/32", "s1"),
                              HealthState::kDown, listen(h));
  auto b = registry.subscribe(makeProbeKey(exec, ip("192.0.2.2"), "api", "203.0.113.2/32", "s1"),
                              HealthState::kDown, listen(h));
  auto c = registry.subscribe(makeProbeKey(exec, ip("192.0.2.2"), "web", "203.0.113.1/32", "s1"),
                              HealthState::kDown, listen(h));
  LONGS_EQUAL(2, registry.keys());
  STRCMP_EQUAL("api", b.key().vip_name.c_str());
  STRCMP_EQUAL("203.0.113.2/32", b.key().vip_prefix.c_str());
  // Other kinds carry no VIP in their key.
  STRCMP_EQUAL("", makeProbeKey(tcp(80), ip("192.0.2.2"), "web", "203.0.113.1/32", "s1").vip_name.c_str());
}

TEST(ProbeRegistry, ResultsFanOutWithTheirTransition) {
  Heard a, b;
  auto sa = registry.subscribe(makeProbeKey(tcp(80), ip("192.0.2.2"), "v1", "p", "s1"), HealthState::kDown,
                               listen(a));
  auto sb = registry.subscribe(makeProbeKey(tcp(80), ip("192.0.2.2"), "v2", "p", "s1"), HealthState::kDown,
                               listen(b));
  registry.start();
  LONGS_EQUAL(1, factory.reports.size());
  factory.reports[0](kPass);
  LONGS_EQUAL(1, a.results);
  LONGS_EQUAL(1, b.results);
  CHECK(a.transitions.empty());
  now = 2000;
  factory.reports[0](kPass);  // rise 2
  LONGS_EQUAL(1, a.transitions.size());
  LONGS_EQUAL(1, b.transitions.size());
  CHECK(b.transitions[0].to == HealthState::kUp);
  CHECK(sa.state().health.state() == HealthState::kUp);
  CHECK(sa.state().last_ok);
  LONGS_EQUAL(2000, sa.state().last_unix_ms);
  LONGS_EQUAL(2, sa.state().results);
  factory.reports[0](kFail);
  CHECK_FALSE(sb.state().last_ok);
  LONGS_EQUAL(2, sb.state().results);  // counted up to rise only
  factory.reports[0](kFail);
  LONGS_EQUAL(2, b.transitions.size());
  STRCMP_EQUAL("2 failures, last: connection refused", b.transitions[1].reason.c_str());
}

TEST(ProbeRegistry, TheLastSubscriptionGoneStopsTheProbe) {
  Heard h;
  registry.start();
  auto key = makeProbeKey(tcp(80), ip("192.0.2.2"), "v1", "p", "s1");
  auto a = registry.subscribe(key, HealthState::kDown, listen(h));
  {
    auto b = registry.subscribe(key, HealthState::kDown, listen(h));
    LONGS_EQUAL(2, a.state().subscribers);
  }
  LONGS_EQUAL(1, a.state().subscribers);
  LONGS_EQUAL(1, registry.probes());
  ProbeRegistry::Subscription moved = std::move(a);
  CHECK_FALSE(a);
  CHECK_TRUE(moved);
  LONGS_EQUAL(1, registry.probes());
  moved.reset();
  LONGS_EQUAL(0, registry.probes());
  LONGS_EQUAL(0, registry.keys());
}

TEST(ProbeRegistry, ResubscribingBeforeReleasingKeepsTheState) {
  Heard h;
  registry.start();
  auto key = makeProbeKey(tcp(80, 1), ip("192.0.2.2"), "v1", "p", "s1");
  auto old = registry.subscribe(key, HealthState::kDown, listen(h));
  factory.reports[0](kPass);
  CHECK(old.state().health.state() == HealthState::kUp);
  // A reload: the new config subscribes first (offering down, as for a new key), then the old goes.
  auto renewed = registry.subscribe(key, HealthState::kDown, listen(h));
  old.reset();
  CHECK(renewed.state().health.state() == HealthState::kUp);
  LONGS_EQUAL(1, factory.made.size());  // the same probe all along
}

TEST(ProbeRegistry, ForceDownTakesEveryCheckOfTheAddressDown) {
  Heard a, b, other;
  auto sa = registry.subscribe(makeProbeKey(tcp(80, 1), ip("192.0.2.2"), "v", "p", "s1"), HealthState::kUp,
                               listen(a));
  auto sb = registry.subscribe(makeProbeKey(tcp(443, 1), ip("192.0.2.2"), "v", "p", "s1"), HealthState::kDown,
                               listen(b));
  auto so = registry.subscribe(makeProbeKey(tcp(80, 1), ip("192.0.2.6"), "v", "p", "s2"), HealthState::kUp,
                               listen(other));
  registry.forceDown(ip("192.0.2.2"), "link eth-s1 down");
  LONGS_EQUAL(1, a.transitions.size());
  STRCMP_EQUAL("link eth-s1 down", a.transitions[0].reason.c_str());
  CHECK(b.transitions.empty());  // already down: no transition
  CHECK(other.transitions.empty());
  CHECK(sa.state().health.state() == HealthState::kDown);
  CHECK(so.state().health.state() == HealthState::kUp);
  STRCMP_EQUAL("link eth-s1 down", sb.state().health.lastFailure().c_str());
}

TEST(ProbeRegistry, AnAdoptedServerIsUpWhoeverSubscribedFirst) {
  Heard h;
  auto key = makeProbeKey(tcp(80), ip("192.0.2.2"), "v", "p", "s1");
  auto first = registry.subscribe(key, HealthState::kDown, listen(h));
  auto adopted = registry.subscribe(key, HealthState::kUp, listen(h));
  CHECK(first.state().health.state() == HealthState::kUp);
  // Once the check has results, its state is its own.
  registry.start();
  factory.reports[0](kFail);
  factory.reports[0](kFail);
  auto late = registry.subscribe(key, HealthState::kUp, listen(h));
  CHECK(late.state().health.state() == HealthState::kDown);
}

TEST(ProbeRegistry, StopDropsTheProbesButKeepsTheState) {
  Heard h;
  auto s = registry.subscribe(makeProbeKey(tcp(80, 1), ip("192.0.2.2"), "v", "p", "s1"), HealthState::kDown,
                              listen(h));
  registry.start();
  factory.reports[0](kPass);
  registry.stop();
  LONGS_EQUAL(0, registry.probes());
  LONGS_EQUAL(1, registry.keys());
  CHECK(s.state().health.state() == HealthState::kUp);
}
