// GatewayMonitor: the fast failure path of zebra mode. zebra owns the routes there, so the kernel dataplane's
// notifications are not at hand; this watches links and neighbours on a netlink socket of its own and tells
// which of the agent's gateways (server addresses) just became unreachable, so that their servers leave at
// once instead of after `fall` failed probes (the same judgement as kernel mode: reachability_detector.h).
//
// - Each watched gateway's device is found by a route lookup in the kernel when the gateway is first
//   watched (a gateway without a connected route yet is looked up again at every watch() until it has one;
//   until then only a failed neighbour entry takes it out).
// - Lost notifications (ENOBUFS) are made good by dumping every link and judging each as if it had just
//   been announced, and by looking every gateway's device up again: a link that went down while
//   notifications were being dropped is still reported.
//
// Owns two netlink sockets (notifications behind fd(); requests). The constructor throws
// std::runtime_error when a socket cannot be opened. Event-loop thread only; nothing blocks except the
// lookups, each a single netlink request answered by the kernel at once.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "lib/ip_address.h"
#include "netlink/netlink_socket.h"
#include "platform/reachability_detector.h"

namespace anycastd {

class GatewayMonitor {
 public:
  GatewayMonitor();

  int fd() const { return events_.fd(); }

  // Replaces the watched gateways (looking up the device of those not known yet).
  void watch(const std::set<IpAddress>& gateways);
  const std::map<IpAddress, uint32_t>& watched() const { return detector_.watched(); }

  // Reads the pending notifications; returns the watched gateways they make unreachable, with why.
  std::vector<Unreachable> process();
  // How many times lost notifications made it read every link again.
  uint64_t resynchronisations() const { return resynchronisations_; }

 private:
  uint32_t lookUpDevice(const IpAddress& gateway);  // 0: no connected route now
  void resynchronise(std::vector<Unreachable>& out);

  nl::NetlinkSocket events_;
  nl::NetlinkSocket requests_;
  ReachabilityDetector detector_;
  uint64_t resynchronisations_ = 0;
};

}  // namespace anycastd
