// Zebra API route messages (ROUTE_ADD, ROUTE_DELETE; REDISTRIBUTE_ROUTE_ADD/DEL share the body) for one FRR
// release: ZapiRoute, the agent's Route plus what zebra needs (route type, instance, flags, distance, metric,
// tag, per-next-hop ifindex), and pure encoders/decoder (lib/zclient.c zapi_route_encode/_decode layout).
// Command numbers, route-type numbers and the next-hop weight width come from zapi_release.h.
// No I/O, any thread. Encoders return a ZapiError for values zebra cannot take; the decoder takes one whole
// message and returns a ZapiError naming the field and offset for anything malformed. Nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "platform/route.h"
#include "platform/zebra/zapi_release.h"
#include "platform/zebra/zapi_wire.h"

namespace anycastd {

// ZAPI_MESSAGE_* bits of the route `message` field.
inline constexpr uint32_t kZapiMessageNexthop = 0x01;
inline constexpr uint32_t kZapiMessageDistance = 0x02;
inline constexpr uint32_t kZapiMessageMetric = 0x04;
inline constexpr uint32_t kZapiMessageTag = 0x08;
// ZAPI_NEXTHOP_FLAG_WEIGHT; NEXTHOP_TYPE_IPV4 / IPV4_IFINDEX / IPV6 / IPV6_IFINDEX.
inline constexpr uint8_t kZapiNexthopFlagWeight = 0x04;
inline constexpr uint8_t kZapiNexthopIpv4 = 2;
inline constexpr uint8_t kZapiNexthopIpv4Ifindex = 3;
inline constexpr uint8_t kZapiNexthopIpv6 = 4;
inline constexpr uint8_t kZapiNexthopIpv6Ifindex = 5;

struct ZapiNextHop {
  NextHop hop;           // gateway and weight (all 1: plain ECMP, no weights on the wire)
  uint32_t ifindex = 0;  // 0: zebra resolves the gateway itself
  auto operator<=>(const ZapiNextHop&) const = default;
};

struct ZapiRoute {
  ZapiRouteType type = ZapiRouteType::kTable;  // zebra files the route under this type, not the HELLO's
  uint16_t instance = 0;
  uint32_t flags = 0;  // ZEBRA_FLAG_*
  uint32_t vrfId = 0;  // header and every next hop
  IpPrefix prefix;
  std::vector<ZapiNextHop> nexthops;  // sent in this order
  std::optional<uint8_t> distance;    // absent: zebra's default for the type
  std::optional<uint32_t> metric;
  std::optional<uint32_t> tag;
  auto operator<=>(const ZapiRoute&) const = default;
};

// The agent's route with ifindex 0 next hops.
ZapiRoute toZapiRoute(const Route& route, ZapiRouteType type, uint16_t instance);

// ROUTE_ADD: type, instance, flags, message (NEXTHOP [| DISTANCE | METRIC | TAG when set]), safi 1, family,
// prefixlen, PSIZE(prefixlen) prefix bytes, u16 count, next hops as IPV4 / IPV6 (ifindex 0: zebra resolves
// the gateway) or IPV4_IFINDEX / IPV6_IFINDEX (by the gateway's family) with the WEIGHT flag and weight (u32
// or u64 by release) on every next hop when any weight is not 1, then distance, metric, tag. Errors: no next
// hops, weight 0, prefix length too long, > 16384 bytes. zebra's own ECMP limit (CAPABILITIES.ecmp) is the
// caller's to respect.
ZapiResult<std::vector<uint8_t>> encodeRouteAdd(FrrRelease release, const ZapiRoute& route);

// An upper bound of encodeRouteAdd's size for a route with `nexthops` next hops, whatever the release,
// family, weights, distance, metric and tag: header and route key up to 64 bytes, each next hop up to 40
// (vrf 4, type 1, flags 1, address 16, ifindex 4, weight 8). For sizing buffers.
constexpr size_t routeAddBytesBound(size_t nexthops) {
  return 64 + 40 * nexthops;
}

// ROUTE_DELETE: the route key only — type, instance, flags, safi, prefix, and DISTANCE when set (zebra
// compares it for ZEBRA_FLAG_RR_USE_DISTANCE routes); next hops, metric and tag are not sent (as FRR's
// clients do).
ZapiResult<std::vector<uint8_t>> encodeRouteDelete(FrrRelease release, const ZapiRoute& route);

// Decodes a message whose command is `command` in `release` (ROUTE_ADD, ROUTE_DELETE or
// REDISTRIBUTE_ROUTE_ADD/DEL). Supports what the encoders produce: message bits NEXTHOP, DISTANCE, METRIC,
// TAG; next-hop types IPV4/IPV4_IFINDEX/IPV6/IPV6_IFINDEX with flag WEIGHT; route types listed in
// ZapiRouteType. Anything else (labels, SRv6, blackhole, NHG, table id, …) is reported as an error.
ZapiResult<ZapiRoute> decodeRoute(FrrRelease release, ZapiCommand command, std::span<const uint8_t> message);

}  // namespace anycastd
