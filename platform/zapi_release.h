// The FRR releases the zebra API codec speaks and, in one table (zapi_release.cpp), everything that differs
// between them: command numbers, route-type numbers, the HELLO layout, the next-hop weight width and the
// reply layouts zebra may send. Encoders and decoders look numbers up here and never branch on a release
// themselves. Facts come from FRR's lib/zclient.{c,h}, lib/route_types.txt and zebra/zapi_msg.c at the
// frr-8.4 … frr-10.7.0 tags.
// Pure constant data and lookups: no I/O, any thread. Parsing reports errors through an error string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace anycastd {

// One value per distinct zebra API numbering. k10_2 covers 10.2 up to 10.7 (same numbers; see the
// layout sets below for the reply layouts that changed inside that range).
enum class FrrRelease : uint8_t { k8_4, k8_5, k9_0, k9_1, k10_0, k10_1, k10_2 };
inline constexpr size_t kFrrReleaseCount = 7;
inline constexpr FrrRelease kAllFrrReleases[kFrrReleaseCount] = {
    FrrRelease::k8_4,  FrrRelease::k8_5,  FrrRelease::k9_0, FrrRelease::k9_1,
    FrrRelease::k10_0, FrrRelease::k10_1, FrrRelease::k10_2};

// The commands the agent sends or may receive (zebra_message_types_t). Numbers differ per release.
enum class ZapiCommand : uint8_t {
  kInterfaceAdd,
  kInterfaceDelete,
  kInterfaceAddressAdd,
  kInterfaceAddressDelete,
  kInterfaceUp,
  kInterfaceDown,
  kRouteAdd,
  kRouteDelete,
  kRouteNotifyOwner,
  kRouterIdAdd,
  kRouterIdUpdate,
  kHello,
  kCapabilities,
  kRedistributeRouteAdd,
  kRedistributeRouteDel,
  kVrfAdd,
  kVrfDelete,
  kError,
  kClientCapabilities,
  kRouteNotifyRequest,
};
inline constexpr size_t kZapiCommandCount = 20;

// Route types (ZEBRA_ROUTE_*) the agent may announce itself as. 10.0 inserted LOCAL at 3 and shifted the
// rest.
enum class ZapiRouteType : uint8_t { kKernel, kConnect, kStatic, kBgp, kTable, kSharp };
inline constexpr size_t kZapiRouteTypeCount = 6;

// Body layouts of ZEBRA_CAPABILITIES (zebra/zapi_msg.c zsend_capabilities), told apart by length.
enum class CapabilitiesLayout : uint8_t {
  kBase,             // 8.4–9.0:  u32 vrf_backend, u8 mpls, u32 ecmp, u8 mlag_role            (10 bytes)
  kV6WithV4,         // 9.1–10.1: kBase + u8 v6_with_v4_nexthop                              (11 bytes)
  kGracefulRestart,  // 10.2–10.5: kV6WithV4 + u8 graceful_restart                           (12 bytes)
  kShortVrfBackend,  // 10.6+: as kGracefulRestart but vrf_backend is a u8                   (9 bytes)
};

// Body layouts of ZEBRA_ROUTE_NOTIFY_OWNER (zebra/zapi_msg.c route_notify_internal).
enum class NotifyOwnerLayout : uint8_t {
  kPlain,         // 8.4–10.2: note, family, prefixlen, prefix, table_id, afi, safi
  kSourcePrefix,  // 10.3+: u8 src_prefixlen + src prefix (address length) after the prefix
};

std::string_view toString(FrrRelease release);   // "8.4" … "10.1", "10.2+"
std::string_view toString(ZapiCommand command);  // "ROUTE_ADD"
std::string_view toString(ZapiRouteType type);   // "table"

// "8.4", "8.4.4", "frr-9.1.2", "FRRouting 10.3", "10.2-dev", "8.4.4-1.1~deb12u1". Releases older than 8.4 or
// newer than 10.7 are refused with a message listing the supported ones.
std::optional<FrrRelease> parseFrrRelease(std::string_view text, std::string* error);
std::string supportedFrrReleases();  // "8.4, 8.5, 9.0, 9.1, 10.0, 10.1, 10.2 to 10.7"

uint16_t commandNumber(FrrRelease release, ZapiCommand command);
std::optional<ZapiCommand> commandFromNumber(FrrRelease release, uint16_t number);
uint8_t routeTypeNumber(FrrRelease release, ZapiRouteType type);
std::optional<ZapiRouteType> routeTypeFromNumber(FrrRelease release, uint8_t number);

bool helloHasNotifyByte(FrrRelease release);    // 8.4–9.1: HELLO carries receive_notify
size_t nexthopWeightBytes(FrrRelease release);  // 4 (u32) up to 10.0, 8 (u64) from 10.1
bool acceptsCapabilitiesLayout(FrrRelease release, CapabilitiesLayout layout);
bool acceptsNotifyOwnerLayout(FrrRelease release, NotifyOwnerLayout layout);

// Run-time detection (zapi.md §2). Step 1: send a command number no release knows (e.g. 200); zebra answers
// ZEBRA_ERROR, and the command number of that reply narrows the candidates:
// 118 -> {8.4, 8.5, 9.0, 10.0, 10.1}, 117 -> {9.1}, 120 -> {10.2+}, anything else -> {}.
std::vector<FrrRelease> releasesWithErrorCommand(uint16_t errorCommand);
// Step 2: send the 8.4 HELLO (command 18). 8.4–9.1 answer CAPABILITIES (19); 10.x answer ZEBRA_ERROR because
// 18 is ROUTER_ID_UPDATE there, which zebra does not handle. Keeps the candidates consistent with the reply.
// 10.0 and 10.1 remain indistinguishable (they differ only in the weight width: send unweighted routes).
std::vector<FrrRelease> narrowByLegacyHelloReply(std::span<const FrrRelease> candidates,
                                                 uint16_t replyCommand);

}  // namespace anycastd
