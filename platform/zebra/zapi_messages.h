// Zebra API session messages for one FRR release: encoders for what the agent sends besides routes (HELLO,
// ROUTE_NOTIFY_REQUEST, CLIENT_CAPABILITIES) and decoders for zebra's replies (ROUTE_NOTIFY_OWNER, ERROR,
// CAPABILITIES). Command numbers and layouts come from the release table (zapi_release.h); routes are in
// zapi_route_codec.h, framing in zapi_codec.h.
// Pure functions from values to bytes and back: no I/O, any thread. Encoders here cannot fail; decoders take
// one whole message (header included, as ZapiFramer yields it) and return a ZapiError naming the field and
// offset on any malformed, truncated or over-long input. Nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "lib/ip_address.h"
#include "platform/zebra/zapi_release.h"
#include "platform/zebra/zapi_wire.h"

namespace anycastd {

inline constexpr uint32_t kZapiAfiIp = 1;   // AFI_IP
inline constexpr uint32_t kZapiAfiIp6 = 2;  // AFI_IP6
inline constexpr uint32_t kZapiSafiUnicast = 1;

// ---- HELLO -----------------------------------------------------------------------------------------------
// 8.4–9.1: u8 proto, u16 instance, u32 session_id, u8 receive_notify, u8 synchronous. 10.0+: no
// receive_notify. zebra only registers proto > CONNECT (> LOCAL in 10.x); kernel/connect are accepted but not
// registered.
struct ZapiHello {
  ZapiRouteType type = ZapiRouteType::kTable;
  uint16_t instance = 0;
  uint32_t sessionId = 0;
  // Written only where the byte exists (8.4–9.1). Prefer encodeRouteNotifyRequest(), which works everywhere;
  // on 10.x a notify byte would be read as `synchronous`.
  bool receiveNotify = false;
  bool synchronous = false;
};
std::vector<uint8_t> encodeHello(FrrRelease release, const ZapiHello& hello);

// ---- ROUTE_NOTIFY_REQUEST: body u8 (1 = send me ROUTE_NOTIFY_OWNER). --------------------------------------
std::vector<uint8_t> encodeRouteNotifyRequest(FrrRelease release, bool enable = true);

// ---- CLIENT_CAPABILITIES (graceful restart; body identical in every release) ------------------------------
enum class ClientCapability : uint32_t {
  kGracefulRestart = 1,         // + u32 stale_removal_time, u32 vrf_id
  kRouteUpdateComplete = 2,     // + u32 afi, u32 safi, u32 vrf_id
  kRouteUpdatePending = 3,      // + u32 afi, u32 safi, u32 vrf_id
  kGracefulRestartDisable = 4,  // + u32 vrf_id
  kRibStaleTime = 5,            // + u32 stale_removal_time, u32 vrf_id
};
struct ZapiClientCapabilities {
  ClientCapability capability = ClientCapability::kGracefulRestart;
  uint32_t staleTimeSeconds = 0;  // kGracefulRestart, kRibStaleTime
  uint32_t afi = kZapiAfiIp;      // kRouteUpdate*
  uint32_t safi = kZapiSafiUnicast;
  uint32_t vrfId = 0;
};
ZapiClientCapabilities gracefulRestartCapability(uint32_t staleTimeSeconds, uint32_t vrfId = 0);
ZapiClientCapabilities routeUpdateComplete(Family family, uint32_t vrfId = 0);
std::vector<uint8_t> encodeClientCapabilities(FrrRelease release, const ZapiClientCapabilities& caps);

// ---- ROUTE_NOTIFY_OWNER (zebra -> owner of a route) -------------------------------------------------------
// u32 note (HOST byte order), u8 family, u8 prefixlen, prefix (4/16 bytes), [10.3+: u8 src_prefixlen + src
// prefix (4/16 bytes)], u32 table_id, u8 afi, u8 safi.
enum class RouteNote : uint32_t {
  kFailInstall = 0,
  kBetterAdminWon = 1,
  kInstalled = 2,
  kRemoved = 3,
  kRemoveFail = 4,
};
std::string_view toString(RouteNote note);  // "INSTALLED"

struct ZapiRouteNotify {
  uint32_t vrfId = 0;  // from the header
  RouteNote note = RouteNote::kFailInstall;
  IpPrefix prefix;
  std::optional<IpPrefix> sourcePrefix;  // present in the 10.3+ layout (length 0 when the route has none)
  uint32_t tableId = 0;
  uint8_t afi = 0;
  uint8_t safi = 0;
  auto operator<=>(const ZapiRouteNotify&) const = default;
};
ZapiResult<ZapiRouteNotify> decodeRouteNotifyOwner(FrrRelease release, std::span<const uint8_t> message);

// ---- ERROR (zebra's reply to an unknown command): u32 error in HOST byte order ----------------------------
enum class ZebraErrorCode : uint32_t { kUnknown = 0, kNoVrf = 1, kInvalidMessageType = 2 };
struct ZapiErrorReply {
  uint32_t vrfId = 0;
  uint32_t code = 0;  // a ZebraErrorCode value; other numbers are passed through
};
ZapiResult<ZapiErrorReply> decodeError(FrrRelease release, std::span<const uint8_t> message);

// ---- CAPABILITIES (zebra's answer to HELLO) ---------------------------------------------------------------
// The layout is recognised by the body length and must be one the release may send (zapi_release.h).
struct ZapiCapabilities {
  uint32_t vrfId = 0;
  CapabilitiesLayout layout = CapabilitiesLayout::kBase;
  uint32_t vrfBackend = 0;  // 0 VRF-lite, 1 netns, 2 unknown
  bool mplsEnabled = false;
  uint32_t ecmp = 0;                    // zebra's MULTIPATH_NUM: most next hops per route
  uint8_t mlagRole = 0;                 // 0 none, 1 primary, 2 secondary
  std::optional<bool> v6WithV4Nexthop;  // 9.1+
  std::optional<bool> gracefulRestart;  // 10.2+
};
ZapiResult<ZapiCapabilities> decodeCapabilities(FrrRelease release, std::span<const uint8_t> message);

}  // namespace anycastd
