// ReachabilityDetector: tells from kernel notifications which of the agent's next hops (server gateways)
// just became unreachable, so that the agent takes those servers out at once instead of waiting for `fall`
// failed probes:
//  - the link a gateway is reached through goes down, loses carrier (RTM_NEWLINK without IFF_UP, or without
//    IFF_RUNNING/IFF_LOWER_UP) or is deleted: every gateway on it, "link eth-s2 down";
//  - the kernel gives up resolving a gateway's address (RTM_NEWNEIGH in NUD_FAILED, sent by the kernel's own
//    neighbour timer; a failure caused by `ip neigh del`/`replace` carries the requester's port and is
//    ignored, so flushing the neighbour table by hand takes no server out): "neighbour 192.0.2.6 failed".
// Only gateways given to watchGateways() are reported (those in the agent's routes: a server outside every
// route is down or drained already, and its probes decide when it comes back).
//
// Pure: fed raw messages, returns the gateways and a reason. Event-loop thread. Undecodable messages are
// ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/ip_address.h"
#include "netlink/netlink_message.h"

namespace anycastd {

struct Unreachable {
  std::vector<IpAddress> gateways;  // sorted
  std::string why;                  // "link eth-s2 down", "neighbour 192.0.2.6 failed"
};

class ReachabilityDetector {
 public:
  // Replaces the watched gateways: each with the device it is reached through (0: unknown; such a gateway
  // is reported only for neighbour failures).
  void watchGateways(std::map<IpAddress, uint32_t> gateway_oifs) { gateways_ = std::move(gateway_oifs); }
  const std::map<IpAddress, uint32_t>& watched() const { return gateways_; }

  // The watched gateways `message` makes unreachable, or nullopt.
  std::optional<Unreachable> examine(const uint8_t* data, size_t len) const;
  std::optional<Unreachable> examine(const nl::Bytes& m) const { return examine(m.data(), m.size()); }

 private:
  std::optional<Unreachable> examineLink(const uint8_t* data, size_t len) const;
  std::optional<Unreachable> examineNeighbour(const uint8_t* data, size_t len) const;

  std::map<IpAddress, uint32_t> gateways_;
};

}  // namespace anycastd
