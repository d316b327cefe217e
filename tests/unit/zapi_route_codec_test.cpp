// ROUTE_ADD / ROUTE_DELETE: encode -> decode round trips in every release, optional attributes, the weight
// rule, encoder refusals and decoder errors for what the codec does not support.
#include "platform/zebra/zapi_route_codec.h"

#include <CppUTest/TestHarness.h>

#include <limits>
#include <string>

#include "platform/zebra/zapi_codec.h"
#include "tests/unit/zapi_test_util.h"

using namespace anycastd;
using namespace anycastd::ztest;

namespace {

bool contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

ZapiRoute roundTrip(FrrRelease release, const ZapiRoute& route,
                    ZapiCommand command = ZapiCommand::kRouteAdd) {
  auto bytes =
      command == ZapiCommand::kRouteAdd ? encodeRouteAdd(release, route) : encodeRouteDelete(release, route);
  CHECK_TEXT(bytes.has_value(), bytes.error().message.c_str());
  auto back = decodeRoute(release, command, bytes.value());
  CHECK_TEXT(back.has_value(), back.error().message.c_str());
  return back.has_value() ? back.value() : ZapiRoute{};
}

std::vector<ZapiRoute> sampleRoutes() {
  std::vector<ZapiRoute> routes;
  routes.push_back(weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6"));
  routes.push_back(weightedRoute("2001:db8::10/128", "2001:db8:1::2", "2001:db8:1::6"));
  ZapiRoute plain = weightedRoute("198.51.100.0/24", "192.0.2.2", "192.0.2.6");
  plain.nexthops[1].hop.weight = 1;
  plain.nexthops[0].ifindex = 0;
  plain.type = ZapiRouteType::kStatic;
  plain.instance = 0;
  routes.push_back(plain);
  ZapiRoute full = weightedRoute("2001:db8:ff00::/40", "2001:db8:1::2", "192.0.2.9");  // v6 via v4 gateway
  full.type = ZapiRouteType::kBgp;
  full.instance = 65535;
  full.flags = 0x01;  // ALLOW_RECURSION
  full.vrfId = 42;
  full.distance = 0;
  full.metric = 0xfffffffe;
  full.tag = 7;
  full.nexthops.push_back({{ip("2001:db8:1::a"), 0xffffffff}, 0xffffffff});
  routes.push_back(full);
  ZapiRoute zeroLength = weightedRoute("0.0.0.0/0", "192.0.2.2", "192.0.2.6");
  zeroLength.type = ZapiRouteType::kSharp;
  zeroLength.distance = 250;
  routes.push_back(zeroLength);
  ZapiRoute odd = weightedRoute("10.0.0.0/9", "10.0.0.1", "10.0.0.2");  // PSIZE(9) = 2 bytes
  odd.tag = 0;
  routes.push_back(odd);
  return routes;
}

}  // namespace

TEST_GROUP(ZapiRouteCodec){};

TEST(ZapiRouteCodec, RouteAddRoundTripsInEveryRelease) {
  for (FrrRelease release : kAllFrrReleases) {
    for (const ZapiRoute& route : sampleRoutes()) {
      ZapiRoute back = roundTrip(release, route);
      CHECK_TEXT(back == route, (std::string(toString(release)) + " " + route.prefix.str()).c_str());
    }
  }
}

TEST(ZapiRouteCodec, RouteDeleteRoundTripsTheKey) {
  for (FrrRelease release : kAllFrrReleases) {
    for (const ZapiRoute& route : sampleRoutes()) {
      ZapiRoute key = route;
      key.nexthops.clear();
      key.metric.reset();
      key.tag.reset();
      ZapiRoute back = roundTrip(release, route, ZapiCommand::kRouteDelete);
      CHECK_TEXT(back == key, (std::string(toString(release)) + " " + route.prefix.str()).c_str());
    }
  }
}

TEST(ZapiRouteCodec, WeightsOnlyWhenSomeWeightIsNotOne) {
  ZapiRoute r = weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6");
  r.nexthops[1].hop.weight = 1;
  auto plain = encodeRouteAdd(FrrRelease::k10_2, r);
  UNSIGNED_LONGS_EQUAL(30 + 2 * 14, plain.value().size());
  UNSIGNED_LONGS_EQUAL(0, plain.value()[35]);  // first next hop's flags
  r.nexthops[1].hop.weight = 2;
  auto weighted = encodeRouteAdd(FrrRelease::k10_2, r);
  UNSIGNED_LONGS_EQUAL(30 + 2 * 22, weighted.value().size());
  UNSIGNED_LONGS_EQUAL(kZapiNexthopFlagWeight, weighted.value()[35]);
  UNSIGNED_LONGS_EQUAL(30 + 2 * 18, encodeRouteAdd(FrrRelease::k10_0, r).value().size());
}

TEST(ZapiRouteCodec, AttributesFollowNextHopsInFrrOrder) {
  ZapiRoute r = weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6");
  r.nexthops[1].hop.weight = 1;
  r.distance = 200;
  r.metric = 0x01020304;
  r.tag = 0x0a0b0c0d;
  auto bytes = encodeRouteAdd(FrrRelease::k8_4, r).value();
  const Bytes tail(bytes.end() - 9, bytes.end());
  ZAPI_BYTES_EQUAL((Bytes{200, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d}), tail);
  UNSIGNED_LONGS_EQUAL(0x0f, bytes[20]);  // message NEXTHOP|DISTANCE|METRIC|TAG
  auto del = encodeRouteDelete(FrrRelease::k8_4, r).value();
  UNSIGNED_LONGS_EQUAL(0x02, del[20]);  // DISTANCE only
  UNSIGNED_LONGS_EQUAL(200, del.back());
}

TEST(ZapiRouteCodec, FromAgentRoute) {
  Route route{prefix("203.0.113.10/32"), {{ip("192.0.2.2"), 1}, {ip("192.0.2.6"), 2}}};
  ZapiRoute z = toZapiRoute(route, ZapiRouteType::kTable, 100);
  CHECK(z.prefix == route.prefix);
  LONGS_EQUAL(2, z.nexthops.size());
  CHECK(z.nexthops[1].hop == route.nexthops[1]);
  UNSIGNED_LONGS_EQUAL(0, z.nexthops[1].ifindex);
  UNSIGNED_LONGS_EQUAL(100, z.instance);
}

TEST(ZapiRouteCodec, EncoderRefusesWhatZebraCannotTake) {
  ZapiRoute r = weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6");
  ZapiRoute empty = r;
  empty.nexthops.clear();
  auto e = encodeRouteAdd(FrrRelease::k8_4, empty);
  CHECK_FALSE(e.has_value());
  STRCMP_EQUAL("route.nexthops", e.error().field.c_str());
  CHECK(encodeRouteDelete(FrrRelease::k8_4, empty).has_value());

  ZapiRoute zero = r;
  zero.nexthops[1].hop.weight = 0;
  e = encodeRouteAdd(FrrRelease::k8_4, zero);
  STRCMP_EQUAL("nexthops[1].weight", e.error().field.c_str());

  ZapiRoute tooLong = r;
  tooLong.prefix = IpPrefix(ip("192.0.2.1"), 33);
  e = encodeRouteAdd(FrrRelease::k8_4, tooLong);
  STRCMP_EQUAL("route.prefix", e.error().field.c_str());
  CHECK_FALSE(encodeRouteDelete(FrrRelease::k8_4, tooLong).has_value());

  ZapiRoute huge = weightedRoute("2001:db8::10/128", "2001:db8:1::2", "2001:db8:1::6");
  for (int i = 0; i < 600; ++i) huge.nexthops.push_back(huge.nexthops[1]);
  e = encodeRouteAdd(FrrRelease::k10_2, huge);
  CHECK_FALSE(e.has_value());
  CHECK_TEXT(contains(e.error().message, "zebra accepts at most 16384"), e.error().message.c_str());
}

TEST(ZapiRouteCodec, DecoderWantsTheReleaseCommand) {
  auto bytes =
      encodeRouteAdd(FrrRelease::k8_4, weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6")).value();
  auto e = decodeRoute(FrrRelease::k10_0, ZapiCommand::kRouteAdd, bytes);
  STRCMP_EQUAL("header.command", e.error().field.c_str());
  CHECK_TEXT(contains(e.error().message, "ROUTE_ADD is 9 in FRR 10.0"), e.error().message.c_str());
  CHECK_FALSE(decodeRoute(FrrRelease::k8_4, ZapiCommand::kHello, bytes).has_value());
  // Same body as REDISTRIBUTE_ROUTE_ADD (30 in 8.4).
  bytes[9] = 30;
  CHECK(decodeRoute(FrrRelease::k8_4, ZapiCommand::kRedistributeRouteAdd, bytes).has_value());
}

TEST(ZapiRouteCodec, WrongWeightWidthIsCaught) {
  // A 10.0 (u32 weights) message read as 10.1 (u64) runs out of bytes instead of producing garbage.
  auto bytes = encodeRouteAdd(FrrRelease::k10_0, weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6"));
  auto e = decodeRoute(FrrRelease::k10_1, ZapiCommand::kRouteAdd, bytes.value());
  CHECK_FALSE(e.has_value());
}

TEST(ZapiRouteCodec, DecoderReportsUnsupportedParts) {
  const Bytes base =
      encodeRouteAdd(FrrRelease::k8_4, weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6")).value();
  Bytes mtu = base;
  mtu[20] |= 0x10;
  auto e = decodeRoute(FrrRelease::k8_4, ZapiCommand::kRouteAdd, mtu);
  STRCMP_EQUAL("message", e.error().field.c_str());
  UNSIGNED_LONGS_EQUAL(17, e.error().offset);
  CHECK_TEXT(contains(e.error().message, "MTU"), e.error().message.c_str());

  Bytes blackhole = base;
  blackhole[34] = 6;
  e = decodeRoute(FrrRelease::k8_4, ZapiCommand::kRouteAdd, blackhole);
  STRCMP_EQUAL("nexthops[0].type", e.error().field.c_str());
  UNSIGNED_LONGS_EQUAL(34, e.error().offset);

  Bytes label = base;
  label[35] |= 0x02;
  e = decodeRoute(FrrRelease::k8_4, ZapiCommand::kRouteAdd, label);
  STRCMP_EQUAL("nexthops[0].flags", e.error().field.c_str());

  Bytes multicast = base;
  multicast[21] = 2;
  STRCMP_EQUAL("safi",
               decodeRoute(FrrRelease::k8_4, ZapiCommand::kRouteAdd, multicast).error().field.c_str());

  Bytes ospf = base;
  ospf[10] = 6;
  STRCMP_EQUAL("type", decodeRoute(FrrRelease::k8_4, ZapiCommand::kRouteAdd, ospf).error().field.c_str());

  Bytes otherVrf = base;
  otherVrf[33] = 1;
  STRCMP_EQUAL("nexthops[0].vrf_id",
               decodeRoute(FrrRelease::k8_4, ZapiCommand::kRouteAdd, otherVrf).error().field.c_str());
}

TEST(ZapiRouteCodec, LargeU64WeightIsRefused) {
  Bytes bytes =
      encodeRouteAdd(FrrRelease::k10_2, weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6")).value();
  bytes[46] = 1;  // high half of the first weight (offset 44..51)
  auto e = decodeRoute(FrrRelease::k10_2, ZapiCommand::kRouteAdd, bytes);
  STRCMP_EQUAL("nexthops[0].weight", e.error().field.c_str());
  UNSIGNED_LONGS_EQUAL(44, e.error().offset);
}

TEST(ZapiRouteCodec, RouteAddBytesBoundHoldsForTheLargestRoute) {
  // The biggest ROUTE_ADD per next hop: IPv6, weights (u64 where the release has them), every option set.
  ZapiRoute r = weightedRoute("2001:db8::10/128", "2001:db8:1::2", "2001:db8:1::6");
  r.vrfId = 42;
  r.distance = 250;
  r.metric = 0xfffffffe;
  r.tag = 7;
  for (int i = 3; i <= 128; ++i)
    r.nexthops.push_back({{ip(("2001:db8:1::" + std::to_string(i)).c_str()), 2}, 7});
  for (FrrRelease release : kAllFrrReleases) {
    auto bytes = encodeRouteAdd(release, r);
    CHECK_TEXT(bytes.has_value(), bytes.error().message.c_str());
    CHECK(bytes.value().size() <= routeAddBytesBound(r.nexthops.size()));
  }
}
