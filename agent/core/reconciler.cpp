#include "agent/core/reconciler.h"

namespace anycastd {

Status Reconciler::resync() {
  std::vector<Route> routes;
  Status s = dataplane_.readRoutes(routes);
  if (!s.isOk()) return s;
  programmed_.clear();
  for (auto& r : routes) programmed_[r.prefix] = std::move(r);
  pending_ = differingPrefixes(desired_, programmed_);
  needs_resync_ = false;
  return Status::ok();
}

void Reconciler::setDesired(const IpPrefix& prefix, const std::optional<Route>& route) {
  auto it = desired_.find(prefix);
  if (route) {
    if (it != desired_.end() && it->second == *route) return;
    desired_.insert_or_assign(prefix, *route);
  } else {
    if (it == desired_.end()) return;
    desired_.erase(it);
  }
  pending_.insert(prefix);
}

Reconciler::Outcome Reconciler::reconcile(const std::function<void(const RouteOp&)>& applied) {
  Outcome out;
  std::vector<RouteOp> ops = diffRoutes(desired_, programmed_, pending_);
  pending_.clear();  // those that agree already; failed ones are put back
  for (const RouteOp& op : ops) {
    Status s = op.kind == RouteOpKind::kRemove ? dataplane_.removeRoute(op.route.prefix)
                                               : dataplane_.programRoute(op.route);
    if (!s.isOk()) {
      needs_resync_ = true;
      pending_.insert(op.route.prefix);
      out.failed.push_back({op, s});
      continue;
    }
    if (op.kind == RouteOpKind::kRemove)
      programmed_.erase(op.route.prefix);
    else
      programmed_[op.route.prefix] = op.route;
    if (applied) applied(op);
    out.applied.push_back(op);
  }
  return out;
}

}  // namespace anycastd
