// KernelReader: reads what the kernel dataplane needs to know, through its request socket: whether the
// kernel has nexthop objects, full snapshots (the agent's routes of both families and every nexthop object)
// and the state behind one prefix (its route and the objects it, or a group kept for it, uses: a few
// targeted RTM_GETNEXTHOP requests). Messages are decoded here; a message that cannot be decoded fails the
// read (EPROTO). Borrows the socket; event-loop thread; errors come back as Status naming the request.
#pragma once

#include <cstdint>
#include <vector>

#include "agent/status.h"
#include "netlink/netlink_socket.h"
#include "platform/kernel_view.h"

namespace anycastd {

class KernelReader {
 public:
  KernelReader(nl::NetlinkSocket& socket, uint8_t protocol, uint32_t table)
      : socket_(socket), protocol_(protocol), table_(table) {}

  // True if an RTM_GETNEXTHOP dump works. Errors other than "not supported" are returned.
  Status probeNexthopObjects(bool& supported);

  struct Snapshot {
    OwnRoutes routes;
    NexthopTable nexthops;
  };

  // The agent's routes (both families) and, if with_nexthops, every nexthop object.
  Status readAll(bool with_nexthops, Snapshot& out);

  // The agent's route for `prefix` (if any) and the nexthop objects it uses, plus group `extra_group` (if
  // nonzero and present) and its members. Objects the kernel does not have are simply not in the table.
  Status readPrefix(const IpPrefix& prefix, uint32_t extra_group, Snapshot& out);

 private:
  Status dumpRoutes(Family family, std::vector<nl::RouteMessage>& out);
  Status getNexthop(uint32_t id, NexthopTable& into);
  Status getWithMembers(uint32_t id, NexthopTable& into);

  nl::NetlinkSocket& socket_;
  uint8_t protocol_;
  uint32_t table_;
};

}  // namespace anycastd
