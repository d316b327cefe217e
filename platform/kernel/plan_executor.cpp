#include "platform/kernel/plan_executor.h"

#include <linux/rtnetlink.h>

#include <cerrno>
#include <vector>

#include "netlink/nexthop_message.h"
#include "netlink/route_message.h"

namespace anycastd {
namespace {

constexpr int kIdAttempts = 16;  // IDs tried when the kernel already has the chosen one

bool isCreate(OpKind k) {
  return k == OpKind::kCreateMember || k == OpKind::kCreateGroup;
}

std::string memberList(const std::vector<nl::GroupMember>& members) {
  std::string out;
  for (const nl::GroupMember& m : members) {
    if (!out.empty()) out += '/';
    out += std::to_string(m.id);
    if (m.weight != 1) out += "," + std::to_string(m.weight);
  }
  return out;
}

}  // namespace

Status PlanExecutor::execute(const IpPrefix& prefix, const RouteEntry& current, RoutePlan& plan,
                             RouteEntry& applied) {
  nothing_usable_ = false;
  std::vector<uint32_t> unreferenced;  // created by this plan and not used by anything yet
  bool committed = false;              // the kernel's route or group now uses the plan's objects
  Status deferred;  // the first server left out (unreachable now) or the first failed deletion
  auto fail = [&](const Status& s) {
    for (auto it = unreferenced.rbegin(); it != unreferenced.rend(); ++it) deleteNexthop(*it);
    applied = current;
    if (committed) {
      // Only an added route can fail after a commit (a group replaced in place for a route that is gone):
      // the group holds the new members, the route is still missing.
      applied = plan.result;
      if (applied.form == RouteForm::kGroup) applied.form = RouteForm::kDetached;
    }
    return s;
  };
  for (size_t i = 0; i < plan.ops.size();) {
    PlanOp& op = plan.ops[i];
    const bool empty_group =
        (op.kind == OpKind::kCreateGroup || op.kind == OpKind::kReplaceGroup) && op.members.empty();
    const bool empty_route =
        (op.kind == OpKind::kAddRoute || op.kind == OpKind::kReplaceRoute) && !op.id && op.nexthops.empty();
    if (empty_group || empty_route) {  // no server can be reached: change nothing, the caller removes
      nothing_usable_ = true;
      return fail(deferred);
    }
    bool unreachable = false;
    Status s = apply(prefix, op, plan, unreachable);
    if (op.kind == OpKind::kDeleteNexthop) {
      if (!s.isOk() && deferred.isOk()) deferred = s;
      ++i;
      continue;
    }
    if (unreachable) {
      // A server that cannot be reached now (its link is down) must not hold up the route's other servers:
      // leave it out, go on, and report it so that the caller retries.
      if (deferred.isOk()) deferred = s;
      if (op.kind == OpKind::kCreateMember) {
        const uint32_t id = op.id;
        ids_.release(id);
        plan.dropMember(id);  // removes plan.ops[i]
        continue;
      }
    }
    if (!s.isOk()) return fail(s);  // a classic route without a usable hop: nothing_usable_ is set
    if (isCreate(op.kind)) {
      unreferenced.push_back(op.id);
    } else {
      unreferenced.clear();
      committed = true;
    }
    ++i;
  }
  applied = plan.result;
  return deferred;
}

Status PlanExecutor::apply(const IpPrefix& prefix, PlanOp& op, RoutePlan& plan, bool& unreachable) {
  switch (op.kind) {
    case OpKind::kCreateMember:
    case OpKind::kCreateGroup: return createObject(op, plan, unreachable);
    case OpKind::kReplaceGroup: {
      Status s = socket_.request(nl::encodeNewGroup(op.id, protocol_, op.members, plan.result.group, true));
      return s.isOk() ? s : Status::fail(s.error, describeOp(prefix, op, plan) + ": " + s.message);
    }
    case OpKind::kAddRoute:
    case OpKind::kReplaceRoute: return writeRoute(prefix, op, plan, unreachable);
    case OpKind::kDeleteRoute: {
      Status s = socket_.request(nl::encodeDelRoute(prefix, table_, protocol_));
      if (s.isOk() || s.error == ESRCH || s.error == ENOENT) return Status::ok();
      return Status::fail(s.error, describeOp(prefix, op, plan) + ": " + s.message);
    }
    case OpKind::kDeleteNexthop: return deleteNexthop(op.id);
  }
  return Status::fail(EINVAL, "unknown operation");
}

Status PlanExecutor::createObject(PlanOp& op, RoutePlan& plan, bool& unreachable) {
  uint32_t oif = 0;
  if (op.kind == OpKind::kCreateMember) {
    if (Status s = resolveOif(op.gateway, oif); !s.isOk()) {
      unreachable = true;
      return Status::fail(s.error, describeOp({}, op, plan) + ": " + s.message);
    }
  }
  for (int attempt = 0;; ++attempt) {
    const nl::Bytes message =
        op.kind == OpKind::kCreateMember
            ? nl::encodeNewNexthop(op.id, protocol_, op.gateway, oif, 0)
            : nl::encodeNewGroup(op.id, protocol_, op.members, plan.result.group, false);
    Status s = socket_.request(message);
    if (s.isOk()) break;
    if (s.error != EEXIST || attempt + 1 >= kIdAttempts) {
      // The device went down between the lookup and the create.
      unreachable = op.kind == OpKind::kCreateMember && (s.error == ENETDOWN || s.error == ENETUNREACH);
      return Status::fail(s.error, describeOp({}, op, plan) + ": " + s.message);
    }
    // Someone else has this ID: take the next free one, everywhere in the plan.
    ids_.markUsed(op.id);
    auto next = ids_.allocate();
    if (!next)
      return Status::fail(ENOSPC, describeOp({}, op, plan) + ": no free nexthop ID in the agent's range");
    plan.renumber(op.id, *next);
  }
  for (RouteMember& m : plan.result.members)
    if (m.id == op.id) m.oif = oif;
  return Status::ok();
}

Status PlanExecutor::writeRoute(const IpPrefix& prefix, PlanOp& op, RoutePlan& plan, bool& unreachable) {
  const bool replace = op.kind == OpKind::kReplaceRoute;
  if (op.id) {
    Status s = socket_.request(nl::encodeNewRoute(prefix, table_, protocol_, op.id, replace));
    return s.isOk() ? s : Status::fail(s.error, describeOp(prefix, op, plan) + ": " + s.message);
  }
  // A classic route: every next hop needs its device; those that cannot be reached now are left out.
  Status left_out;
  std::vector<nl::RouteHop> hops;
  for (const NextHop& nh : std::vector<NextHop>(op.nexthops)) {
    nl::RouteHop hop;
    hop.gateway = nh.gateway;
    hop.weight = nh.weight;
    if (Status s = resolveOif(nh.gateway, hop.oif); !s.isOk()) {
      if (left_out.isOk())
        left_out = Status::fail(s.error, "RTM_NEWROUTE " + prefix.str() + " table " + std::to_string(table_) +
                                             " via " + nh.gateway.str() + ": " + s.message);
      plan.dropGateway(nh.gateway);
      continue;
    }
    for (RouteMember& m : plan.result.members)
      if (m.gateway == nh.gateway) m.oif = hop.oif;
    hops.push_back(hop);
  }
  if (hops.empty()) {
    nothing_usable_ = true;
    return left_out;
  }
  Status s = socket_.request(nl::encodeNewMultipathRoute(prefix, table_, protocol_, hops, replace));
  if (!s.isOk()) return Status::fail(s.error, describeOp(prefix, op, plan) + ": " + s.message);
  unreachable = !left_out.isOk();
  return left_out;
}

Status PlanExecutor::deleteNexthop(uint32_t id) {
  Status s = socket_.request(nl::encodeDelNexthop(id));
  if (s.isOk() || s.error == ENOENT) {
    ids_.release(id);
    return Status::ok();
  }
  return Status::fail(s.error, "RTM_DELNEXTHOP id " + std::to_string(id) + ": " + s.message);
}

Status PlanExecutor::resolveOif(const IpAddress& gateway, uint32_t& oif) {
  std::vector<nl::Bytes> replies;
  Status s = socket_.request(nl::encodeGetRoute(gateway), &replies);
  if (!s.isOk()) return s;
  nl::RouteMessage r;
  std::string error;
  if (replies.empty() || !nl::decodeRoute(replies.front(), r, &error))
    return Status::fail(EPROTO, "route lookup of " + gateway.str() + ": bad answer " + error);
  if (r.route_type == RTN_LOCAL) return Status::fail(EINVAL, gateway.str() + " is a local address");
  if (r.route_type != RTN_UNICAST || r.hops.empty() || !r.hops.front().oif)
    return Status::fail(EHOSTUNREACH, "no unicast route to " + gateway.str());
  const nl::RouteHop& hop = r.hops.front();
  if (hop.gateway && *hop.gateway != gateway)
    return Status::fail(
        EHOSTUNREACH,
        gateway.str() + " is not directly connected (the kernel routes it via " + hop.gateway->str() + ")");
  oif = hop.oif;
  return Status::ok();
}

std::string PlanExecutor::describeOp(const IpPrefix& prefix, const PlanOp& op, const RoutePlan& plan) const {
  const std::string table = " table " + std::to_string(table_);
  switch (op.kind) {
    case OpKind::kCreateMember:
      return "RTM_NEWNEXTHOP id " + std::to_string(op.id) + " via " + op.gateway.str();
    case OpKind::kCreateGroup:
    case OpKind::kReplaceGroup: {
      const bool resilient = plan.result.group.type == nl::GroupType::kResilient;
      return std::string("RTM_NEWNEXTHOP ") + (op.kind == OpKind::kReplaceGroup ? "(replace) " : "") + "id " +
             std::to_string(op.id) + " group " + memberList(op.members) +
             (resilient ? " type resilient buckets " + std::to_string(plan.result.group.resilient.buckets)
                        : "");
    }
    case OpKind::kAddRoute:
    case OpKind::kReplaceRoute:
      return std::string("RTM_NEWROUTE ") + (op.kind == OpKind::kReplaceRoute ? "(replace) " : "") +
             prefix.str() + table +
             (op.id ? " nhid " + std::to_string(op.id) : " via " + describe(op.nexthops));
    case OpKind::kDeleteRoute: return "RTM_DELROUTE " + prefix.str() + table;
    case OpKind::kDeleteNexthop: return "RTM_DELNEXTHOP id " + std::to_string(op.id);
  }
  return "?";
}

}  // namespace anycastd
