// Route messages (RTM_*ROUTE, linux/rtnetlink.h): pure encoders for the agent's routes (via a nexthop object,
// or a classic RTA_MULTIPATH route), for deleting and dumping them, for the kernel's route lookup and for the
// FIB entry a prefix's lookup matches, and a decoder of the kernel's RTM_NEWROUTE/RTM_DELROUTE messages. No
// I/O; any thread. Encoders return an empty vector only if memory runs out; the decoder returns false with a
// reason on truncated or malformed input.
//
// Requests carry NLM_F_REQUEST|NLM_F_ACK (dumps NLM_F_REQUEST|NLM_F_DUMP), sequence 0 and port 0. The table
// goes in RTA_TABLE (and in rtm_table when it fits in 8 bits). Routes are unicast, scope universe, metric 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/ip_address.h"
#include "netlink/netlink_message.h"

namespace anycastd::nl {

struct RouteHop {
  std::optional<IpAddress> gateway;
  uint32_t oif = 0;
  uint32_t weight = 1;  // 1..256 (rtnh_hops + 1)
  uint8_t flags = 0;    // RTNH_F_* (dead, linkdown, onlink) as the kernel reports them
  auto operator<=>(const RouteHop&) const = default;
};

// RTM_NEWROUTE for `prefix` via nexthop object `nhid`. replace: NLM_F_CREATE|NLM_F_REPLACE (change the route
// in place); else NLM_F_CREATE|NLM_F_EXCL.
Bytes encodeNewRoute(const IpPrefix& prefix, uint32_t table, uint8_t protocol, uint32_t nhid, bool replace);

// RTM_NEWROUTE for `prefix` with an RTA_MULTIPATH list of `hops` (each needs a gateway and an oif).
Bytes encodeNewMultipathRoute(const IpPrefix& prefix, uint32_t table, uint8_t protocol,
                              const std::vector<RouteHop>& hops, bool replace);

// RTM_NEWROUTE (NLM_F_CREATE|NLM_F_EXCL) of a blackhole route for `prefix`: a route without next hops, for
// a moment (kernel_dataplane.h: telling listeners of a route the kernel removed without notification).
Bytes encodeNewBlackholeRoute(const IpPrefix& prefix, uint32_t table, uint8_t protocol);

// RTM_DELROUTE of the route for `prefix` in `table` with protocol `protocol` (any next hops).
Bytes encodeDelRoute(const IpPrefix& prefix, uint32_t table, uint8_t protocol);

// RTM_GETROUTE dump of one family, asking the kernel to return only `table` and `protocol` (honoured when
// the socket has NETLINK_GET_STRICT_CHK; callers filter again).
Bytes encodeDumpRoutes(Family family, uint32_t table, uint8_t protocol);

// RTM_GETROUTE lookup of one destination address: the kernel answers with the route it would use.
Bytes encodeGetRoute(const IpAddress& destination);

// RTM_GETROUTE lookup of `prefix`'s first address with RTM_F_FIB_MATCH: the kernel answers with the whole
// FIB entry the lookup matches (prefix, table, protocol, RTA_NH_ID or every next hop), or ENETUNREACH when
// nothing matches. The lookup goes through the policy rules (not one table; strict checking refuses a table
// in the request) and takes the longest, then the best-metric alive route, so the answer is `prefix`'s route
// of a given protocol and table only when its prefix, table and protocol say so.
Bytes encodeGetFibEntry(const IpPrefix& prefix);

struct RouteMessage {
  uint16_t type = 0;  // RTM_NEWROUTE or RTM_DELROUTE
  Family family = Family::kIpv4;
  uint8_t dst_len = 0;
  uint8_t protocol = 0;
  uint8_t scope = 0;
  uint8_t route_type = 0;  // RTN_*
  uint32_t flags = 0;      // rtm_flags
  uint32_t table = 0;
  IpAddress dst;  // zero address when RTA_DST is absent (default route)
  uint32_t priority = 0;
  uint32_t nhid = 0;           // RTA_NH_ID: the route uses a nexthop object
  std::vector<RouteHop> hops;  // RTA_MULTIPATH entries, or the single RTA_GATEWAY/RTA_OIF
  IpPrefix prefix() const { return IpPrefix(dst, dst_len); }
};

bool decodeRoute(const uint8_t* data, size_t len, RouteMessage& out, std::string* error);
inline bool decodeRoute(const Bytes& b, RouteMessage& out, std::string* error) {
  return decodeRoute(b.data(), b.size(), out, error);
}

}  // namespace anycastd::nl
