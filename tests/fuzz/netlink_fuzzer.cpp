// libFuzzer target: everything that parses what the kernel sends over rtnetlink. Input: one datagram. It is
// cut into messages as NetlinkSocket does (splitDatagram) and each message goes through every decoder
// (netlink/*_message.h: route, nexthop, link, neighbour, ACK/DONE), the ReachabilityDetector and the
// ExternalChangeDetector; the decoded routes and nexthop objects then go through the kernel view
// (platform/kernel_view.h: own routes, adoption, orphans) as a dump would. Seeds: tests/fuzz/corpus/netlink/
// (dumps and notifications captured from the kernel).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "netlink/link_message.h"
#include "netlink/neighbour_message.h"
#include "netlink/netlink_message.h"
#include "netlink/nexthop_message.h"
#include "netlink/route_message.h"
#include "platform/kernel/external_change_detector.h"
#include "platform/kernel_view.h"
#include "platform/reachability_detector.h"

using namespace anycastd;

namespace {

constexpr uint8_t kProtocol = 200;  // the agent's (examples/anycastd.conf)
constexpr uint32_t kTable = 254;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nl::Bytes datagram(data, data + size);  // heap copy, aligned as a received buffer is
  ReachabilityDetector reach;
  reach.watchGateways({{*IpAddress::parse("192.0.2.2"), 2},
                       {*IpAddress::parse("192.0.2.6"), 3},
                       {*IpAddress::parse("2001:db8:1::2"), 0}});
  ExternalChangeDetector external(kProtocol, kTable, 4242);
  external.watchLinks({1, 2, 3});

  std::vector<nl::RouteMessage> routes;
  NexthopTable nexthops;
  for (const nl::MessageSpan& span : nl::splitDatagram(datagram.data(), datagram.size())) {
    const nl::Bytes m(datagram.begin() + static_cast<std::ptrdiff_t>(span.offset),
                      datagram.begin() + static_cast<std::ptrdiff_t>(span.offset + span.length));
    std::string error;
    nl::RouteMessage route;
    if (nl::decodeRoute(m, route, &error)) {
      (void)route.prefix();
      routes.push_back(route);
    }
    nl::NexthopMessage nh;
    if (nl::decodeNexthop(m, nh, &error)) nexthops[nh.id] = nh;
    nl::LinkMessage link;
    if (nl::decodeLink(m, link, &error)) (void)link.usable();
    nl::NeighbourMessage neigh;
    if (nl::decodeNeighbour(m, neigh, &error)) (void)neigh.resolutionFailed();
    nl::AckInfo ack;
    (void)nl::decodeAck(m.data(), m.size(), ack, &error);
    (void)reach.examine(m);
    (void)external.examine(m);
  }
  // As a dump would be used, with the agent's protocol and with the first route's (whatever it is).
  std::vector<uint8_t> protocols = {kProtocol};
  if (!routes.empty()) protocols.push_back(routes.front().protocol);
  for (uint8_t protocol : protocols) {
    const uint32_t table = protocol == kProtocol ? kTable : routes.front().table;
    OwnRoutes own = collectOwnRoutes(routes, protocol, table);
    for (const auto& [prefix, r] : own) (void)describeRoute(r, nexthops, protocol);
    (void)findOrphans(own, nexthops, protocol);
    KernelState state = adoptKernelState(own, nexthops, protocol, {});
    (void)adoptKernelState(own, nexthops, protocol, state.entries);
    for (const auto& [id, nh] : nexthops)
      if (nh.isGroup())
        (void)describeDetachedGroup(id, nh.family == 10 ? Family::kIpv6 : Family::kIpv4, nexthops, protocol);
  }
  return 0;
}
