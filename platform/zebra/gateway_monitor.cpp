#include "platform/zebra/gateway_monitor.h"

#include <linux/rtnetlink.h>

#include <cerrno>
#include <string>

#include "lib/log.h"
#include "netlink/link_message.h"
#include "netlink/route_message.h"

namespace anycastd {
namespace {

constexpr int kEventBufferBytes = 1 << 20;
constexpr int kMaxDatagramsPerCall = 256;  // the rest waits for the next call (the fd stays readable)

nl::NetlinkSocket::Options eventSocketOptions() {
  nl::NetlinkSocket::Options o;
  o.groups = {RTNLGRP_LINK, RTNLGRP_NEIGH};
  o.nonblocking = true;
  o.receive_buffer = kEventBufferBytes;
  return o;
}

}  // namespace

GatewayMonitor::GatewayMonitor() : events_(eventSocketOptions()), requests_(nl::NetlinkSocket::Options{}) {}

uint32_t GatewayMonitor::lookUpDevice(const IpAddress& gateway) {
  std::vector<nl::Bytes> replies;
  if (!requests_.request(nl::encodeGetRoute(gateway), &replies).isOk() || replies.empty()) return 0;
  nl::RouteMessage r;
  std::string error;
  if (!nl::decodeRoute(replies.front(), r, &error) || r.route_type != RTN_UNICAST || r.hops.empty()) return 0;
  const nl::RouteHop& hop = r.hops.front();
  // Only a directly connected server has a device of its own to watch.
  if (hop.gateway && *hop.gateway != gateway) return 0;
  return hop.oif;
}

void GatewayMonitor::watch(const std::set<IpAddress>& gateways) {
  std::map<IpAddress, uint32_t> next;
  const auto& known = detector_.watched();
  for (const IpAddress& g : gateways) {
    auto it = known.find(g);
    next[g] = it != known.end() && it->second ? it->second : lookUpDevice(g);
  }
  detector_.watchGateways(std::move(next));
}

void GatewayMonitor::resynchronise(std::vector<Unreachable>& out) {
  ++resynchronisations_;
  std::vector<nl::Bytes> links;
  if (Status s = requests_.dump(nl::encodeDumpLinks(), links); !s.isOk()) {
    logWarning("zebra: after lost link notifications, the link dump failed: " + s.message);
  } else {
    for (const nl::Bytes& m : links)
      if (auto u = detector_.examine(m)) out.push_back(std::move(*u));
  }
  std::map<IpAddress, uint32_t> again;
  for (const auto& [g, oif] : detector_.watched()) again[g] = lookUpDevice(g);
  detector_.watchGateways(std::move(again));
}

std::vector<Unreachable> GatewayMonitor::process() {
  std::vector<nl::Bytes> messages;
  const bool overrun = events_.receivePending(messages, kMaxDatagramsPerCall);
  std::vector<Unreachable> out;
  for (const nl::Bytes& m : messages)
    if (auto u = detector_.examine(m)) out.push_back(std::move(*u));
  if (overrun) {
    logWarning("zebra: link and neighbour notifications were lost (overrun); reading every link again");
    resynchronise(out);
  }
  return out;
}

}  // namespace anycastd
