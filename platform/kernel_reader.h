// KernelReader: reads what the kernel dataplane needs to know, through its request socket: whether the
// kernel has nexthop objects, full snapshots (the agent's routes of both families and every nexthop object:
// dumps, for start-up and resynchronisation) and the state behind one prefix (its route and the objects it,
// or a group kept for it, uses), which costs a few requests whatever the size of the table: one route
// lookup with RTM_F_FIB_MATCH and one RTM_GETNEXTHOP per object; only when the lookup cannot show the
// route that should be there does it fall back to a dump of the prefix's family. Messages are decoded here;
// a message that cannot be decoded fails the read (EPROTO). Borrows the socket; event-loop thread; errors
// come back as Status naming the request.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/status.h"
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
  //
  // The route comes from the FIB entry the lookup of the prefix's first address matches, taken only if it
  // is exactly `prefix` of the agent's protocol and table. A lookup sees one route per address: the longest
  // prefix, then the best metric, alive, in a table the policy rules reach. So when it shows no route of
  // the agent's for `prefix` the route may still exist (in a table no rule reaches, behind another
  // protocol's better route or a more specific one, with its next hops down): if `expect_route` (the
  // caller's last knowledge says the route is there) the family's routes are dumped to be sure; if not,
  // the route is taken as absent, and the caller adds it with NLM_F_EXCL, which the kernel refuses
  // (EEXIST) if it exists after all. *dumped (if given) says whether the dump was needed.
  Status readPrefix(const IpPrefix& prefix, uint32_t extra_group, bool expect_route, Snapshot& out,
                    bool* dumped = nullptr);

 private:
  Status dumpRoutes(Family family, std::vector<nl::RouteMessage>& out);
  // The agent's route for exactly `prefix` as the lookup shows it; found is false if it shows none.
  Status lookupRoute(const IpPrefix& prefix, bool& found, nl::RouteMessage& out);
  Status getNexthop(uint32_t id, NexthopTable& into);
  Status getWithMembers(uint32_t id, NexthopTable& into);

  nl::NetlinkSocket& socket_;
  uint8_t protocol_;
  uint32_t table_;
};

}  // namespace anycastd
