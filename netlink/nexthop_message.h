// Nexthop-object messages (RTM_*NEXTHOP, linux/nexthop.h): pure encoders from values to the exact bytes the
// kernel receives, and a decoder of the kernel's RTM_NEWNEXTHOP/RTM_DELNEXTHOP messages. libnl 3.7 has no
// nexthop-object API, so these build messages with libnl's generic message API. No I/O; any thread.
// Encoders return an empty vector only if memory runs out; the decoder returns false with a reason on
// truncated or malformed input and never reads past `len`.
//
// Encoded requests carry NLM_F_REQUEST|NLM_F_ACK, sequence 0 and port 0 (NetlinkSocket fills those in).
// Weights are 1..256 (on the wire weight-1 in nexthop_grp.weight). Resilient-group timers are whole
// seconds here and clock_t (USER_HZ, 100 per second, fixed by the kernel ABI) on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/ip_address.h"
#include "netlink/netlink_message.h"

namespace anycastd::nl {

constexpr uint32_t kClockTicksPerSecond = 100;  // USER_HZ

enum class GroupType : uint16_t { kMultipath = 0, kResilient = 1 };  // NEXTHOP_GRP_TYPE_MPATH, _RES

struct GroupMember {
  uint32_t id = 0;
  uint32_t weight = 1;  // 1..256
  auto operator<=>(const GroupMember&) const = default;
};

struct ResilientParams {
  uint16_t buckets = 0;
  uint32_t idle_timer_s = 0;
  uint32_t unbalanced_timer_s = 0;
  auto operator<=>(const ResilientParams&) const = default;
};

struct GroupSpec {
  GroupType type = GroupType::kMultipath;
  ResilientParams resilient;  // only for kResilient
  auto operator<=>(const GroupSpec&) const = default;
};

// RTM_NEWNEXTHOP (create, exclusive): a gateway nexthop `id` via `gateway` out of `oif`. `flags`: nhmsg
// nh_flags (RTNH_F_ONLINK is the only one the kernel accepts).
Bytes encodeNewNexthop(uint32_t id, uint8_t protocol, const IpAddress& gateway, uint32_t oif, uint32_t flags);

// RTM_NEWNEXTHOP for group `id` of `members` (weights 1..256). replace: NLM_F_CREATE|NLM_F_REPLACE (change an
// existing group in place); else NLM_F_CREATE|NLM_F_EXCL.
Bytes encodeNewGroup(uint32_t id, uint8_t protocol, const std::vector<GroupMember>& members,
                     const GroupSpec& spec, bool replace);

Bytes encodeDelNexthop(uint32_t id);  // RTM_DELNEXTHOP
Bytes encodeGetNexthop(uint32_t id);  // RTM_GETNEXTHOP for one object (the reply is an RTM_NEWNEXTHOP)
Bytes encodeDumpNexthops();           // RTM_GETNEXTHOP, NLM_F_DUMP: every nexthop object

struct NexthopMessage {
  uint16_t type = 0;  // RTM_NEWNEXTHOP or RTM_DELNEXTHOP
  uint32_t id = 0;
  uint8_t family = 0;
  uint8_t scope = 0;
  uint8_t protocol = 0;
  uint32_t flags = 0;  // RTNH_F_*
  std::optional<IpAddress> gateway;
  uint32_t oif = 0;
  bool blackhole = false;
  std::vector<GroupMember> group;  // non-empty for a group
  GroupType group_type = GroupType::kMultipath;
  std::optional<ResilientParams> resilient;
  bool isGroup() const { return !group.empty(); }
};

bool decodeNexthop(const uint8_t* data, size_t len, NexthopMessage& out, std::string* error);
inline bool decodeNexthop(const Bytes& b, NexthopMessage& out, std::string* error) {
  return decodeNexthop(b.data(), b.size(), out, error);
}

}  // namespace anycastd::nl
