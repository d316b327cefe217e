// Link messages (RTM_NEWLINK/RTM_DELLINK): a decoder for the fields the dataplanes watch (index, flags,
// name), and the request for a dump of every link. The kernel flushes nexthop objects bound to a device that
// goes down or loses carrier without any RTM_DELNEXTHOP notification, so link state changes are the only sign
// of that. Pure; any thread; returns false with a reason on truncated or malformed input.
#pragma once

#include <cstdint>
#include <string>

#include "netlink/netlink_message.h"

namespace anycastd::nl {

struct LinkMessage {
  uint16_t type = 0;  // RTM_NEWLINK or RTM_DELLINK
  uint32_t index = 0;
  uint32_t flags = 0;  // IFF_*
  std::string name;
  // What the kernel's nexthop code calls usable: up and (running or lower-up). Otherwise it flushes the
  // device's nexthop objects.
  bool usable() const;
};

bool decodeLink(const uint8_t* data, size_t len, LinkMessage& out, std::string* error);
inline bool decodeLink(const Bytes& b, LinkMessage& out, std::string* error) {
  return decodeLink(b.data(), b.size(), out, error);
}

// RTM_GETLINK dump of every link (NLM_F_REQUEST|NLM_F_DUMP); the answers decode with decodeLink.
Bytes encodeDumpLinks();

}  // namespace anycastd::nl
