#include "platform/zebra/zapi_route_codec.h"

#include <algorithm>
#include <limits>
#include <string>

#include "platform/zebra/zapi_codec.h"

namespace anycastd {

namespace {

constexpr uint8_t kSafiUnicast = 1;
constexpr uint32_t kSupportedMessageBits =
    kZapiMessageNexthop | kZapiMessageDistance | kZapiMessageMetric | kZapiMessageTag;

// Names of the ZAPI_MESSAGE_* bits this codec does not handle, for error messages.
std::string unsupportedMessageBits(uint32_t bits) {
  static constexpr struct {
    uint32_t bit;
    const char* name;
  } kNames[] = {{0x10, "MTU"},      {0x20, "SRCPFX"}, {0x40, "BACKUP_NEXTHOPS"}, {0x80, "NHG"},
                {0x100, "TABLEID"}, {0x200, "SRTE"},  {0x400, "OPAQUE"}};
  std::string out;
  for (const auto& n : kNames) {
    if (bits & n.bit) out += std::string(out.empty() ? "" : "|") + n.name;
  }
  return out.empty() ? "unknown" : out;
}

size_t prefixBytes(uint8_t length) {
  return (length + 7u) / 8u;
}  // PSIZE

std::string nexthopField(size_t i, const char* name) {
  return "nexthops[" + std::to_string(i) + "]." + name;
}

std::optional<ZapiError> checkPrefix(const ZapiRoute& route, std::string_view what) {
  const size_t max = maxPrefixLength(route.prefix.family());
  if (route.prefix.length() > max)
    return makeZapiValueError(
        what, "route.prefix",
        "length " + std::to_string(route.prefix.length()) + " is more than " + std::to_string(max));
  return std::nullopt;
}

void writeRouteStart(ByteWriter& w, FrrRelease release, const ZapiRoute& route, uint32_t message) {
  w.u8(routeTypeNumber(release, route.type));
  w.u16(route.instance);
  w.u32(route.flags);
  w.u32(message);
  w.u8(kSafiUnicast);
  w.u8(zapiFamily(route.prefix.family()));
  w.u8(route.prefix.length());
  w.raw(route.prefix.address().bytes(), prefixBytes(route.prefix.length()));
}

bool readNextHop(ByteReader& r, FrrRelease release, size_t i, uint32_t routeVrf, ZapiNextHop& out) {
  uint32_t vrf = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
  const size_t vrfAt = r.offset();
  if (!r.u32(nexthopField(i, "vrf_id"), vrf)) return false;
  if (vrf != routeVrf)
    return r.fail(nexthopField(i, "vrf_id"),
                  "is " + std::to_string(vrf) + ", differs from the route's VRF " + std::to_string(routeVrf) +
                      " (not supported)",
                  vrfAt);
  const size_t typeAt = r.offset();
  if (!r.u8(nexthopField(i, "type"), type)) return false;
  Family family;
  if (type == 2 || type == 3) {
    family = Family::kIpv4;
  } else if (type == 4 || type == 5) {
    family = Family::kIpv6;
  } else {
    return r.fail(nexthopField(i, "type"),
                  "is " + std::to_string(type) + ", only gateway next hops (2..5) are supported", typeAt);
  }
  const size_t flagsAt = r.offset();
  if (!r.u8(nexthopField(i, "flags"), flags)) return false;
  if (flags & ~kZapiNexthopFlagWeight)
    return r.fail(nexthopField(i, "flags"), "has unsupported bits " + std::to_string(flags), flagsAt);
  if (!readAddress(r, nexthopField(i, "gateway"), family, family == Family::kIpv4 ? 4 : 16,
                   out.hop.gateway) ||
      !r.u32(nexthopField(i, "ifindex"), out.ifindex)) {
    return false;
  }
  out.hop.weight = 1;
  if (flags & kZapiNexthopFlagWeight) {
    const size_t weightAt = r.offset();
    uint64_t weight = 0;
    if (nexthopWeightBytes(release) == 8) {
      if (!r.u64(nexthopField(i, "weight"), weight)) return false;
    } else {
      uint32_t w32 = 0;
      if (!r.u32(nexthopField(i, "weight"), w32)) return false;
      weight = w32;
    }
    if (weight == 0 || weight > std::numeric_limits<uint32_t>::max())
      return r.fail(nexthopField(i, "weight"), "is " + std::to_string(weight) + ", expected 1..2^32-1",
                    weightAt);
    out.hop.weight = static_cast<uint32_t>(weight);
  }
  return true;
}

}  // namespace

ZapiRoute toZapiRoute(const Route& route, ZapiRouteType type, uint16_t instance) {
  ZapiRoute z;
  z.type = type;
  z.instance = instance;
  z.prefix = route.prefix;
  for (const NextHop& hop : route.nexthops) z.nexthops.push_back({hop, 0});
  return z;
}

ZapiResult<std::vector<uint8_t>> encodeRouteAdd(FrrRelease release, const ZapiRoute& route) {
  constexpr std::string_view kWhat = "ROUTE_ADD";
  if (auto error = checkPrefix(route, kWhat)) return Unexpected(*error);
  if (route.nexthops.empty()) return Unexpected(makeZapiValueError(kWhat, "route.nexthops", "is empty"));
  bool weighted = false;
  for (size_t i = 0; i < route.nexthops.size(); ++i) {
    if (route.nexthops[i].hop.weight == 0)
      return Unexpected(makeZapiValueError(kWhat, nexthopField(i, "weight"), "is 0"));
    weighted = weighted || route.nexthops[i].hop.weight != 1;
  }
  if (route.nexthops.size() > std::numeric_limits<uint16_t>::max())
    return Unexpected(makeZapiValueError(kWhat, "route.nexthops", "more than 65535"));

  uint32_t message = kZapiMessageNexthop;
  if (route.distance) message |= kZapiMessageDistance;
  if (route.metric) message |= kZapiMessageMetric;
  if (route.tag) message |= kZapiMessageTag;

  ByteWriter w = startZapiMessage(commandNumber(release, ZapiCommand::kRouteAdd), route.vrfId);
  writeRouteStart(w, release, route, message);
  w.u16(static_cast<uint16_t>(route.nexthops.size()));
  for (const ZapiNextHop& nh : route.nexthops) {
    const IpAddress& gw = nh.hop.gateway;
    w.u32(route.vrfId);
    // Without an interface the next hop must be a plain gateway, which zebra resolves through its connected
    // routes; an *_IFINDEX next hop with ifindex 0 never becomes active (FAIL_INSTALL).
    if (nh.ifindex == 0)
      w.u8(gw.isV4() ? kZapiNexthopIpv4 : kZapiNexthopIpv6);
    else
      w.u8(gw.isV4() ? kZapiNexthopIpv4Ifindex : kZapiNexthopIpv6Ifindex);
    w.u8(weighted ? kZapiNexthopFlagWeight : 0);
    w.raw(gw.bytes(), gw.byteLength());
    w.u32(nh.ifindex);
    if (weighted) {
      if (nexthopWeightBytes(release) == 8) {
        w.u64(nh.hop.weight);
      } else {
        w.u32(nh.hop.weight);
      }
    }
  }
  if (route.distance) w.u8(*route.distance);
  if (route.metric) w.u32(*route.metric);
  if (route.tag) w.u32(*route.tag);
  return finishZapiMessage(std::move(w), kWhat);
}

ZapiResult<std::vector<uint8_t>> encodeRouteDelete(FrrRelease release, const ZapiRoute& route) {
  constexpr std::string_view kWhat = "ROUTE_DELETE";
  if (auto error = checkPrefix(route, kWhat)) return Unexpected(*error);
  ByteWriter w = startZapiMessage(commandNumber(release, ZapiCommand::kRouteDelete), route.vrfId);
  writeRouteStart(w, release, route, route.distance ? kZapiMessageDistance : 0);
  if (route.distance) w.u8(*route.distance);
  return finishZapiMessage(std::move(w), kWhat);
}

ZapiResult<ZapiRoute> decodeRoute(FrrRelease release, ZapiCommand command, std::span<const uint8_t> message) {
  if (command != ZapiCommand::kRouteAdd && command != ZapiCommand::kRouteDelete &&
      command != ZapiCommand::kRedistributeRouteAdd && command != ZapiCommand::kRedistributeRouteDel) {
    return Unexpected(makeZapiValueError(toString(command), "command", "does not carry a route"));
  }
  auto header = decodeHeaderFor(release, command, message);
  if (!header.has_value()) return Unexpected(header.error());
  ZapiRoute route;
  route.vrfId = header.value().vrfId;
  ByteReader r(message.subspan(kZapiHeaderSize), toString(command), kZapiHeaderSize);

  uint8_t type = 0;
  if (!r.u8("type", type)) return Unexpected(r.error());
  auto known = routeTypeFromNumber(release, type);
  if (!known) {
    r.fail("type",
           "route type " + std::to_string(type) + " is not one this codec knows in FRR " +
               std::string(toString(release)),
           kZapiHeaderSize);
    return Unexpected(r.error());
  }
  route.type = *known;
  uint32_t bits = 0;
  if (!r.u16("instance", route.instance) || !r.u32("flags", route.flags) || !r.u32("message", bits))
    return Unexpected(r.error());
  if (bits & ~kSupportedMessageBits) {
    r.fail("message", "has unsupported bits " + unsupportedMessageBits(bits & ~kSupportedMessageBits),
           r.offset() - 4);
    return Unexpected(r.error());
  }
  uint8_t safi = 0;
  if (!r.u8("safi", safi)) return Unexpected(r.error());
  if (safi != kSafiUnicast) {
    r.fail("safi", "is " + std::to_string(safi) + ", only 1 (unicast) is supported", r.offset() - 1);
    return Unexpected(r.error());
  }
  Family family;
  uint8_t length = 0;
  IpAddress address;
  if (!readFamily(r, "family", family) || !readPrefixLength(r, "prefixlen", family, length) ||
      !readAddress(r, "prefix", family, prefixBytes(length), address)) {
    return Unexpected(r.error());
  }
  route.prefix = IpPrefix(address, length);

  if (bits & kZapiMessageNexthop) {
    uint16_t count = 0;
    if (!r.u16("nexthop_num", count)) return Unexpected(r.error());
    // The smallest next hop is 14 bytes (IPv4 without weight); refuse counts the body cannot hold before
    // reserving anything.
    if (static_cast<size_t>(count) * 14 > r.remaining()) {
      r.fail(
          "nexthop_num",
          "is " + std::to_string(count) + ", the " + std::to_string(r.remaining()) + " bytes left hold fewer",
          r.offset() - 2);
      return Unexpected(r.error());
    }
    route.nexthops.resize(count);
    for (size_t i = 0; i < count; ++i)
      if (!readNextHop(r, release, i, route.vrfId, route.nexthops[i])) return Unexpected(r.error());
  }
  if (bits & kZapiMessageDistance) {
    uint8_t distance = 0;
    if (!r.u8("distance", distance)) return Unexpected(r.error());
    route.distance = distance;
  }
  if (bits & kZapiMessageMetric) {
    uint32_t metric = 0;
    if (!r.u32("metric", metric)) return Unexpected(r.error());
    route.metric = metric;
  }
  if (bits & kZapiMessageTag) {
    uint32_t tag = 0;
    if (!r.u32("tag", tag)) return Unexpected(r.error());
    route.tag = tag;
  }
  if (!r.expectEnd()) return Unexpected(r.error());
  return route;
}

}  // namespace anycastd
