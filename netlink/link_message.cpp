#include "netlink/link_message.h"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace anycastd::nl {

Bytes encodeDumpLinks() {
  NlMsgPtr msg = newMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 64);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  if (!msg || nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) return {};
  return toBytes(msg.get());
}

bool LinkMessage::usable() const {
  return type == RTM_NEWLINK && (flags & IFF_UP) && (flags & (IFF_RUNNING | IFF_LOWER_UP));
}

bool decodeLink(const uint8_t* data, size_t len, LinkMessage& out, std::string* error) {
  out = {};
  ParsedMessage m;
  if (!m.parse(data, len, sizeof(ifinfomsg), error)) return false;
  const uint16_t type = m.header()->nlmsg_type;
  if (type != RTM_NEWLINK && type != RTM_DELLINK) {
    *error = "message type " + std::to_string(type) + " is not RTM_NEWLINK/RTM_DELLINK";
    return false;
  }
  const auto* ifi = static_cast<const ifinfomsg*>(m.familyHeader());
  out.type = type;
  out.index = static_cast<uint32_t>(ifi->ifi_index);
  out.flags = ifi->ifi_flags;
  nla_policy policy[IFLA_IFNAME + 1] = {};
  policy[IFLA_IFNAME].type = NLA_STRING;
  nlattr* tb[IFLA_IFNAME + 1];
  if (!m.attributes(tb, IFLA_IFNAME, policy, error)) return false;
  if (tb[IFLA_IFNAME]) out.name = static_cast<const char*>(nla_data(tb[IFLA_IFNAME]));
  return true;
}

}  // namespace anycastd::nl
