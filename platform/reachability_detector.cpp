#include "platform/reachability_detector.h"

#include <linux/rtnetlink.h>

#include <cstring>

#include "netlink/link_message.h"
#include "netlink/neighbour_message.h"

namespace anycastd {

std::optional<Unreachable> ReachabilityDetector::examine(const uint8_t* data, size_t len) const {
  nlmsghdr h;
  if (!data || len < sizeof h || gateways_.empty()) return std::nullopt;
  std::memcpy(&h, data, sizeof h);
  switch (h.nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: return examineLink(data, len);
    case RTM_NEWNEIGH: return examineNeighbour(data, len);
    default: return std::nullopt;
  }
}

std::optional<Unreachable> ReachabilityDetector::examineLink(const uint8_t* data, size_t len) const {
  nl::LinkMessage link;
  std::string ignored;
  if (!nl::decodeLink(data, len, link, &ignored) || link.usable() || link.index == 0) return std::nullopt;
  Unreachable out;
  for (const auto& [gateway, oif] : gateways_)
    if (oif == link.index) out.gateways.push_back(gateway);
  if (out.gateways.empty()) return std::nullopt;
  out.why = "link " + (link.name.empty() ? "#" + std::to_string(link.index) : link.name) +
            (link.type == RTM_DELLINK ? " deleted" : " down");
  return out;
}

std::optional<Unreachable> ReachabilityDetector::examineNeighbour(const uint8_t* data, size_t len) const {
  nl::NeighbourMessage n;
  std::string ignored;
  if (!nl::decodeNeighbour(data, len, n, &ignored) || !n.resolutionFailed()) return std::nullopt;
  auto it = gateways_.find(*n.address);
  if (it == gateways_.end() || (it->second != 0 && it->second != n.ifindex)) return std::nullopt;
  return Unreachable{{*n.address}, "neighbour " + n.address->str() + " failed"};
}

}  // namespace anycastd
