#include "agent/reconciler.h"

namespace anycastd {

Status Reconciler::resync() {
  std::vector<Route> routes;
  Status s = dataplane_.readRoutes(routes);
  if (!s.isOk()) return s;
  programmed_.clear();
  for (auto& r : routes) programmed_[r.prefix] = std::move(r);
  needs_resync_ = false;
  return Status::ok();
}

void Reconciler::setDesired(const IpPrefix& prefix, const std::optional<Route>& route) {
  if (route)
    desired_[prefix] = *route;
  else
    desired_.erase(prefix);
}

Reconciler::Outcome Reconciler::reconcile() {
  Outcome out;
  for (const RouteOp& op : diffRoutes(desired_, programmed_)) {
    Status s = op.kind == RouteOpKind::kRemove ? dataplane_.removeRoute(op.route.prefix)
                                               : dataplane_.programRoute(op.route);
    if (!s.isOk()) {
      needs_resync_ = true;
      out.failed.push_back({op, s});
      continue;
    }
    if (op.kind == RouteOpKind::kRemove)
      programmed_.erase(op.route.prefix);
    else
      programmed_[op.route.prefix] = op.route;
    out.applied.push_back(op);
  }
  return out;
}

}  // namespace anycastd
