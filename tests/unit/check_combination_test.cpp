// Several checks of one server: ALL/ANY combination and the labels that tell them apart.
#include "agent/core/check_combination.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;

namespace {
constexpr HealthState kUp = HealthState::kUp;
constexpr HealthState kDown = HealthState::kDown;
}  // namespace

TEST_GROUP(CheckCombination){};

TEST(CheckCombination, AllNeedsEveryCheckUp) {
  CHECK(combineChecks(CheckMode::kAll, {kUp}) == kUp);
  CHECK(combineChecks(CheckMode::kAll, {kUp, kUp, kUp}) == kUp);
  CHECK(combineChecks(CheckMode::kAll, {kUp, kDown}) == kDown);
  CHECK(combineChecks(CheckMode::kAll, {kDown, kUp}) == kDown);
  CHECK(combineChecks(CheckMode::kAll, {kDown}) == kDown);
}

TEST(CheckCombination, AnyNeedsOneCheckUp) {
  CHECK(combineChecks(CheckMode::kAny, {kUp, kDown}) == kUp);
  CHECK(combineChecks(CheckMode::kAny, {kDown, kDown, kUp}) == kUp);
  CHECK(combineChecks(CheckMode::kAny, {kDown, kDown}) == kDown);
}

TEST(CheckCombination, NoChecksIsDown) {
  CHECK(combineChecks(CheckMode::kAll, {}) == kDown);
  CHECK(combineChecks(CheckMode::kAny, {}) == kDown);
}

TEST(CheckCombination, LabelsSayWhatIsProbed) {
  CheckConfig tcp;
  tcp.port = 80;
  STRCMP_EQUAL("tcp:80", checkLabel(tcp).c_str());
  CheckConfig http;
  http.kind = CheckKind::kHttp;
  http.port = 8080;
  http.http_path = "/healthz";
  STRCMP_EQUAL("http:8080/healthz", checkLabel(http).c_str());
  CheckConfig dns;
  dns.kind = CheckKind::kDns;
  dns.port = 53;
  dns.dns.name = "example.test";
  STRCMP_EQUAL("dns:53 example.test", checkLabel(dns).c_str());
  CheckConfig icmp;
  icmp.kind = CheckKind::kIcmp;
  STRCMP_EQUAL("icmp", checkLabel(icmp).c_str());
  CheckConfig exec;
  exec.kind = CheckKind::kExec;
  exec.exec.command = "/usr/lib/anycastd/check-db";
  STRCMP_EQUAL("exec:/usr/lib/anycastd/check-db", checkLabel(exec).c_str());
  CheckConfig bound = tcp;
  bound.vrf = "red";
  STRCMP_EQUAL("tcp:80 vrf red", checkLabel(bound).c_str());
  bound.vrf.clear();
  bound.interface = "swp1";
  bound.source = *IpAddress::parse("192.0.2.129");
  STRCMP_EQUAL("tcp:80 dev swp1 from 192.0.2.129", checkLabel(bound).c_str());
  STRCMP_EQUAL("all", toString(CheckMode::kAll));
  STRCMP_EQUAL("any", toString(CheckMode::kAny));
}

TEST(CheckCombination, LabelsAreUniqueWithinAServer) {
  CheckConfig a;
  a.port = 80;
  CheckConfig b = a;
  b.interval_ms = 5000;  // differs only in timing: reads alike
  CheckConfig c;
  c.port = 443;
  auto labels = checkLabels({a, b, c, a});
  LONGS_EQUAL(4, labels.size());
  STRCMP_EQUAL("tcp:80", labels[0].c_str());
  STRCMP_EQUAL("tcp:80#2", labels[1].c_str());
  STRCMP_EQUAL("tcp:443", labels[2].c_str());
  STRCMP_EQUAL("tcp:80#3", labels[3].c_str());
}
