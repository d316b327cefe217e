#include "platform/kernel/route_planner.h"

#include <algorithm>
#include <cerrno>
#include <map>

namespace anycastd {
namespace {

class Planner {
 public:
  Planner(const RouteEntry& current, NexthopIdAllocator& ids, const std::set<uint32_t>& held)
      : current_(current), ids_(ids), held_(held) {}

  RoutePlan group(const std::vector<NextHop>& want, const nl::GroupSpec& spec);
  RoutePlan multipath(const std::vector<NextHop>& want);
  RoutePlan removal();

 private:
  bool allocate(uint32_t& id);
  RoutePlan outOfIds();
  void deleteObject(uint32_t id);
  void deleteUnused();

  const RouteEntry& current_;
  NexthopIdAllocator& ids_;
  const std::set<uint32_t>& held_;
  RoutePlan plan_;
  std::vector<uint32_t> allocated_;
};

bool Planner::allocate(uint32_t& id) {
  auto got = ids_.allocate();
  if (!got) return false;
  id = *got;
  allocated_.push_back(id);
  return true;
}

RoutePlan Planner::outOfIds() {
  for (uint32_t id : allocated_) ids_.release(id);
  RoutePlan plan;
  plan.result = current_;
  plan.error = "no free nexthop ID in the agent's range";
  plan.error_code = ENOSPC;
  return plan;
}

void Planner::deleteObject(uint32_t id) {
  if (id == 0 || held_.count(id) || plan_.result.objectIds().count(id)) return;
  for (const PlanOp& op : plan_.ops)
    if (op.kind == OpKind::kDeleteNexthop && op.id == id) return;
  plan_.ops.push_back({OpKind::kDeleteNexthop, id, {}, {}, {}});
}

// Objects of the current entry the result no longer uses: the group before its members.
void Planner::deleteUnused() {
  if (current_.form == RouteForm::kGroup || current_.form == RouteForm::kDetached)
    deleteObject(current_.group_id);
  for (uint32_t id : current_.owned) deleteObject(id);
  for (const RouteMember& m : current_.members) deleteObject(m.id);
}

RoutePlan Planner::group(const std::vector<NextHop>& want, const nl::GroupSpec& spec) {
  const bool has_group = current_.form == RouteForm::kGroup || current_.form == RouteForm::kDetached;
  const bool reuse_group = has_group && replaceableInPlace(current_.group, spec);
  std::map<IpAddress, const RouteMember*> existing;
  if (has_group)
    for (const RouteMember& m : current_.members) existing[m.gateway] = &m;

  RouteEntry& r = plan_.result;
  r.form = RouteForm::kGroup;
  r.group = spec;
  std::vector<nl::GroupMember> list;
  for (const NextHop& nh : want) {
    RouteMember m{nh.gateway, nh.weight, 0, 0};
    if (auto it = existing.find(nh.gateway); it != existing.end()) {
      m.id = it->second->id;
      m.oif = it->second->oif;
    } else {
      if (!allocate(m.id)) return outOfIds();
      plan_.ops.push_back({OpKind::kCreateMember, m.id, nh.gateway, {}, {}});
    }
    r.members.push_back(m);
    list.push_back({m.id, m.weight});
  }

  if (reuse_group) {
    r.group_id = current_.group_id;
    std::vector<nl::GroupMember> now;
    for (const RouteMember& m : current_.members) now.push_back({m.id, m.weight});
    if (current_.group != spec || now != list)
      plan_.ops.push_back({OpKind::kReplaceGroup, r.group_id, {}, list, {}});
  } else {
    if (!allocate(r.group_id)) return outOfIds();
    plan_.ops.push_back({OpKind::kCreateGroup, r.group_id, {}, list, {}});
  }

  if (!current_.hasRoute())
    plan_.ops.push_back({OpKind::kAddRoute, r.group_id, {}, {}, {}});
  else if (current_.form != RouteForm::kGroup || current_.group_id != r.group_id)
    plan_.ops.push_back({OpKind::kReplaceRoute, r.group_id, {}, {}, {}});

  deleteUnused();
  return std::move(plan_);
}

bool sameNexthops(const std::vector<RouteMember>& now, const std::vector<NextHop>& want) {
  if (now.size() != want.size()) return false;
  // The kernel does not report the weight of a route's only next hop, and it does not matter.
  if (now.size() == 1) return now[0].gateway == want[0].gateway;
  for (size_t i = 0; i < now.size(); ++i)
    if (now[i].gateway != want[i].gateway || now[i].weight != want[i].weight) return false;
  return true;
}

RoutePlan Planner::multipath(const std::vector<NextHop>& want) {
  if (current_.form == RouteForm::kMultipath && sameNexthops(current_.members, want)) {
    plan_.result = current_;
    return std::move(plan_);
  }
  RouteEntry& r = plan_.result;
  r.form = RouteForm::kMultipath;
  for (const NextHop& nh : want) r.members.push_back({nh.gateway, nh.weight, 0, 0});
  plan_.ops.push_back({current_.hasRoute() ? OpKind::kReplaceRoute : OpKind::kAddRoute, 0, {}, {}, want});
  deleteUnused();
  return std::move(plan_);
}

RoutePlan Planner::removal() {
  if (current_.hasRoute()) plan_.ops.push_back({OpKind::kDeleteRoute, 0, {}, {}, {}});
  deleteUnused();
  return std::move(plan_);
}

}  // namespace

const char* toString(OpKind kind) {
  switch (kind) {
    case OpKind::kCreateMember: return "create member";
    case OpKind::kCreateGroup: return "create group";
    case OpKind::kReplaceGroup: return "replace group";
    case OpKind::kAddRoute: return "add route";
    case OpKind::kReplaceRoute: return "replace route";
    case OpKind::kDeleteRoute: return "delete route";
    case OpKind::kDeleteNexthop: return "delete nexthop";
  }
  return "?";
}

void RoutePlan::renumber(uint32_t from, uint32_t to) {
  for (PlanOp& op : ops) {
    if (op.id == from) op.id = to;
    for (nl::GroupMember& m : op.members)
      if (m.id == from) m.id = to;
  }
  if (result.group_id == from) result.group_id = to;
  for (RouteMember& m : result.members)
    if (m.id == from) m.id = to;
}

void RoutePlan::dropMember(uint32_t id) {
  std::erase_if(ops, [&](const PlanOp& op) { return op.kind == OpKind::kCreateMember && op.id == id; });
  for (PlanOp& op : ops) std::erase_if(op.members, [&](const nl::GroupMember& m) { return m.id == id; });
  std::erase_if(result.members, [&](const RouteMember& m) { return m.id == id; });
}

void RoutePlan::dropGateway(const IpAddress& gateway) {
  for (PlanOp& op : ops) std::erase_if(op.nexthops, [&](const NextHop& nh) { return nh.gateway == gateway; });
  std::erase_if(result.members, [&](const RouteMember& m) { return m.gateway == gateway && m.id == 0; });
}

bool replaceableInPlace(const nl::GroupSpec& from, const nl::GroupSpec& to) {
  if (from.type != to.type) return false;
  return from.type != nl::GroupType::kResilient || from.resilient.buckets == to.resilient.buckets;
}

Status validateRoute(const Route& route) {
  if (route.nexthops.empty())
    return Status::fail(EINVAL, "route " + route.prefix.str() + " has no next hops");
  std::set<IpAddress> seen;
  for (const NextHop& nh : route.nexthops) {
    if (nh.gateway.family() != route.prefix.family())
      return Status::fail(EINVAL,
                          "gateway " + nh.gateway.str() + " is not of the family of " + route.prefix.str());
    if (nh.weight < 1 || nh.weight > 256)
      return Status::fail(
          EINVAL, "weight " + std::to_string(nh.weight) + " of " + nh.gateway.str() + " is not in 1..256");
    if (!seen.insert(nh.gateway).second)
      return Status::fail(EINVAL, "gateway " + nh.gateway.str() + " appears twice");
  }
  return Status::ok();
}

RoutePlan planProgram(const RouteEntry& current, const Route& desired, const PlannerSettings& settings,
                      NexthopIdAllocator& ids, const std::set<uint32_t>& held_by_others) {
  if (Status s = validateRoute(desired); !s.isOk()) {
    RoutePlan plan;
    plan.result = current;
    plan.error = s.message;
    plan.error_code = s.error;
    return plan;
  }
  std::vector<NextHop> want = desired.nexthops;
  std::sort(want.begin(), want.end());
  Planner planner(current, ids, held_by_others);
  return settings.use_groups ? planner.group(want, settings.group) : planner.multipath(want);
}

RoutePlan planRemoval(const RouteEntry& current, const std::set<uint32_t>& held_by_others) {
  NexthopIdAllocator unused(0, 0);
  return Planner(current, unused, held_by_others).removal();
}

}  // namespace anycastd
