// Route encoders checked byte by byte against hand-written messages (struct rtmsg + RTA_* attributes,
// linux/rtnetlink.h), and the route decoder on kernel-style, truncated and malformed input.
#include <CppUTest/TestHarness.h>

#include <cstdint>
#include <vector>

#include "netlink/route_message.h"

using namespace anycastd;
using namespace anycastd::nl;

namespace {

void checkBytes(const std::vector<uint8_t>& expected, const Bytes& actual) {
  LONGS_EQUAL(expected.size(), actual.size());
  MEMCMP_EQUAL(expected.data(), actual.data(), expected.size());
}

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

IpPrefix prefix(const char* text) {
  std::string error;
  return *IpPrefix::parse(text, &error);
}

// An IPv4 route via nexthop group 0x60000010 as the kernel dumps it: RTA_NH_ID plus the group expanded
// into RTA_MULTIPATH (second hop weight 2, flagged linkdown).
const std::vector<uint8_t> kKernelNhidRoute = {
    0x58, 0x00, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // nlmsghdr
    0x02, 0x20, 0x00, 0x00, 0xfe, 0xc8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,                          // rtmsg
    0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,                                                  // RTA_TABLE
    0x08, 0x00, 0x01, 0x00, 0xcb, 0x00, 0x71, 0x0a,                                                  // RTA_DST
    0x08, 0x00, 0x1e, 0x00, 0x10, 0x00, 0x00, 0x60,                                                  // RTA_NH_ID
    0x24, 0x00, 0x09, 0x00,                                                                          // RTA_MULTIPATH
    0x10, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x05, 0x00, 0xc0, 0x00, 0x02, 0x02,  //
    0x10, 0x00, 0x10, 0x01, 0x04, 0x00, 0x00, 0x00, 0x08, 0x00, 0x05, 0x00, 0xc0, 0x00, 0x02, 0x03,  //
};

// An IPv6 route with one gateway (RTA_GATEWAY + RTA_OIF), metric 1024, table 1000 (only in RTA_TABLE).
const std::vector<uint8_t> kKernelV6Route = {
    0x5c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // nlmsghdr
    0x0a, 0x40, 0x00, 0x00, 0xfc, 0xc8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,                          // rtmsg /64
    0x08, 0x00, 0x0f, 0x00, 0xe8, 0x03, 0x00, 0x00,                                                  // RTA_TABLE
    0x14, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,                          // RTA_DST
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                                                  //
    0x08, 0x00, 0x06, 0x00, 0x00, 0x04, 0x00, 0x00,                                                  // RTA_PRIORITY
    0x14, 0x00, 0x05, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,                          // RTA_GATEWAY
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,                                                  //
    0x08, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,                                                  // RTA_OIF 5
};

}  // namespace

TEST_GROUP(RouteEncode){};

TEST(RouteEncode, RouteViaNexthopObject) {
  checkBytes(
      {
          0x34, 0x00, 0x00, 0x00,  // 52 bytes
          0x18, 0x00,              // RTM_NEWROUTE
          0x05, 0x06,              // NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
          0x02, 0x20, 0x00, 0x00,  // AF_INET, /32, src_len 0, tos 0
          0xfe, 0xc8, 0x00, 0x01,  // table 254, protocol 200, scope universe, RTN_UNICAST
          0x00, 0x00, 0x00, 0x00,  // rtm_flags
          0x08, 0x00, 0x01, 0x00, 0xcb, 0x00, 0x71, 0x0a,  // RTA_DST 203.0.113.10
          0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,  // RTA_TABLE 254
          0x08, 0x00, 0x1e, 0x00, 0x10, 0x00, 0x00, 0x60,  // RTA_NH_ID
      },
      encodeNewRoute(prefix("203.0.113.10/32"), 254, 200, 0x60000010, false));
}

TEST(RouteEncode, ReplaceInALargeTable) {
  checkBytes(
      {
          0x34, 0x00, 0x00, 0x00, 0x18, 0x00,
          0x05, 0x05,  // NLM_F_REQUEST|NLM_F_ACK|NLM_F_REPLACE|NLM_F_CREATE
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
          0x02, 0x18, 0x00, 0x00,                          // /24
          0x00, 0xc8, 0x00, 0x01,                          // rtm_table RT_TABLE_UNSPEC: the table is too big
          0x00, 0x00, 0x00, 0x00,                          //
          0x08, 0x00, 0x01, 0x00, 0xc6, 0x33, 0x64, 0x00,  // RTA_DST 198.51.100.0
          0x08, 0x00, 0x0f, 0x00, 0xe8, 0x03, 0x00, 0x00,  // RTA_TABLE 1000
          0x08, 0x00, 0x1e, 0x00, 0x05, 0x00, 0x00, 0x00,  // RTA_NH_ID 5
      },
      encodeNewRoute(prefix("198.51.100.0/24"), 1000, 200, 5, true));
}

TEST(RouteEncode, MultipathRoute) {
  checkBytes(
      {
          0x50, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x02, 0x20, 0x00, 0x00, 0xfe, 0xc8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //
          0x08, 0x00, 0x01, 0x00, 0xcb, 0x00, 0x71, 0x0a,                          // RTA_DST
          0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,                          // RTA_TABLE
          0x24, 0x00, 0x09, 0x80,                                                  // RTA_MULTIPATH (nested)
          0x10, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,  //  rtnexthop len 16, hops 0 (weight 1), ifindex 3
          0x08, 0x00, 0x05, 0x00, 0xc0, 0x00, 0x02, 0x02,  //  RTA_GATEWAY 192.0.2.2
          0x10, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00,  //  rtnexthop len 16, hops 1 (weight 2), ifindex 4
          0x08, 0x00, 0x05, 0x00, 0xc0, 0x00, 0x02, 0x03,  //  RTA_GATEWAY 192.0.2.3
      },
      encodeNewMultipathRoute(prefix("203.0.113.10/32"), 254, 200,
                              {{ip("192.0.2.2"), 3, 1, 0}, {ip("192.0.2.3"), 4, 2, 0}}, false));
}

TEST(RouteEncode, Ipv6MultipathRouteWithOneHop) {
  checkBytes(
      {
          0x58, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x0a, 0x80, 0x00, 0x00, 0xfe, 0xc8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  // AF_INET6 /128
          0x14, 0x00, 0x01, 0x00,                                                  // RTA_DST 2001:db8:ff::a
          0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
          0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,  // RTA_TABLE
          0x20, 0x00, 0x09, 0x80,                          // RTA_MULTIPATH
          0x1c, 0x00, 0x00, 0x04, 0x07, 0x00, 0x00, 0x00,  //  len 28, weight 5, ifindex 7
          0x14, 0x00, 0x05, 0x00,                          //  RTA_GATEWAY 2001:db8:1::2
          0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
      },
      encodeNewMultipathRoute(prefix("2001:db8:ff::a/128"), 254, 200, {{ip("2001:db8:1::2"), 7, 5, 0}}, true));
}

TEST(RouteEncode, DeleteDumpAndLookup) {
  checkBytes(
      {
          0x2c, 0x00, 0x00, 0x00, 0x19, 0x00, 0x05, 0x00,  // RTM_DELROUTE, REQUEST|ACK
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
          0x02, 0x20, 0x00, 0x00,                          //
          0xfe, 0xc8, 0xff, 0x00,  // table 254, protocol 200, RT_SCOPE_NOWHERE (any), RTN_UNSPEC (any)
          0x00, 0x00, 0x00, 0x00,  //
          0x08, 0x00, 0x01, 0x00, 0xcb, 0x00, 0x71, 0x0a,  // RTA_DST
          0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,  // RTA_TABLE
      },
      encodeDelRoute(prefix("203.0.113.10/32"), 254, 200));
  checkBytes(
      {
          0x24, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x01, 0x03,  // RTM_GETROUTE, NLM_F_REQUEST|NLM_F_DUMP
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
          0x0a, 0x00, 0x00, 0x00, 0xfe, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // AF_INET6, table, protocol
          0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,                          // RTA_TABLE
      },
      encodeDumpRoutes(Family::kIpv6, 254, 200));
  checkBytes(
      {
          0x24, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x05, 0x00,  // RTM_GETROUTE, REQUEST|ACK
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
          0x02, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // AF_INET, /32, rest 0
          0x08, 0x00, 0x01, 0x00, 0xc0, 0x00, 0x02, 0x02,                          // RTA_DST 192.0.2.2
      },
      encodeGetRoute(ip("192.0.2.2")));
}

TEST_GROUP(RouteDecode) {
  RouteMessage r;
  std::string error;
};

TEST(RouteDecode, KernelRouteViaGroup) {
  CHECK_TRUE(decodeRoute(kKernelNhidRoute.data(), kKernelNhidRoute.size(), r, &error));
  STRCMP_EQUAL("203.0.113.10/32", r.prefix().str().c_str());
  LONGS_EQUAL(200, r.protocol);
  LONGS_EQUAL(254, r.table);
  LONGS_EQUAL(1, r.route_type);
  UNSIGNED_LONGS_EQUAL(0x60000010, r.nhid);
  LONGS_EQUAL(2, r.hops.size());
  STRCMP_EQUAL("192.0.2.2", r.hops[0].gateway->str().c_str());
  LONGS_EQUAL(3, r.hops[0].oif);
  LONGS_EQUAL(1, r.hops[0].weight);
  STRCMP_EQUAL("192.0.2.3", r.hops[1].gateway->str().c_str());
  LONGS_EQUAL(4, r.hops[1].oif);
  LONGS_EQUAL(2, r.hops[1].weight);
  LONGS_EQUAL(0x10, r.hops[1].flags);  // RTNH_F_LINKDOWN
}

TEST(RouteDecode, KernelIpv6SingleGatewayRoute) {
  CHECK_TRUE(decodeRoute(kKernelV6Route.data(), kKernelV6Route.size(), r, &error));
  STRCMP_EQUAL("2001:db8:2::/64", r.prefix().str().c_str());
  LONGS_EQUAL(1000, r.table);
  LONGS_EQUAL(1024, r.priority);
  LONGS_EQUAL(0, r.nhid);
  LONGS_EQUAL(1, r.hops.size());
  STRCMP_EQUAL("2001:db8:1::2", r.hops[0].gateway->str().c_str());
  LONGS_EQUAL(5, r.hops[0].oif);
}

TEST(RouteDecode, RoundTripsTheEncoders) {
  CHECK_TRUE(decodeRoute(encodeNewMultipathRoute(prefix("2001:db8:ff::a/128"), 254, 200,
                                                 {{ip("2001:db8:1::2"), 7, 5, 0}, {ip("2001:db8:1::3"), 7, 1, 0}},
                                                 false),
                         r, &error));
  STRCMP_EQUAL("2001:db8:ff::a/128", r.prefix().str().c_str());
  LONGS_EQUAL(2, r.hops.size());
  LONGS_EQUAL(5, r.hops[0].weight);
  STRCMP_EQUAL("2001:db8:1::3", r.hops[1].gateway->str().c_str());
  // A route lookup request has no RTA_TABLE: the table comes from rtm_table (0).
  CHECK_TRUE(decodeRoute(encodeNewRoute(prefix("0.0.0.0/0"), 254, 200, 9, false), r, &error));
  STRCMP_EQUAL("0.0.0.0/0", r.prefix().str().c_str());
  LONGS_EQUAL(9, r.nhid);
  CHECK_TRUE(r.hops.empty());
}

TEST(RouteDecode, Ipv6GatewayOfAnIpv4RouteViaRtaVia) {
  std::vector<uint8_t> b = {
      0x34, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x02, 0x20, 0x00, 0x00, 0xfe, 0xc8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //
      0x16, 0x00, 0x12, 0x00, 0x0a, 0x00,                                      // RTA_VIA, AF_INET6
      0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
      0x00, 0x00,  // pad
  };
  CHECK_TRUE(decodeRoute(b.data(), b.size(), r, &error));
  STRCMP_EQUAL("fe80::1", r.hops[0].gateway->str().c_str());
}

TEST(RouteDecode, EveryTruncationFailsCleanly) {
  for (const auto* msg : {&kKernelNhidRoute, &kKernelV6Route})
    for (size_t n = 0; n < msg->size(); ++n) CHECK_FALSE(decodeRoute(msg->data(), n, r, &error));
}

TEST(RouteDecode, MalformedMultipath) {
  std::vector<uint8_t> b = kKernelNhidRoute;
  b[72] = 0x20;  // second rtnexthop claims 32 bytes, 16 remain
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
  STRCMP_CONTAINS("RTA_MULTIPATH", error.c_str());
  b = kKernelNhidRoute;
  b[72] = 0x04;  // rtnh_len shorter than struct rtnexthop
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
  b = kKernelNhidRoute;
  b[80] = 0x07;  // second hop's RTA_GATEWAY of 3 bytes
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
  STRCMP_CONTAINS("RTA_GATEWAY", error.c_str());
  b = kKernelNhidRoute;
  b[52] = 0x20;  // RTA_MULTIPATH and the message end 4 bytes early: the second rtnexthop is cut
  b[0] = 0x54;
  b.resize(0x54);
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
  STRCMP_CONTAINS("rtnh_len", error.c_str());
}

TEST(RouteDecode, MalformedHeaderAndAttributes) {
  std::vector<uint8_t> b = kKernelNhidRoute;
  b[16] = 0x07;  // AF_UNIX
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
  b = kKernelNhidRoute;
  b[17] = 0x21;  // /33
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
  b = kKernelNhidRoute;
  b[36] = 0x07;  // RTA_DST of 3 bytes
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
  b = kKernelNhidRoute;
  b[4] = 0x68;  // RTM_NEWNEXTHOP
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
  b = kKernelV6Route;
  b[64] = 0x10;  // RTA_GATEWAY of 12 bytes in an IPv6 route
  CHECK_FALSE(decodeRoute(b.data(), b.size(), r, &error));
}
