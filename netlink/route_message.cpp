#include "netlink/route_message.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace anycastd::nl {
namespace {

constexpr uint16_t kRequest = NLM_F_REQUEST | NLM_F_ACK;

uint8_t shortTable(uint32_t table) {
  return table < 256 ? static_cast<uint8_t>(table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
}

NlMsgPtr routeMessage(uint16_t type, uint16_t flags, const rtmsg& rtm, size_t capacity) {
  NlMsgPtr msg = newMessage(type, flags, capacity);
  if (!msg || nlmsg_append(msg.get(), const_cast<rtmsg*>(&rtm), sizeof rtm, NLMSG_ALIGNTO) < 0)
    return nullptr;
  return msg;
}

rtmsg unicastHeader(const IpPrefix& prefix, uint32_t table, uint8_t protocol) {
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(prefix.address().afFamily());
  rtm.rtm_dst_len = prefix.length();
  rtm.rtm_table = shortTable(table);
  rtm.rtm_protocol = protocol;
  rtm.rtm_scope = RT_SCOPE_UNIVERSE;
  rtm.rtm_type = RTN_UNICAST;
  return rtm;
}

int putAddress(nl_msg* msg, int type, const IpAddress& a) {
  return nla_put(msg, type, static_cast<int>(a.byteLength()), a.bytes());
}

uint16_t createFlags(bool replace) {
  return kRequest | NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
}

// RTA_GATEWAY (same family as the route) or RTA_VIA (an IPv6 gateway of an IPv4 route).
bool decodeGateway(nlattr** tb, Family family, std::optional<IpAddress>& out, std::string* error) {
  if (tb[RTA_GATEWAY]) {
    const int n = nla_len(tb[RTA_GATEWAY]);
    if (n != (family == Family::kIpv4 ? 4 : 16)) {
      *error = "RTA_GATEWAY of " + std::to_string(n) + " bytes";
      return false;
    }
    out = IpAddress::fromBytes(family, nla_data(tb[RTA_GATEWAY]));
  } else if (tb[RTA_VIA]) {
    const int n = nla_len(tb[RTA_VIA]);
    uint16_t via_family = 0;
    if (n >= 2) std::memcpy(&via_family, nla_data(tb[RTA_VIA]), 2);
    const uint8_t* addr = static_cast<const uint8_t*>(nla_data(tb[RTA_VIA])) + 2;
    if (via_family == AF_INET && n == 6)
      out = IpAddress::fromBytes(Family::kIpv4, addr);
    else if (via_family == AF_INET6 && n == 18)
      out = IpAddress::fromBytes(Family::kIpv6, addr);
    else {
      *error = "RTA_VIA of " + std::to_string(n) + " bytes, family " + std::to_string(via_family);
      return false;
    }
  }
  return true;
}

bool decodeMultipath(const nlattr* mp, Family family, std::vector<RouteHop>& hops, std::string* error) {
  nla_policy policy[RTA_MAX + 1] = {};
  policy[RTA_OIF].type = NLA_U32;
  const auto* p = static_cast<const uint8_t*>(nla_data(mp));
  size_t rem = static_cast<size_t>(nla_len(mp));
  while (rem > 0) {
    rtnexthop rtnh;
    if (rem < sizeof rtnh) {
      *error = "RTA_MULTIPATH: truncated rtnexthop (" + std::to_string(rem) + " bytes)";
      return false;
    }
    std::memcpy(&rtnh, p, sizeof rtnh);
    if (rtnh.rtnh_len < sizeof rtnh || rtnh.rtnh_len > rem) {
      *error = "RTA_MULTIPATH: rtnh_len " + std::to_string(rtnh.rtnh_len) + " does not fit " +
               std::to_string(rem) + " bytes";
      return false;
    }
    RouteHop hop;
    hop.oif = static_cast<uint32_t>(rtnh.rtnh_ifindex);
    hop.weight = rtnh.rtnh_hops + 1u;
    hop.flags = rtnh.rtnh_flags;
    const size_t header = RTNH_ALIGN(sizeof rtnh);
    if (rtnh.rtnh_len > header) {
      nlattr* tb[RTA_MAX + 1];
      std::string nested_error;
      if (!parseAttributes(tb, RTA_MAX, p + header, static_cast<int>(rtnh.rtnh_len - header), policy,
                           &nested_error) ||
          !decodeGateway(tb, family, hop.gateway, &nested_error)) {
        *error = "RTA_MULTIPATH hop " + std::to_string(hops.size()) + ": " + nested_error;
        return false;
      }
    }
    hops.push_back(hop);
    const size_t step = std::min<size_t>(RTNH_ALIGN(rtnh.rtnh_len), rem);
    p += step;
    rem -= step;
  }
  return true;
}

}  // namespace

Bytes encodeNewRoute(const IpPrefix& prefix, uint32_t table, uint8_t protocol, uint32_t nhid, bool replace) {
  NlMsgPtr msg =
      routeMessage(RTM_NEWROUTE, createFlags(replace), unicastHeader(prefix, table, protocol), 128);
  if (!msg || putAddress(msg.get(), RTA_DST, prefix.address()) < 0 ||
      nla_put_u32(msg.get(), RTA_TABLE, table) < 0 || nla_put_u32(msg.get(), RTA_NH_ID, nhid) < 0)
    return {};
  return toBytes(msg.get());
}

Bytes encodeNewMultipathRoute(const IpPrefix& prefix, uint32_t table, uint8_t protocol,
                              const std::vector<RouteHop>& hops, bool replace) {
  NlMsgPtr msg = routeMessage(RTM_NEWROUTE, createFlags(replace), unicastHeader(prefix, table, protocol),
                              128 + 32 * hops.size());
  if (!msg || putAddress(msg.get(), RTA_DST, prefix.address()) < 0 ||
      nla_put_u32(msg.get(), RTA_TABLE, table) < 0)
    return {};
  nlattr* nest = nla_nest_start(msg.get(), RTA_MULTIPATH);
  if (!nest) return {};
  for (const RouteHop& hop : hops) {
    // The rtnexthop's length covers its attributes, so it is patched after they are added. Offsets, not
    // pointers, in case the buffer moves.
    auto* head = reinterpret_cast<uint8_t*>(nlmsg_hdr(msg.get()));
    auto* rtnh = static_cast<rtnexthop*>(nlmsg_reserve(msg.get(), sizeof(rtnexthop), NLMSG_ALIGNTO));
    if (!rtnh) return {};
    const size_t offset = reinterpret_cast<uint8_t*>(rtnh) - head;
    rtnh->rtnh_flags = 0;
    rtnh->rtnh_hops = static_cast<uint8_t>(std::clamp<uint32_t>(hop.weight, 1, 256) - 1);
    rtnh->rtnh_ifindex = static_cast<int>(hop.oif);
    if (hop.gateway && putAddress(msg.get(), RTA_GATEWAY, *hop.gateway) < 0) return {};
    head = reinterpret_cast<uint8_t*>(nlmsg_hdr(msg.get()));
    reinterpret_cast<rtnexthop*>(head + offset)->rtnh_len =
        static_cast<unsigned short>(nlmsg_hdr(msg.get())->nlmsg_len - offset);
  }
  if (nla_nest_end(msg.get(), nest) < 0) return {};
  return toBytes(msg.get());
}

Bytes encodeNewBlackholeRoute(const IpPrefix& prefix, uint32_t table, uint8_t protocol) {
  rtmsg rtm = unicastHeader(prefix, table, protocol);
  rtm.rtm_type = RTN_BLACKHOLE;
  NlMsgPtr msg = routeMessage(RTM_NEWROUTE, createFlags(false), rtm, 128);
  if (!msg || putAddress(msg.get(), RTA_DST, prefix.address()) < 0 ||
      nla_put_u32(msg.get(), RTA_TABLE, table) < 0)
    return {};
  return toBytes(msg.get());
}

Bytes encodeDelRoute(const IpPrefix& prefix, uint32_t table, uint8_t protocol) {
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(prefix.address().afFamily());
  rtm.rtm_dst_len = prefix.length();
  rtm.rtm_table = shortTable(table);
  rtm.rtm_protocol = protocol;
  rtm.rtm_scope = RT_SCOPE_NOWHERE;  // any scope
  rtm.rtm_type = RTN_UNSPEC;         // any type
  NlMsgPtr msg = routeMessage(RTM_DELROUTE, kRequest, rtm, 128);
  if (!msg || putAddress(msg.get(), RTA_DST, prefix.address()) < 0 ||
      nla_put_u32(msg.get(), RTA_TABLE, table) < 0)
    return {};
  return toBytes(msg.get());
}

Bytes encodeDumpRoutes(Family family, uint32_t table, uint8_t protocol) {
  rtmsg rtm{};
  rtm.rtm_family = family == Family::kIpv4 ? AF_INET : AF_INET6;
  rtm.rtm_table = shortTable(table);
  rtm.rtm_protocol = protocol;
  NlMsgPtr msg = routeMessage(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, rtm, 64);
  if (!msg || nla_put_u32(msg.get(), RTA_TABLE, table) < 0) return {};
  return toBytes(msg.get());
}

namespace {

// Strict checking wants rtm_dst_len 0 or the full address length, and no table or protocol in a lookup.
Bytes lookup(const IpAddress& destination, uint32_t rtm_flags) {
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(destination.afFamily());
  rtm.rtm_dst_len = static_cast<uint8_t>(destination.byteLength() * 8);
  rtm.rtm_flags = rtm_flags;
  NlMsgPtr msg = routeMessage(RTM_GETROUTE, kRequest, rtm, 64);
  if (!msg || putAddress(msg.get(), RTA_DST, destination) < 0) return {};
  return toBytes(msg.get());
}

}  // namespace

Bytes encodeGetRoute(const IpAddress& destination) {
  return lookup(destination, 0);
}

Bytes encodeGetFibEntry(const IpPrefix& prefix) {
  return lookup(prefix.address(), RTM_F_FIB_MATCH);
}

bool decodeRoute(const uint8_t* data, size_t len, RouteMessage& out, std::string* error) {
  out = {};
  ParsedMessage m;
  if (!m.parse(data, len, sizeof(rtmsg), error)) return false;
  const uint16_t type = m.header()->nlmsg_type;
  if (type != RTM_NEWROUTE && type != RTM_DELROUTE) {
    *error = "message type " + std::to_string(type) + " is not RTM_NEWROUTE/RTM_DELROUTE";
    return false;
  }
  const auto* rtm = static_cast<const rtmsg*>(m.familyHeader());
  if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) {
    *error = "route family " + std::to_string(rtm->rtm_family) + " is not IPv4/IPv6";
    return false;
  }
  out.type = type;
  out.family = rtm->rtm_family == AF_INET ? Family::kIpv4 : Family::kIpv6;
  const size_t addr_len = out.family == Family::kIpv4 ? 4 : 16;
  if (rtm->rtm_dst_len > addr_len * 8) {
    *error = "rtm_dst_len " + std::to_string(rtm->rtm_dst_len) + " too long for the family";
    return false;
  }
  out.dst_len = rtm->rtm_dst_len;
  out.protocol = rtm->rtm_protocol;
  out.scope = rtm->rtm_scope;
  out.route_type = rtm->rtm_type;
  out.flags = rtm->rtm_flags;
  out.table = rtm->rtm_table;
  const uint8_t zero[16] = {};
  out.dst = IpAddress::fromBytes(out.family, zero);

  nla_policy policy[RTA_MAX + 1] = {};
  policy[RTA_OIF].type = NLA_U32;
  policy[RTA_PRIORITY].type = NLA_U32;
  policy[RTA_TABLE].type = NLA_U32;
  policy[RTA_NH_ID].type = NLA_U32;
  nlattr* tb[RTA_MAX + 1];
  if (!m.attributes(tb, RTA_MAX, policy, error)) return false;
  if (tb[RTA_DST]) {
    if (static_cast<size_t>(nla_len(tb[RTA_DST])) != addr_len) {
      *error = "RTA_DST of " + std::to_string(nla_len(tb[RTA_DST])) + " bytes";
      return false;
    }
    out.dst = IpAddress::fromBytes(out.family, nla_data(tb[RTA_DST]));
  }
  if (tb[RTA_TABLE]) out.table = nla_get_u32(tb[RTA_TABLE]);
  if (tb[RTA_PRIORITY]) out.priority = nla_get_u32(tb[RTA_PRIORITY]);
  if (tb[RTA_NH_ID]) out.nhid = nla_get_u32(tb[RTA_NH_ID]);
  if (tb[RTA_MULTIPATH]) return decodeMultipath(tb[RTA_MULTIPATH], out.family, out.hops, error);
  RouteHop hop;
  if (!decodeGateway(tb, out.family, hop.gateway, error)) return false;
  if (tb[RTA_OIF]) hop.oif = nla_get_u32(tb[RTA_OIF]);
  if (hop.gateway || hop.oif) out.hops.push_back(hop);
  return true;
}

}  // namespace anycastd::nl
