#include "platform/zebra/zapi_messages.h"

#include <string>

#include "platform/zebra/zapi_codec.h"

namespace anycastd {

namespace {

// Encoders here produce a few dozen bytes, far below kZapiMaxMessage, so finishing cannot fail.
std::vector<uint8_t> finish(ByteWriter&& w, std::string_view what) {
  auto done = finishZapiMessage(std::move(w), what);
  return done.has_value() ? std::move(done.value()) : std::vector<uint8_t>{};
}

std::span<const uint8_t> body(std::span<const uint8_t> message) {
  return message.subspan(kZapiHeaderSize);
}

}  // namespace

std::vector<uint8_t> encodeHello(FrrRelease release, const ZapiHello& hello) {
  ByteWriter w = startZapiMessage(commandNumber(release, ZapiCommand::kHello), 0);  // HELLO is always VRF 0
  w.u8(routeTypeNumber(release, hello.type));
  w.u16(hello.instance);
  w.u32(hello.sessionId);
  if (helloHasNotifyByte(release)) w.u8(hello.receiveNotify ? 1 : 0);
  w.u8(hello.synchronous ? 1 : 0);
  return finish(std::move(w), "HELLO");
}

std::vector<uint8_t> encodeRouteNotifyRequest(FrrRelease release, bool enable) {
  ByteWriter w = startZapiMessage(commandNumber(release, ZapiCommand::kRouteNotifyRequest), 0);
  w.u8(enable ? 1 : 0);
  return finish(std::move(w), "ROUTE_NOTIFY_REQUEST");
}

ZapiClientCapabilities gracefulRestartCapability(uint32_t staleTimeSeconds, uint32_t vrfId) {
  ZapiClientCapabilities c;
  c.capability = ClientCapability::kGracefulRestart;
  c.staleTimeSeconds = staleTimeSeconds;
  c.vrfId = vrfId;
  return c;
}

ZapiClientCapabilities routeUpdateComplete(Family family, uint32_t vrfId) {
  ZapiClientCapabilities c;
  c.capability = ClientCapability::kRouteUpdateComplete;
  c.afi = family == Family::kIpv4 ? kZapiAfiIp : kZapiAfiIp6;
  c.safi = kZapiSafiUnicast;
  c.vrfId = vrfId;
  return c;
}

std::vector<uint8_t> encodeClientCapabilities(FrrRelease release, const ZapiClientCapabilities& caps) {
  // zclient_capabilities_send puts VRF 0 in the header; the VRF the capability is for is in the body.
  ByteWriter w = startZapiMessage(commandNumber(release, ZapiCommand::kClientCapabilities), 0);
  w.u32(static_cast<uint32_t>(caps.capability));
  switch (caps.capability) {
    case ClientCapability::kGracefulRestart:
    case ClientCapability::kRibStaleTime:
      w.u32(caps.staleTimeSeconds);
      w.u32(caps.vrfId);
      break;
    case ClientCapability::kRouteUpdateComplete:
    case ClientCapability::kRouteUpdatePending:
      w.u32(caps.afi);
      w.u32(caps.safi);
      w.u32(caps.vrfId);
      break;
    case ClientCapability::kGracefulRestartDisable: w.u32(caps.vrfId); break;
  }
  return finish(std::move(w), "CLIENT_CAPABILITIES");
}

std::string_view toString(RouteNote note) {
  switch (note) {
    case RouteNote::kFailInstall: return "FAIL_INSTALL";
    case RouteNote::kBetterAdminWon: return "BETTER_ADMIN_WON";
    case RouteNote::kInstalled: return "INSTALLED";
    case RouteNote::kRemoved: return "REMOVED";
    case RouteNote::kRemoveFail: return "REMOVE_FAIL";
  }
  return "?";
}

ZapiResult<ZapiRouteNotify> decodeRouteNotifyOwner(FrrRelease release, std::span<const uint8_t> message) {
  auto header = decodeHeaderFor(release, ZapiCommand::kRouteNotifyOwner, message);
  if (!header.has_value()) return Unexpected(header.error());
  ZapiRouteNotify n;
  n.vrfId = header.value().vrfId;
  ByteReader r(body(message), "ROUTE_NOTIFY_OWNER", kZapiHeaderSize);

  uint32_t note = 0;
  if (!r.hostU32("note", note)) return Unexpected(r.error());
  if (note > static_cast<uint32_t>(RouteNote::kRemoveFail)) {
    r.fail("note", "is " + std::to_string(note) + ", expected 0..4 (host byte order)", kZapiHeaderSize);
    return Unexpected(r.error());
  }
  n.note = static_cast<RouteNote>(note);

  Family family;
  uint8_t length = 0;
  IpAddress address;
  if (!readFamily(r, "family", family) || !readPrefixLength(r, "prefixlen", family, length))
    return Unexpected(r.error());
  const size_t addressBytes = family == Family::kIpv4 ? 4 : 16;
  const size_t prefixAt = r.offset();
  if (!readAddress(r, "prefix", family, addressBytes, address)) return Unexpected(r.error());
  // zebra reports route-node prefixes, which are always masked; host bits mean a misparse.
  if (hasHostBits(address, length)) {
    r.fail("prefix", address.str() + " has bits set beyond /" + std::to_string(length), prefixAt);
    return Unexpected(r.error());
  }
  n.prefix = IpPrefix(address, length);

  // 10.3 added the source prefix; both layouts are possible for 10.2+, told apart by what is left.
  const size_t tail = 4 + 1 + 1;  // table_id, afi, safi
  bool withSource = acceptsNotifyOwnerLayout(release, NotifyOwnerLayout::kSourcePrefix);
  if (withSource && acceptsNotifyOwnerLayout(release, NotifyOwnerLayout::kPlain))
    withSource = r.remaining() == 1 + addressBytes + tail;
  if (withSource) {
    uint8_t srcLength = 0;
    IpAddress src;
    if (!readPrefixLength(r, "src_prefixlen", family, srcLength)) return Unexpected(r.error());
    const size_t srcAt = r.offset();
    if (!readAddress(r, "src_prefix", family, addressBytes, src)) return Unexpected(r.error());
    if (hasHostBits(src, srcLength)) {
      r.fail("src_prefix", src.str() + " has bits set beyond /" + std::to_string(srcLength), srcAt);
      return Unexpected(r.error());
    }
    n.sourcePrefix = IpPrefix(src, srcLength);
  }
  if (!r.u32("table_id", n.tableId) || !r.u8("afi", n.afi)) return Unexpected(r.error());
  const uint8_t afi = family == Family::kIpv4 ? kZapiAfiIp : kZapiAfiIp6;
  if (n.afi != afi) {
    r.fail("afi", "is " + std::to_string(n.afi) + ", the prefix needs " + std::to_string(afi),
           r.offset() - 1);
    return Unexpected(r.error());
  }
  if (!r.u8("safi", n.safi)) return Unexpected(r.error());
  if (n.safi != 1 && n.safi != 2) {  // SAFI_UNICAST, SAFI_MULTICAST: the RIB tables zebra notifies about
    r.fail("safi", "is " + std::to_string(n.safi) + ", expected 1 or 2", r.offset() - 1);
    return Unexpected(r.error());
  }
  if (!r.expectEnd()) return Unexpected(r.error());
  return n;
}

ZapiResult<ZapiErrorReply> decodeError(FrrRelease release, std::span<const uint8_t> message) {
  auto header = decodeHeaderFor(release, ZapiCommand::kError, message);
  if (!header.has_value()) return Unexpected(header.error());
  ZapiErrorReply e;
  e.vrfId = header.value().vrfId;
  ByteReader r(body(message), "ERROR", kZapiHeaderSize);
  if (!r.hostU32("error", e.code) || !r.expectEnd()) return Unexpected(r.error());
  return e;
}

ZapiResult<ZapiCapabilities> decodeCapabilities(FrrRelease release, std::span<const uint8_t> message) {
  auto header = decodeHeaderFor(release, ZapiCommand::kCapabilities, message);
  if (!header.has_value()) return Unexpected(header.error());
  ZapiCapabilities c;
  c.vrfId = header.value().vrfId;
  ByteReader r(body(message), "CAPABILITIES", kZapiHeaderSize);

  struct Shape {
    CapabilitiesLayout layout;
    size_t bytes;
    std::string_view releases;
  };
  static constexpr Shape kShapes[] = {
      {CapabilitiesLayout::kBase, 10, "8.4-9.0"},
      {CapabilitiesLayout::kV6WithV4, 11, "9.1-10.1"},
      {CapabilitiesLayout::kGracefulRestart, 12, "10.2-10.5"},
      {CapabilitiesLayout::kShortVrfBackend, 9, "10.6+"},
  };
  const Shape* shape = nullptr;
  std::string expected;
  for (const Shape& s : kShapes) {
    if (!acceptsCapabilitiesLayout(release, s.layout)) continue;
    expected += (expected.empty() ? "" : " or ") + std::to_string(s.bytes);
    if (s.bytes == r.remaining()) shape = &s;
  }
  if (shape == nullptr) {
    std::string reason = "body is " + std::to_string(r.remaining()) + " bytes, FRR " +
                         std::string(toString(release)) + " sends " + expected;
    for (const Shape& s : kShapes)
      if (s.bytes == r.remaining()) reason += " (this is the FRR " + std::string(s.releases) + " layout)";
    r.fail("body", reason);
    return Unexpected(r.error());
  }
  c.layout = shape->layout;

  // Value checks catch a layout misread (10.5 and 10.6 bodies differ only in length).
  auto small = [&r](const char* field, uint32_t value, uint32_t max, size_t at) {
    return value <= max ||
           r.fail(field, "is " + std::to_string(value) + ", expected 0.." + std::to_string(max), at);
  };
  auto flag = [&r, &small](const char* field, bool& out) {
    const size_t at = r.offset();
    uint8_t v = 0;
    if (!r.u8(field, v) || !small(field, v, 1, at)) return false;
    out = v != 0;
    return true;
  };
  uint8_t u8 = 0;
  if (c.layout == CapabilitiesLayout::kShortVrfBackend) {
    if (!r.u8("vrf_backend", u8)) return Unexpected(r.error());
    c.vrfBackend = u8;
  } else if (!r.u32("vrf_backend", c.vrfBackend)) {
    return Unexpected(r.error());
  }
  if (!small("vrf_backend", c.vrfBackend, 2, kZapiHeaderSize) || !flag("mpls_enabled", c.mplsEnabled) ||
      !r.u32("ecmp", c.ecmp)) {
    return Unexpected(r.error());
  }
  const size_t mlagAt = r.offset();
  if (!r.u8("mlag_role", c.mlagRole) || !small("mlag_role", c.mlagRole, 2, mlagAt))
    return Unexpected(r.error());
  bool b = false;
  if (c.layout != CapabilitiesLayout::kBase) {
    if (!flag("v6_with_v4_nexthop", b)) return Unexpected(r.error());
    c.v6WithV4Nexthop = b;
  }
  if (c.layout == CapabilitiesLayout::kGracefulRestart || c.layout == CapabilitiesLayout::kShortVrfBackend) {
    if (!flag("graceful_restart", b)) return Unexpected(r.error());
    c.gracefulRestart = b;
  }
  if (!r.expectEnd()) return Unexpected(r.error());
  return c;
}

}  // namespace anycastd
