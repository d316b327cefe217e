#include "platform/kernel_reader.h"

#include <linux/rtnetlink.h>

#include <cerrno>

#include "netlink/nexthop_message.h"
#include "netlink/route_message.h"

namespace anycastd {

Status KernelReader::probeNexthopObjects(bool& supported) {
  std::vector<nl::Bytes> replies;
  Status s = socket_.dump(nl::encodeDumpNexthops(), replies);
  supported = s.isOk();
  if (s.isOk() || s.error == EOPNOTSUPP || s.error == EINVAL || s.error == EAFNOSUPPORT ||
      s.error == EPROTONOSUPPORT)
    return Status::ok();
  return Status::fail(s.error, "RTM_GETNEXTHOP dump: " + s.message);
}

Status KernelReader::dumpRoutes(Family family, std::vector<nl::RouteMessage>& out) {
  const char* name = family == Family::kIpv4 ? "IPv4" : "IPv6";
  std::vector<nl::Bytes> replies;
  Status s = socket_.dump(nl::encodeDumpRoutes(family, table_, protocol_), replies);
  // With strict checking the kernel answers ENOENT for a table that does not exist (yet): no routes.
  if (s.error == ENOENT) return Status::ok();
  if (!s.isOk()) return Status::fail(s.error, std::string("RTM_GETROUTE dump (") + name + "): " + s.message);
  for (const nl::Bytes& b : replies) {
    nl::RouteMessage r;
    std::string error;
    if (!nl::decodeRoute(b, r, &error))
      return Status::fail(EPROTO,
                          std::string("RTM_GETROUTE dump (") + name + "): cannot decode a route: " + error);
    out.push_back(std::move(r));
  }
  return Status::ok();
}

Status KernelReader::getNexthop(uint32_t id, NexthopTable& into) {
  if (into.count(id)) return Status::ok();
  std::vector<nl::Bytes> replies;
  Status s = socket_.request(nl::encodeGetNexthop(id), &replies);
  if (s.error == ENOENT) return Status::ok();
  if (!s.isOk()) return Status::fail(s.error, "RTM_GETNEXTHOP id " + std::to_string(id) + ": " + s.message);
  for (const nl::Bytes& b : replies) {
    nl::NexthopMessage nh;
    std::string error;
    if (!nl::decodeNexthop(b, nh, &error))
      return Status::fail(EPROTO, "RTM_GETNEXTHOP id " + std::to_string(id) + ": cannot decode: " + error);
    into[nh.id] = std::move(nh);
  }
  return Status::ok();
}

Status KernelReader::getWithMembers(uint32_t id, NexthopTable& into) {
  if (Status s = getNexthop(id, into); !s.isOk()) return s;
  auto it = into.find(id);
  if (it == into.end()) return Status::ok();
  const std::vector<nl::GroupMember> members = it->second.group;
  for (const nl::GroupMember& m : members)
    if (Status s = getNexthop(m.id, into); !s.isOk()) return s;
  return Status::ok();
}

Status KernelReader::readAll(bool with_nexthops, Snapshot& out) {
  out = {};
  std::vector<nl::RouteMessage> routes;
  for (Family f : {Family::kIpv4, Family::kIpv6})
    if (Status s = dumpRoutes(f, routes); !s.isOk()) return s;
  out.routes = collectOwnRoutes(routes, protocol_, table_);
  if (!with_nexthops) return Status::ok();
  std::vector<nl::Bytes> replies;
  if (Status s = socket_.dump(nl::encodeDumpNexthops(), replies); !s.isOk())
    return Status::fail(s.error, "RTM_GETNEXTHOP dump: " + s.message);
  for (const nl::Bytes& b : replies) {
    nl::NexthopMessage nh;
    std::string error;
    if (!nl::decodeNexthop(b, nh, &error))
      return Status::fail(EPROTO, "RTM_GETNEXTHOP dump: cannot decode a nexthop object: " + error);
    out.nexthops[nh.id] = std::move(nh);
  }
  return Status::ok();
}

Status KernelReader::lookupRoute(const IpPrefix& prefix, bool& found, nl::RouteMessage& out) {
  found = false;
  std::vector<nl::Bytes> replies;
  Status s = socket_.request(nl::encodeGetFibEntry(prefix), &replies);
  // Nothing matches the address (or only an unreachable or prohibit route): no route of the agent's shows.
  if (s.error == ENETUNREACH || s.error == EHOSTUNREACH || s.error == EACCES) return Status::ok();
  if (!s.isOk()) return Status::fail(s.error, "RTM_GETROUTE fibmatch " + prefix.str() + ": " + s.message);
  for (const nl::Bytes& b : replies) {
    nl::RouteMessage r;
    std::string error;
    if (!nl::decodeRoute(b, r, &error))
      return Status::fail(EPROTO, "RTM_GETROUTE fibmatch " + prefix.str() + ": cannot decode: " + error);
    if (r.type == RTM_NEWROUTE && r.prefix() == prefix && r.protocol == protocol_ && r.table == table_) {
      out = std::move(r);
      found = true;
    }
  }
  return Status::ok();
}

Status KernelReader::readPrefix(const IpPrefix& prefix, uint32_t extra_group, bool expect_route,
                                Snapshot& out, bool* dumped) {
  out = {};
  if (dumped) *dumped = false;
  OwnRoutes own;
  bool found = false;
  nl::RouteMessage route;
  if (Status s = lookupRoute(prefix, found, route); !s.isOk()) return s;
  if (found) {
    own.emplace(prefix, std::move(route));
  } else if (expect_route) {
    if (dumped) *dumped = true;
    std::vector<nl::RouteMessage> routes;
    if (Status s = dumpRoutes(prefix.family(), routes); !s.isOk()) return s;
    own = collectOwnRoutes(routes, protocol_, table_);
  }
  if (auto it = own.find(prefix); it != own.end()) {
    if (it->second.nhid)
      if (Status s = getWithMembers(it->second.nhid, out.nexthops); !s.isOk()) return s;
    out.routes.insert(*it);
  }
  if (extra_group)
    if (Status s = getWithMembers(extra_group, out.nexthops); !s.isOk()) return s;
  return Status::ok();
}

}  // namespace anycastd
