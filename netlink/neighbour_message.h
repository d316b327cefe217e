// Neighbour messages (RTM_NEWNEIGH/RTM_DELNEIGH): a decoder for the fields the kernel dataplane watches to
// notice a server that stopped answering ARP/ND (its entry becomes NUD_FAILED) long before the health
// checks would: family, device, state, destination address and the notifying port (0 when the kernel's own
// neighbour timer changed the state; the requester's port when someone ran `ip neigh del/replace`).
// Pure; any thread; returns false with a reason on truncated or malformed input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lib/ip_address.h"
#include "netlink/netlink_message.h"

namespace anycastd::nl {

struct NeighbourMessage {
  uint16_t type = 0;  // RTM_NEWNEIGH or RTM_DELNEIGH
  uint32_t port = 0;  // nlmsg_pid: 0 for the kernel's own changes
  uint32_t ifindex = 0;
  uint16_t state = 0;                // NUD_*
  uint8_t flags = 0;                 // NTF_*
  std::optional<IpAddress> address;  // NDA_DST (absent for families other than IPv4/IPv6)

  // The kernel gave up resolving the address (RTM_NEWNEIGH in NUD_FAILED, reported by the kernel itself
  // rather than caused by an administrative request).
  bool resolutionFailed() const;
};

bool decodeNeighbour(const uint8_t* data, size_t len, NeighbourMessage& out, std::string* error);
inline bool decodeNeighbour(const Bytes& b, NeighbourMessage& out, std::string* error) {
  return decodeNeighbour(b.data(), b.size(), out, error);
}

}  // namespace anycastd::nl
