#include "platform/zebra/zapi_release.h"

#include <array>
#include <charconv>

namespace anycastd {

namespace {

constexpr size_t kR = kFrrReleaseCount;

// ---------------------------------------------------------------------------------------------------------
// THE table. Columns are releases in FrrRelease order; every per-release difference the codec knows is here.
// Checked against lib/zclient.h (zebra_message_types_t), lib/route_types.txt, lib/zclient.c
// (zclient_send_hello, zapi_nexthop_encode) and zebra/zapi_msg.c (zsend_capabilities, route_notify_internal)
// at every tag frr-8.4 … frr-10.7.0. Where this differs from zapi.md, FRR's source won:
//  - weight: u64 from 10.1 (commit a988a0a88a "Use uint64_t for weight down the path to Zebra" is in
//    frr-10.1 and every 10.1.x; zapi.md says 10.2).
//  - CAPABILITIES grew a v6_with_v4_nexthop byte in 9.1 and a graceful_restart byte in 10.2, and 10.6 shrank
//    vrf_backend to a u8 (zapi.md lists the 8.4 body only).
//  - ROUTE_NOTIFY_OWNER carries the source prefix from 10.3 (commit 2af780650f), inside the 10.2+ numbering.
// ---------------------------------------------------------------------------------------------------------

struct ReleaseRow {
  FrrRelease release;
  std::string_view name;
  int firstMajor, firstMinor, lastMajor, lastMinor;  // versions parsed to this release
  bool helloNotify;                                  // HELLO carries u8 receive_notify
  uint8_t weightBytes;                               // ZAPI_NEXTHOP_FLAG_WEIGHT payload
  uint8_t capabilitiesLayouts;                       // bit (1 << CapabilitiesLayout)
  uint8_t notifyOwnerLayouts;                        // bit (1 << NotifyOwnerLayout)
};

constexpr uint8_t bit(CapabilitiesLayout l) {
  return static_cast<uint8_t>(1u << static_cast<int>(l));
}
constexpr uint8_t bit(NotifyOwnerLayout l) {
  return static_cast<uint8_t>(1u << static_cast<int>(l));
}
constexpr uint8_t kCapBase = bit(CapabilitiesLayout::kBase);
constexpr uint8_t kCapV6 = bit(CapabilitiesLayout::kV6WithV4);
constexpr uint8_t kCapGr =
    bit(CapabilitiesLayout::kGracefulRestart) | bit(CapabilitiesLayout::kShortVrfBackend);
constexpr uint8_t kNotePlain = bit(NotifyOwnerLayout::kPlain);
constexpr uint8_t kNoteAny = bit(NotifyOwnerLayout::kPlain) | bit(NotifyOwnerLayout::kSourcePrefix);

// clang-format off
constexpr std::array<ReleaseRow, kR> kReleases = {{
  //  release         name   first  last       notify weight capabilities notify-owner
  {FrrRelease::k8_4,  "8.4",   8, 4,  8, 4,      true,  4,     kCapBase,    kNotePlain},
  {FrrRelease::k8_5,  "8.5",   8, 5,  8, 5,      true,  4,     kCapBase,    kNotePlain},
  {FrrRelease::k9_0,  "9.0",   9, 0,  9, 0,      true,  4,     kCapBase,    kNotePlain},
  {FrrRelease::k9_1,  "9.1",   9, 1,  9, 1,      true,  4,     kCapV6,      kNotePlain},
  {FrrRelease::k10_0, "10.0", 10, 0, 10, 0,      false, 4,     kCapV6,      kNotePlain},
  {FrrRelease::k10_1, "10.1", 10, 1, 10, 1,      false, 8,     kCapV6,      kNotePlain},
  {FrrRelease::k10_2, "10.2+", 10, 2, 10, 7,     false, 8,     kCapGr,      kNoteAny},
}};

struct CommandRow {
  ZapiCommand command;
  std::string_view name;
  std::array<uint16_t, kR> number;
};

constexpr std::array<CommandRow, kZapiCommandCount> kCommands = {{
  //  command                              name                       8.4  8.5  9.0  9.1 10.0 10.1 10.2+
  {ZapiCommand::kInterfaceAdd,           "INTERFACE_ADD",            {  0,   0,   0,   0,   0,   0,   0}},
  {ZapiCommand::kInterfaceDelete,        "INTERFACE_DELETE",         {  1,   1,   1,   1,   1,   1,   1}},
  {ZapiCommand::kInterfaceAddressAdd,    "INTERFACE_ADDRESS_ADD",    {  2,   2,   2,   2,   2,   2,   2}},
  {ZapiCommand::kInterfaceAddressDelete, "INTERFACE_ADDRESS_DELETE", {  3,   3,   3,   3,   3,   3,   3}},
  {ZapiCommand::kInterfaceUp,            "INTERFACE_UP",             {  4,   4,   4,   4,   4,   4,   4}},
  {ZapiCommand::kInterfaceDown,          "INTERFACE_DOWN",           {  5,   5,   5,   5,   5,   5,   5}},
  {ZapiCommand::kRouteAdd,               "ROUTE_ADD",                {  8,   8,   8,   8,   9,   9,   9}},
  {ZapiCommand::kRouteDelete,            "ROUTE_DELETE",             {  9,   9,   9,   9,  10,  10,  10}},
  {ZapiCommand::kRouteNotifyOwner,       "ROUTE_NOTIFY_OWNER",       { 10,  10,  10,  10,  11,  11,  11}},
  {ZapiCommand::kRouterIdAdd,            "ROUTER_ID_ADD",            { 15,  15,  15,  15,  16,  16,  16}},
  {ZapiCommand::kRouterIdUpdate,         "ROUTER_ID_UPDATE",         { 17,  17,  17,  17,  18,  18,  18}},
  {ZapiCommand::kHello,                  "HELLO",                    { 18,  18,  18,  18,  19,  19,  19}},
  {ZapiCommand::kCapabilities,           "CAPABILITIES",             { 19,  19,  19,  19,  20,  20,  20}},
  {ZapiCommand::kRedistributeRouteAdd,   "REDISTRIBUTE_ROUTE_ADD",   { 30,  30,  30,  30,  31,  31,  31}},
  {ZapiCommand::kRedistributeRouteDel,   "REDISTRIBUTE_ROUTE_DEL",   { 31,  31,  31,  31,  32,  32,  32}},
  {ZapiCommand::kVrfAdd,                 "VRF_ADD",                  { 33,  33,  33,  33,  34,  34,  33}},
  {ZapiCommand::kVrfDelete,              "VRF_DELETE",               { 34,  34,  34,  34,  35,  35,  34}},
  {ZapiCommand::kError,                  "ERROR",                    {118, 118, 118, 117, 118, 118, 120}},
  {ZapiCommand::kClientCapabilities,     "CLIENT_CAPABILITIES",      {119, 119, 119, 118, 119, 119, 121}},
  {ZapiCommand::kRouteNotifyRequest,     "ROUTE_NOTIFY_REQUEST",     {124, 124, 124, 123, 124, 124, 126}},
}};

struct RouteTypeRow {
  ZapiRouteType type;
  std::string_view name;
  std::array<uint8_t, kR> number;
};

constexpr std::array<RouteTypeRow, kZapiRouteTypeCount> kRouteTypes = {{
  //  type                       name        8.4 8.5 9.0 9.1 10.0 10.1 10.2+
  {ZapiRouteType::kKernel,  "kernel",  {  1,  1,  1,  1,  1,  1,  1}},
  {ZapiRouteType::kConnect, "connect", {  2,  2,  2,  2,  2,  2,  2}},
  {ZapiRouteType::kStatic,  "static",  {  3,  3,  3,  3,  4,  4,  4}},
  {ZapiRouteType::kBgp,     "bgp",     {  9,  9,  9,  9, 10, 10, 10}},
  {ZapiRouteType::kTable,   "table",   { 15, 15, 15, 15, 16, 16, 16}},
  {ZapiRouteType::kSharp,   "sharp",   { 23, 23, 23, 23, 24, 24, 24}},
}};
// clang-format on

constexpr bool rowsInEnumOrder() {
  for (size_t i = 0; i < kReleases.size(); ++i)
    if (static_cast<size_t>(kReleases[i].release) != i) return false;
  for (size_t i = 0; i < kCommands.size(); ++i)
    if (static_cast<size_t>(kCommands[i].command) != i) return false;
  for (size_t i = 0; i < kRouteTypes.size(); ++i)
    if (static_cast<size_t>(kRouteTypes[i].type) != i) return false;
  return true;
}
static_assert(rowsInEnumOrder(), "release tables must list rows in enum order");

const ReleaseRow& row(FrrRelease r) {
  return kReleases[static_cast<size_t>(r)];
}
size_t column(FrrRelease r) {
  return static_cast<size_t>(r);
}

// Reads a decimal number at the front of `s`; advances `s`.
std::optional<int> takeNumber(std::string_view& s) {
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  return value;
}

}  // namespace

std::string_view toString(FrrRelease release) {
  return row(release).name;
}
std::string_view toString(ZapiCommand command) {
  return kCommands[static_cast<size_t>(command)].name;
}
std::string_view toString(ZapiRouteType type) {
  return kRouteTypes[static_cast<size_t>(type)].name;
}

std::string supportedFrrReleases() {
  std::string out;
  for (const auto& r : kReleases) {
    if (!out.empty()) out += ", ";
    out += std::to_string(r.firstMajor) + "." + std::to_string(r.firstMinor);
    if (r.lastMajor != r.firstMajor || r.lastMinor != r.firstMinor)
      out += " to " + std::to_string(r.lastMajor) + "." + std::to_string(r.lastMinor);
  }
  return out;
}

std::optional<FrrRelease> parseFrrRelease(std::string_view text, std::string* error) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  for (std::string_view prefix : {"FRRouting ", "frr-", "frr "}) {
    if (s.starts_with(prefix)) {
      s.remove_prefix(prefix.size());
      break;
    }
  }
  auto fail = [&](const std::string& why) -> std::optional<FrrRelease> {
    if (error) *error = why + "; supported FRR releases: " + supportedFrrReleases();
    return std::nullopt;
  };
  auto major = takeNumber(s);
  if (!major || s.empty() || s.front() != '.')
    return fail("'" + std::string(text) + "' is not an FRR version (expected MAJOR.MINOR[.PATCH])");
  s.remove_prefix(1);
  auto minor = takeNumber(s);
  if (!minor) return fail("'" + std::string(text) + "' is not an FRR version (expected MAJOR.MINOR[.PATCH])");
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    if (!takeNumber(s))
      return fail("'" + std::string(text) + "' is not an FRR version (expected MAJOR.MINOR[.PATCH])");
  }
  if (!s.empty() && std::string_view("-~+ _(").find(s.front()) == std::string_view::npos)
    return fail("'" + std::string(text) + "' is not an FRR version (unexpected '" +
                std::string(1, s.front()) + "')");
  const int v = *major * 1000 + *minor;
  for (const auto& r : kReleases) {
    if (v >= r.firstMajor * 1000 + r.firstMinor && v <= r.lastMajor * 1000 + r.lastMinor) return r.release;
  }
  const std::string version = std::to_string(*major) + "." + std::to_string(*minor);
  const auto& oldest = kReleases.front();
  if (v < oldest.firstMajor * 1000 + oldest.firstMinor)
    return fail("FRR " + version + " is older than the releases this agent's zebra API codec knows");
  return fail("FRR " + version + " is newer than the releases this agent's zebra API codec knows");
}

uint16_t commandNumber(FrrRelease release, ZapiCommand command) {
  return kCommands[static_cast<size_t>(command)].number[column(release)];
}

std::optional<ZapiCommand> commandFromNumber(FrrRelease release, uint16_t number) {
  for (const auto& c : kCommands)
    if (c.number[column(release)] == number) return c.command;
  return std::nullopt;
}

uint8_t routeTypeNumber(FrrRelease release, ZapiRouteType type) {
  return kRouteTypes[static_cast<size_t>(type)].number[column(release)];
}

std::optional<ZapiRouteType> routeTypeFromNumber(FrrRelease release, uint8_t number) {
  for (const auto& t : kRouteTypes)
    if (t.number[column(release)] == number) return t.type;
  return std::nullopt;
}

bool helloHasNotifyByte(FrrRelease release) {
  return row(release).helloNotify;
}
size_t nexthopWeightBytes(FrrRelease release) {
  return row(release).weightBytes;
}

bool acceptsCapabilitiesLayout(FrrRelease release, CapabilitiesLayout layout) {
  return (row(release).capabilitiesLayouts & bit(layout)) != 0;
}

bool acceptsNotifyOwnerLayout(FrrRelease release, NotifyOwnerLayout layout) {
  return (row(release).notifyOwnerLayouts & bit(layout)) != 0;
}

std::vector<FrrRelease> releasesWithErrorCommand(uint16_t errorCommand) {
  std::vector<FrrRelease> out;
  for (FrrRelease r : kAllFrrReleases)
    if (commandNumber(r, ZapiCommand::kError) == errorCommand) out.push_back(r);
  return out;
}

std::vector<FrrRelease> narrowByLegacyHelloReply(std::span<const FrrRelease> candidates,
                                                 uint16_t replyCommand) {
  const uint16_t probe = commandNumber(FrrRelease::k8_4, ZapiCommand::kHello);
  std::vector<FrrRelease> out;
  for (FrrRelease r : candidates) {
    const bool isHello = commandNumber(r, ZapiCommand::kHello) == probe;
    const uint16_t expected = commandNumber(r, isHello ? ZapiCommand::kCapabilities : ZapiCommand::kError);
    if (replyCommand == expected) out.push_back(r);
  }
  return out;
}

}  // namespace anycastd
