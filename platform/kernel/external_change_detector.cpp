#include "platform/kernel/external_change_detector.h"

#include <linux/rtnetlink.h>

#include <cstring>

#include "netlink/link_message.h"
#include "netlink/nexthop_message.h"
#include "netlink/route_message.h"

namespace anycastd {

void ExternalChangeDetector::watchLinks(const std::set<uint32_t>& ifindexes) {
  for (uint32_t i : ifindexes) links_.emplace(i, true);
}

void ExternalChangeDetector::forgetLinkStates() {
  for (auto& [index, usable] : links_) usable.reset();
}

std::optional<std::string> ExternalChangeDetector::examine(const uint8_t* data, size_t len) {
  nlmsghdr h;
  if (!data || len < sizeof h) return std::nullopt;
  std::memcpy(&h, data, sizeof h);
  std::string ignored;
  switch (h.nlmsg_type) {
    case RTM_DELNEXTHOP: {
      nl::NexthopMessage nh;
      if (h.nlmsg_pid == own_port_ || !nl::decodeNexthop(data, len, nh, &ignored) || nh.protocol != protocol_)
        return std::nullopt;
      return "nexthop object " + std::to_string(nh.id) + (nh.gateway ? " via " + nh.gateway->str() : "") +
             " deleted";
    }
    case RTM_DELROUTE: {
      nl::RouteMessage r;
      if (h.nlmsg_pid == own_port_ || !nl::decodeRoute(data, len, r, &ignored) || r.protocol != protocol_ ||
          r.table != table_)
        return std::nullopt;
      return "route " + r.prefix().str() + " deleted";
    }
    case RTM_NEWLINK:
    case RTM_DELLINK: return examineLink(data, len);
    default: return std::nullopt;
  }
}

std::optional<std::string> ExternalChangeDetector::examineLink(const uint8_t* data, size_t len) {
  nl::LinkMessage link;
  std::string ignored;
  if (!nl::decodeLink(data, len, link, &ignored)) return std::nullopt;
  auto it = links_.find(link.index);
  if (it == links_.end()) return std::nullopt;
  const std::string name = "link " + (link.name.empty() ? "#" + std::to_string(link.index) : link.name);
  if (link.type == RTM_DELLINK) {
    links_.erase(it);
    return name + " deleted";
  }
  const bool usable = link.usable();
  if (usable == it->second) return std::nullopt;
  it->second = usable;
  return usable ? name + " is up again" : name + " went down";
}

}  // namespace anycastd
