// ExternalChangeDetector: tells which kernel notifications mean that someone other than the agent changed
// the agent's routes or nexthop objects, so that the agent resynchronises:
//  - RTM_DELNEXTHOP of an object of the agent's protocol, RTM_DELROUTE of a route of its protocol in its
//    table, unless the agent's own request socket caused it (the notification carries the requester's
//    netlink port);
//  - a link that the agent's next hops use going down or losing carrier (the kernel then flushes the
//    nexthop objects on it, and with them emptied groups and their routes, without any RTM_DELNEXTHOP or
//    RTM_DELROUTE), coming back (the objects can be created again), or being deleted.
// Pure: fed raw messages, returns a reason; keeps only the watched links' last state. Event-loop thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "netlink/netlink_message.h"

namespace anycastd {

class ExternalChangeDetector {
 public:
  ExternalChangeDetector(uint8_t protocol, uint32_t table, uint32_t own_port)
      : protocol_(protocol), table_(table), own_port_(own_port) {}

  // Starts watching these links (new ones are assumed usable: the agent just used them). Links already
  // watched keep their state, so that one that went down is noticed when it comes back.
  void watchLinks(const std::set<uint32_t>& ifindexes);
  bool watches(uint32_t ifindex) const { return links_.count(ifindex) != 0; }
  // After lost notifications: the watched links' states are unknown, so the next notification about each
  // counts as a change.
  void forgetLinkStates();

  // Why `message` is an external change to the agent's state, or nullopt. Undecodable messages are ignored.
  std::optional<std::string> examine(const uint8_t* data, size_t len);
  std::optional<std::string> examine(const nl::Bytes& m) { return examine(m.data(), m.size()); }

 private:
  std::optional<std::string> examineLink(const uint8_t* data, size_t len);

  uint8_t protocol_;
  uint32_t table_;
  uint32_t own_port_;
  std::map<uint32_t, std::optional<bool>> links_;  // ifindex -> usable (nullopt: unknown)
};

}  // namespace anycastd
