#include "netlink/nexthop_message.h"

#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>

namespace anycastd::nl {
namespace {

constexpr uint16_t kRequest = NLM_F_REQUEST | NLM_F_ACK;

uint32_t toClockTicks(uint32_t seconds) {
  constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max() / kClockTicksPerSecond;
  return std::min(seconds, kMax) * kClockTicksPerSecond;
}

NlMsgPtr nexthopMessage(uint16_t type, uint16_t flags, uint8_t family, uint8_t protocol, size_t capacity) {
  NlMsgPtr msg = newMessage(type, flags, capacity);
  if (!msg) return nullptr;
  nhmsg nhm{};
  nhm.nh_family = family;
  nhm.nh_protocol = protocol;
  if (nlmsg_append(msg.get(), &nhm, sizeof nhm, NLMSG_ALIGNTO) < 0) return nullptr;
  return msg;
}

}  // namespace

Bytes encodeNewNexthop(uint32_t id, uint8_t protocol, const IpAddress& gateway, uint32_t oif,
                       uint32_t flags) {
  NlMsgPtr msg = nexthopMessage(RTM_NEWNEXTHOP, kRequest | NLM_F_CREATE | NLM_F_EXCL,
                                static_cast<uint8_t>(gateway.afFamily()), protocol, 128);
  if (!msg) return {};
  auto* nhm = static_cast<nhmsg*>(nlmsg_data(nlmsg_hdr(msg.get())));
  nhm->nh_flags = flags;
  if (nla_put_u32(msg.get(), NHA_ID, id) < 0 ||
      nla_put(msg.get(), NHA_GATEWAY, static_cast<int>(gateway.byteLength()), gateway.bytes()) < 0 ||
      nla_put_u32(msg.get(), NHA_OIF, oif) < 0)
    return {};
  return toBytes(msg.get());
}

Bytes encodeNewGroup(uint32_t id, uint8_t protocol, const std::vector<GroupMember>& members,
                     const GroupSpec& spec, bool replace) {
  const uint16_t flags = kRequest | NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
  NlMsgPtr msg = nexthopMessage(RTM_NEWNEXTHOP, flags, AF_UNSPEC, protocol, 128 + 8 * members.size());
  if (!msg) return {};
  std::vector<nexthop_grp> entries(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    entries[i] = {};
    entries[i].id = members[i].id;
    entries[i].weight = static_cast<uint8_t>(std::clamp<uint32_t>(members[i].weight, 1, 256) - 1);
  }
  if (nla_put_u32(msg.get(), NHA_ID, id) < 0 ||
      nla_put(msg.get(), NHA_GROUP, static_cast<int>(entries.size() * sizeof(nexthop_grp)), entries.data()) <
          0 ||
      nla_put_u16(msg.get(), NHA_GROUP_TYPE, static_cast<uint16_t>(spec.type)) < 0)
    return {};
  if (spec.type == GroupType::kResilient) {
    nlattr* nest = nla_nest_start(msg.get(), NHA_RES_GROUP);
    if (!nest || nla_put_u16(msg.get(), NHA_RES_GROUP_BUCKETS, spec.resilient.buckets) < 0 ||
        nla_put_u32(msg.get(), NHA_RES_GROUP_IDLE_TIMER, toClockTicks(spec.resilient.idle_timer_s)) < 0 ||
        nla_put_u32(msg.get(), NHA_RES_GROUP_UNBALANCED_TIMER,
                    toClockTicks(spec.resilient.unbalanced_timer_s)) < 0 ||
        nla_nest_end(msg.get(), nest) < 0)
      return {};
  }
  return toBytes(msg.get());
}

Bytes encodeDelNexthop(uint32_t id) {
  NlMsgPtr msg = nexthopMessage(RTM_DELNEXTHOP, kRequest, AF_UNSPEC, 0, 64);
  if (!msg || nla_put_u32(msg.get(), NHA_ID, id) < 0) return {};
  return toBytes(msg.get());
}

Bytes encodeGetNexthop(uint32_t id) {
  NlMsgPtr msg = nexthopMessage(RTM_GETNEXTHOP, kRequest, AF_UNSPEC, 0, 64);
  if (!msg || nla_put_u32(msg.get(), NHA_ID, id) < 0) return {};
  return toBytes(msg.get());
}

Bytes encodeDumpNexthops() {
  NlMsgPtr msg = nexthopMessage(RTM_GETNEXTHOP, NLM_F_REQUEST | NLM_F_DUMP, AF_UNSPEC, 0, 64);
  return toBytes(msg.get());
}

bool decodeNexthop(const uint8_t* data, size_t len, NexthopMessage& out, std::string* error) {
  out = {};
  ParsedMessage m;
  if (!m.parse(data, len, sizeof(nhmsg), error)) return false;
  const uint16_t type = m.header()->nlmsg_type;
  if (type != RTM_NEWNEXTHOP && type != RTM_DELNEXTHOP) {
    *error = "message type " + std::to_string(type) + " is not RTM_NEWNEXTHOP/RTM_DELNEXTHOP";
    return false;
  }
  const auto* nhm = static_cast<const nhmsg*>(m.familyHeader());
  out.type = type;
  out.family = nhm->nh_family;
  out.scope = nhm->nh_scope;
  out.protocol = nhm->nh_protocol;
  out.flags = nhm->nh_flags;

  nla_policy policy[NHA_MAX + 1] = {};
  policy[NHA_ID].type = NLA_U32;
  policy[NHA_GROUP_TYPE].type = NLA_U16;
  policy[NHA_OIF].type = NLA_U32;
  policy[NHA_RES_GROUP].type = NLA_NESTED;
  nlattr* tb[NHA_MAX + 1];
  if (!m.attributes(tb, NHA_MAX, policy, error)) return false;
  if (!tb[NHA_ID]) {
    *error = "nexthop message without NHA_ID";
    return false;
  }
  out.id = nla_get_u32(tb[NHA_ID]);
  if (tb[NHA_OIF]) out.oif = nla_get_u32(tb[NHA_OIF]);
  out.blackhole = tb[NHA_BLACKHOLE] != nullptr;
  if (tb[NHA_GATEWAY]) {
    // An IPv4 nexthop may have an IPv6 gateway (RFC 5549), so the length decides.
    const int n = nla_len(tb[NHA_GATEWAY]);
    if (n != 4 && n != 16) {
      *error = "nexthop " + std::to_string(out.id) + ": NHA_GATEWAY of " + std::to_string(n) + " bytes";
      return false;
    }
    out.gateway = IpAddress::fromBytes(n == 4 ? Family::kIpv4 : Family::kIpv6, nla_data(tb[NHA_GATEWAY]));
  }
  if (tb[NHA_GROUP]) {
    const size_t n = static_cast<size_t>(nla_len(tb[NHA_GROUP]));
    if (n == 0 || n % sizeof(nexthop_grp) != 0) {
      *error = "nexthop " + std::to_string(out.id) + ": NHA_GROUP of " + std::to_string(n) +
               " bytes is not a list of nexthop_grp";
      return false;
    }
    const auto* raw = static_cast<const uint8_t*>(nla_data(tb[NHA_GROUP]));
    for (size_t off = 0; off < n; off += sizeof(nexthop_grp)) {
      nexthop_grp g;
      std::memcpy(&g, raw + off, sizeof g);
      // Kernels from 6.12 carry the weight's high byte in the byte after `weight` (weight_high; resvd1 in
      // older headers, so it is read by offset to build against either); older kernels leave it 0.
      const uint8_t weight_high = raw[off + offsetof(nexthop_grp, weight) + 1];
      out.group.push_back({g.id, ((static_cast<uint32_t>(weight_high) << 8) | g.weight) + 1u});
    }
  }
  if (tb[NHA_GROUP_TYPE]) {
    const uint16_t t = nla_get_u16(tb[NHA_GROUP_TYPE]);
    if (t > NEXTHOP_GRP_TYPE_RES) {
      *error = "nexthop " + std::to_string(out.id) + ": unknown group type " + std::to_string(t);
      return false;
    }
    out.group_type = static_cast<GroupType>(t);
  }
  if (tb[NHA_RES_GROUP]) {
    nla_policy res_policy[NHA_RES_GROUP_MAX + 1] = {};
    res_policy[NHA_RES_GROUP_BUCKETS].type = NLA_U16;
    res_policy[NHA_RES_GROUP_IDLE_TIMER].type = NLA_U32;
    res_policy[NHA_RES_GROUP_UNBALANCED_TIMER].type = NLA_U32;
    res_policy[NHA_RES_GROUP_UNBALANCED_TIME].type = NLA_U64;
    nlattr* rtb[NHA_RES_GROUP_MAX + 1];
    std::string nested_error;
    if (!parseNested(rtb, NHA_RES_GROUP_MAX, tb[NHA_RES_GROUP], res_policy, &nested_error)) {
      *error = "nexthop " + std::to_string(out.id) + ": NHA_RES_GROUP: " + nested_error;
      return false;
    }
    ResilientParams r;
    if (rtb[NHA_RES_GROUP_BUCKETS]) r.buckets = nla_get_u16(rtb[NHA_RES_GROUP_BUCKETS]);
    if (rtb[NHA_RES_GROUP_IDLE_TIMER])
      r.idle_timer_s = nla_get_u32(rtb[NHA_RES_GROUP_IDLE_TIMER]) / kClockTicksPerSecond;
    if (rtb[NHA_RES_GROUP_UNBALANCED_TIMER])
      r.unbalanced_timer_s = nla_get_u32(rtb[NHA_RES_GROUP_UNBALANCED_TIMER]) / kClockTicksPerSecond;
    out.resilient = r;
  }
  return true;
}

}  // namespace anycastd::nl
