#include "netlink/neighbour_message.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace anycastd::nl {

bool NeighbourMessage::resolutionFailed() const {
  return type == RTM_NEWNEIGH && (state & NUD_FAILED) && port == 0 && address.has_value();
}

bool decodeNeighbour(const uint8_t* data, size_t len, NeighbourMessage& out, std::string* error) {
  out = {};
  ParsedMessage m;
  if (!m.parse(data, len, sizeof(ndmsg), error)) return false;
  const uint16_t type = m.header()->nlmsg_type;
  if (type != RTM_NEWNEIGH && type != RTM_DELNEIGH) {
    *error = "message type " + std::to_string(type) + " is not RTM_NEWNEIGH/RTM_DELNEIGH";
    return false;
  }
  const auto* ndm = static_cast<const ndmsg*>(m.familyHeader());
  out.type = type;
  out.port = m.header()->nlmsg_pid;
  out.ifindex = static_cast<uint32_t>(ndm->ndm_ifindex);
  out.state = ndm->ndm_state;
  out.flags = ndm->ndm_flags;
  nla_policy policy[NDA_DST + 1] = {};
  nlattr* tb[NDA_DST + 1];
  if (!m.attributes(tb, NDA_DST, policy, error)) return false;
  if (tb[NDA_DST] && (ndm->ndm_family == AF_INET || ndm->ndm_family == AF_INET6)) {
    const Family family = ndm->ndm_family == AF_INET ? Family::kIpv4 : Family::kIpv6;
    const int want = family == Family::kIpv4 ? 4 : 16;
    if (nla_len(tb[NDA_DST]) != want) {
      *error = "NDA_DST of " + std::to_string(nla_len(tb[NDA_DST])) + " bytes for family " +
               std::to_string(ndm->ndm_family);
      return false;
    }
    out.address = IpAddress::fromBytes(family, nla_data(tb[NDA_DST]));
  }
  return true;
}

}  // namespace anycastd::nl
