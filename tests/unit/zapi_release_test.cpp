// The FRR release table: version parsing, command/route-type numbers against zapi.md §2/§3, and the
// run-time narrowing helpers.
#include "platform/zebra/zapi_release.h"

#include <CppUTest/TestHarness.h>

#include <set>
#include <string>
#include <vector>

using namespace anycastd;

namespace {

FrrRelease parseOk(const char* text) {
  std::string error;
  auto r = parseFrrRelease(text, &error);
  if (!r) FAIL((std::string("parse '") + text + "': " + error).c_str());
  return *r;
}

std::string parseError(const char* text) {
  std::string error;
  auto r = parseFrrRelease(text, &error);
  CHECK_FALSE_TEXT(r.has_value(), text);
  return error;
}

bool contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

using Releases = std::vector<FrrRelease>;

}  // namespace

TEST_GROUP(ZapiRelease){};

TEST(ZapiRelease, ParsesReleaseAndPointVersions) {
  CHECK(parseOk("8.4") == FrrRelease::k8_4);
  CHECK(parseOk("8.4.4") == FrrRelease::k8_4);
  CHECK(parseOk("8.4.4-1.1~deb12u1") == FrrRelease::k8_4);
  CHECK(parseOk("8.5.7") == FrrRelease::k8_5);
  CHECK(parseOk("9.0") == FrrRelease::k9_0);
  CHECK(parseOk("frr-9.1.2") == FrrRelease::k9_1);
  CHECK(parseOk("10.0.5") == FrrRelease::k10_0);
  CHECK(parseOk("10.1") == FrrRelease::k10_1);
  CHECK(parseOk("10.2") == FrrRelease::k10_2);
  CHECK(parseOk("10.2-dev") == FrrRelease::k10_2);
  CHECK(parseOk("10.3") == FrrRelease::k10_2);
  CHECK(parseOk("FRRouting 10.5.1 (leaf1) on Linux") == FrrRelease::k10_2);
  CHECK(parseOk("10.7.0") == FrrRelease::k10_2);
}

TEST(ZapiRelease, ToStringParsesBack) {
  for (FrrRelease r : kAllFrrReleases) CHECK(parseOk(std::string(toString(r)).c_str()) == r);
  STRCMP_EQUAL("8.4", std::string(toString(FrrRelease::k8_4)).c_str());
  STRCMP_EQUAL("10.2+", std::string(toString(FrrRelease::k10_2)).c_str());
}

TEST(ZapiRelease, RefusesTooOldTooNewAndGarbageNamingTheSupportedReleases) {
  const char* kSupported = "8.4, 8.5, 9.0, 9.1, 10.0, 10.1, 10.2 to 10.7";
  STRCMP_EQUAL(kSupported, supportedFrrReleases().c_str());
  for (const char* old : {"8.3", "8.3.9", "7.5.1", "6.0"}) {
    auto e = parseError(old);
    CHECK_TEXT(contains(e, "older"), e.c_str());
    CHECK_TEXT(contains(e, kSupported), e.c_str());
  }
  for (const char* young : {"10.8", "10.8.0-dev", "11.0", "12.1.1"}) {
    auto e = parseError(young);
    CHECK_TEXT(contains(e, "newer"), e.c_str());
    CHECK_TEXT(contains(e, kSupported), e.c_str());
  }
  for (const char* bad : {"", "10", "10.", "10.x", "x10.2", "10.2a", "10.2.", "ten"}) {
    auto e = parseError(bad);
    CHECK_TEXT(contains(e, "not an FRR version"), e.c_str());
    CHECK_TEXT(contains(e, kSupported), e.c_str());
  }
}

TEST(ZapiRelease, CommandNumbersMatchZapiMd) {
  using C = ZapiCommand;
  // Spot checks of zapi.md §2, release by release.
  struct Expect {
    C command;
    std::vector<uint16_t> numbers;  // 8.4 8.5 9.0 9.1 10.0 10.1 10.2+
  } expects[] = {
      {C::kRouteAdd, {8, 8, 8, 8, 9, 9, 9}},
      {C::kRouteDelete, {9, 9, 9, 9, 10, 10, 10}},
      {C::kRouteNotifyOwner, {10, 10, 10, 10, 11, 11, 11}},
      {C::kHello, {18, 18, 18, 18, 19, 19, 19}},
      {C::kCapabilities, {19, 19, 19, 19, 20, 20, 20}},
      {C::kRedistributeRouteAdd, {30, 30, 30, 30, 31, 31, 31}},
      {C::kVrfAdd, {33, 33, 33, 33, 34, 34, 33}},
      {C::kError, {118, 118, 118, 117, 118, 118, 120}},
      {C::kClientCapabilities, {119, 119, 119, 118, 119, 119, 121}},
      {C::kRouteNotifyRequest, {124, 124, 124, 123, 124, 124, 126}},
      {C::kInterfaceUp, {4, 4, 4, 4, 4, 4, 4}},
  };
  for (const auto& e : expects) {
    for (size_t i = 0; i < kFrrReleaseCount; ++i) {
      std::string what =
          std::string(toString(e.command)) + " in " + std::string(toString(kAllFrrReleases[i]));
      UNSIGNED_LONGS_EQUAL_TEXT(e.numbers[i], commandNumber(kAllFrrReleases[i], e.command), what.c_str());
    }
  }
}

TEST(ZapiRelease, CommandNumbersAreUniquePerReleaseAndMapBack) {
  for (FrrRelease r : kAllFrrReleases) {
    std::set<uint16_t> seen;
    for (size_t c = 0; c < kZapiCommandCount; ++c) {
      const auto command = static_cast<ZapiCommand>(c);
      const uint16_t n = commandNumber(r, command);
      CHECK_TEXT(seen.insert(n).second, "duplicate command number");
      auto back = commandFromNumber(r, n);
      CHECK(back.has_value());
      CHECK(*back == command);
    }
    CHECK_FALSE(commandFromNumber(r, 200).has_value());
  }
}

TEST(ZapiRelease, RouteTypesShiftInTen) {
  for (FrrRelease r : {FrrRelease::k8_4, FrrRelease::k8_5, FrrRelease::k9_0, FrrRelease::k9_1}) {
    UNSIGNED_LONGS_EQUAL(1, routeTypeNumber(r, ZapiRouteType::kKernel));
    UNSIGNED_LONGS_EQUAL(2, routeTypeNumber(r, ZapiRouteType::kConnect));
    UNSIGNED_LONGS_EQUAL(3, routeTypeNumber(r, ZapiRouteType::kStatic));
    UNSIGNED_LONGS_EQUAL(9, routeTypeNumber(r, ZapiRouteType::kBgp));
    UNSIGNED_LONGS_EQUAL(15, routeTypeNumber(r, ZapiRouteType::kTable));
    UNSIGNED_LONGS_EQUAL(23, routeTypeNumber(r, ZapiRouteType::kSharp));
  }
  for (FrrRelease r : {FrrRelease::k10_0, FrrRelease::k10_1, FrrRelease::k10_2}) {
    UNSIGNED_LONGS_EQUAL(1, routeTypeNumber(r, ZapiRouteType::kKernel));
    UNSIGNED_LONGS_EQUAL(2, routeTypeNumber(r, ZapiRouteType::kConnect));
    UNSIGNED_LONGS_EQUAL(4, routeTypeNumber(r, ZapiRouteType::kStatic));
    UNSIGNED_LONGS_EQUAL(10, routeTypeNumber(r, ZapiRouteType::kBgp));
    UNSIGNED_LONGS_EQUAL(16, routeTypeNumber(r, ZapiRouteType::kTable));
    UNSIGNED_LONGS_EQUAL(24, routeTypeNumber(r, ZapiRouteType::kSharp));
    CHECK_FALSE(routeTypeFromNumber(r, 3).has_value());  // LOCAL: not a type the agent uses
  }
  for (FrrRelease r : kAllFrrReleases)
    for (size_t t = 0; t < kZapiRouteTypeCount; ++t) {
      auto type = static_cast<ZapiRouteType>(t);
      CHECK(routeTypeFromNumber(r, routeTypeNumber(r, type)) == type);
    }
}

TEST(ZapiRelease, LayoutProperties) {
  for (FrrRelease r : {FrrRelease::k8_4, FrrRelease::k8_5, FrrRelease::k9_0, FrrRelease::k9_1})
    CHECK(helloHasNotifyByte(r));
  for (FrrRelease r : {FrrRelease::k10_0, FrrRelease::k10_1, FrrRelease::k10_2})
    CHECK_FALSE(helloHasNotifyByte(r));
  // u64 weights arrived with commit a988a0a88a, first released in 10.1 (zapi.md says 10.2).
  for (FrrRelease r :
       {FrrRelease::k8_4, FrrRelease::k8_5, FrrRelease::k9_0, FrrRelease::k9_1, FrrRelease::k10_0})
    UNSIGNED_LONGS_EQUAL(4, nexthopWeightBytes(r));
  UNSIGNED_LONGS_EQUAL(8, nexthopWeightBytes(FrrRelease::k10_1));
  UNSIGNED_LONGS_EQUAL(8, nexthopWeightBytes(FrrRelease::k10_2));

  CHECK(acceptsCapabilitiesLayout(FrrRelease::k9_0, CapabilitiesLayout::kBase));
  CHECK_FALSE(acceptsCapabilitiesLayout(FrrRelease::k9_1, CapabilitiesLayout::kBase));
  CHECK(acceptsCapabilitiesLayout(FrrRelease::k9_1, CapabilitiesLayout::kV6WithV4));
  CHECK(acceptsCapabilitiesLayout(FrrRelease::k10_1, CapabilitiesLayout::kV6WithV4));
  CHECK(acceptsCapabilitiesLayout(FrrRelease::k10_2, CapabilitiesLayout::kGracefulRestart));
  CHECK(acceptsCapabilitiesLayout(FrrRelease::k10_2, CapabilitiesLayout::kShortVrfBackend));
  CHECK_FALSE(acceptsCapabilitiesLayout(FrrRelease::k10_2, CapabilitiesLayout::kV6WithV4));

  for (FrrRelease r : kAllFrrReleases) CHECK(acceptsNotifyOwnerLayout(r, NotifyOwnerLayout::kPlain));
  CHECK_FALSE(acceptsNotifyOwnerLayout(FrrRelease::k10_1, NotifyOwnerLayout::kSourcePrefix));
  CHECK(acceptsNotifyOwnerLayout(FrrRelease::k10_2, NotifyOwnerLayout::kSourcePrefix));
}

TEST(ZapiRelease, ErrorCommandNarrowsCandidates) {
  using R = FrrRelease;
  CHECK(releasesWithErrorCommand(118) == (Releases{R::k8_4, R::k8_5, R::k9_0, R::k10_0, R::k10_1}));
  CHECK(releasesWithErrorCommand(117) == (Releases{R::k9_1}));
  CHECK(releasesWithErrorCommand(120) == (Releases{R::k10_2}));
  CHECK(releasesWithErrorCommand(119).empty());
  CHECK(releasesWithErrorCommand(0).empty());
}

TEST(ZapiRelease, LegacyHelloReplySplitsEightAndNineFromTen) {
  using R = FrrRelease;
  const Releases after118 = releasesWithErrorCommand(118);
  // CAPABILITIES (19): the 8.x HELLO number was HELLO.
  CHECK(narrowByLegacyHelloReply(after118, 19) == (Releases{R::k8_4, R::k8_5, R::k9_0}));
  // ERROR (118): 18 is ROUTER_ID_UPDATE in 10.x, which zebra does not handle.
  CHECK(narrowByLegacyHelloReply(after118, 118) == (Releases{R::k10_0, R::k10_1}));
  CHECK(narrowByLegacyHelloReply(releasesWithErrorCommand(117), 19) == (Releases{R::k9_1}));
  CHECK(narrowByLegacyHelloReply(releasesWithErrorCommand(120), 120) == (Releases{R::k10_2}));
  CHECK(narrowByLegacyHelloReply(after118, 20).empty());
  const Releases all(std::begin(kAllFrrReleases), std::end(kAllFrrReleases));
  CHECK(narrowByLegacyHelloReply(all, 120) == (Releases{R::k10_2}));
}
