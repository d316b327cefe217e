#include "platform/kernel/kernel_dataplane.h"

#include <linux/rtnetlink.h>

#include <cerrno>
#include <string>

#include "lib/log.h"
#include "platform/kernel/vanished_route.h"
#include "platform/kernel_view.h"

namespace anycastd {
namespace {

constexpr int kEventBufferBytes = 4 << 20;
constexpr int kMaxDatagramsPerCall = 256;  // the rest waits for the next call (the fd stays readable)

nl::NetlinkSocket::Options eventSocketOptions() {
  nl::NetlinkSocket::Options o;
  o.groups = {RTNLGRP_NEXTHOP, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_LINK, RTNLGRP_NEIGH};
  o.nonblocking = true;
  o.receive_buffer = kEventBufferBytes;
  return o;
}

}  // namespace

KernelDataplane::KernelDataplane(const KernelConfig& config)
    : config_(config),
      requests_(nl::NetlinkSocket::Options{}),
      events_(eventSocketOptions()),
      ids_(config.nexthop_id_base),
      reader_(requests_, config.route_protocol, config.table),
      executor_(requests_, ids_, config.route_protocol, config.table),
      detector_(config.route_protocol, config.table, requests_.port()) {
  bool supported = false;
  // Any error other than "not supported" is taken as support: a kernel without nexthop objects says so.
  nexthop_objects_ = !reader_.probeNexthopObjects(supported).isOk() || supported;
  switch (config.nexthop_mode) {
    case NexthopMode::kAuto: settings_.use_groups = nexthop_objects_; break;
    case NexthopMode::kResilientGroup:
    case NexthopMode::kGroup: settings_.use_groups = true; break;
    case NexthopMode::kMultipathRoute: settings_.use_groups = false; break;
  }
  if (config.nexthop_mode == NexthopMode::kGroup) {
    settings_.group.type =
        nl::GroupType::kMultipath;  // resilient parameters stay zero, as kernel_view reads them
  } else {
    settings_.group.type = nl::GroupType::kResilient;
    settings_.group.resilient = {config.buckets, config.idle_timer_s, config.unbalanced_timer_s};
  }
}

const char* KernelDataplane::modeName() const {
  if (!settings_.use_groups) return "multipath route";
  return settings_.group.type == nl::GroupType::kResilient ? "resilient group" : "group";
}

Status KernelDataplane::readRoutes(std::vector<Route>& out) {
  KernelReader::Snapshot snapshot;
  if (Status s = reader_.readAll(nexthop_objects_, snapshot); !s.isOk()) return s;
  KernelState state =
      adoptKernelState(snapshot.routes, snapshot.nexthops, config_.route_protocol, index_.entries());
  // A stand-in that could not be deleted is not in this read: the read fails, so the agent reads again.
  Status told = announceVanished(index_.entries(), state.entries);
  index_.assign(std::move(state.entries));
  ids_.reset(state.ids);
  if (!resumed_) resumeIds();
  noteZebraCopies(zebraCopies(snapshot.nexthops, ids_));
  synced_ = told.isOk();
  watchEntries();
  out = std::move(state.routes);
  return told;
}

void KernelDataplane::resumeIds() {
  resumed_ = true;
  uint64_t at = resume_at_;
  if (auto highest = ids_.highestUsed(); highest && uint64_t{*highest} + 1 > at) at = uint64_t{*highest} + 1;
  if (at == 0) return;
  ids_.continueAt(at);
  logInfo("nexthop IDs continue at " + std::to_string(ids_.nextId()) +
          " (past the previous run's and every ID of the range in the kernel)");
}

void KernelDataplane::noteZebraCopies(std::set<uint32_t> now) {
  const bool had = !zebra_copies_.empty();
  zebra_copies_ = std::move(now);
  if (!had && !zebra_copies_.empty()) {
    logWarning("zebra holds " + std::to_string(zebra_copies_.size()) +
               " nexthop objects with IDs of the agent's range (protocol zebra, e.g. " +
               std::to_string(*zebra_copies_.begin()) +
               "): zebra.conf lacks `no zebra nexthop kernel enable`. zebra may then announce a VIP over "
               "next hops other than the agent's and rewrite the agent's groups; `anycastctl show` calls the "
               "VIPs unverified until they are gone. Add the line and restart FRR (README, FRR "
               "configuration for kernel mode)");
  } else if (had && zebra_copies_.empty()) {
    logInfo("zebra holds no nexthop objects with IDs of the agent's range any more");
  }
}

std::string KernelDataplane::routeNote(const IpPrefix& prefix) const {
  if (auto it = unusable_.find(prefix); it != unusable_.end())
    return "withdrawn: no next hop can be reached (" + it->second + ")";
  if (!routeUnverified(prefix)) return {};
  return "unverified: zebra holds " + std::to_string(zebra_copies_.size()) +
         " copies of the agent's nexthop objects (zebra.conf lacks `no zebra nexthop kernel enable`), so "
         "BGP may announce other next hops or none";
}

bool KernelDataplane::routeUnverified(const IpPrefix& prefix) const {
  if (zebra_copies_.empty()) return false;
  auto it = index_.entries().find(prefix);
  return it != index_.entries().end() && it->second.hasRoute();
}

Status KernelDataplane::ensureSynced() {
  if (synced_) return Status::ok();
  std::vector<Route> ignored;
  return readRoutes(ignored);
}

Status KernelDataplane::observe(const IpPrefix& prefix, bool expect_route, RouteEntry& current,
                                bool* dumped) {
  uint32_t known_group = 0;
  if (auto it = index_.entries().find(prefix); it != index_.entries().end()) {
    known_group = it->second.group_id;
    expect_route = expect_route || it->second.hasRoute();
  }
  KernelReader::Snapshot snapshot;
  if (Status s = reader_.readPrefix(prefix, known_group, expect_route, snapshot, dumped); !s.isOk()) return s;
  for (const auto& [id, nh] : snapshot.nexthops) ids_.markUsed(id);
  current = {};
  if (auto it = snapshot.routes.find(prefix); it != snapshot.routes.end())
    current = describeRoute(it->second, snapshot.nexthops, config_.route_protocol).entry;
  else if (known_group)
    current = describeDetachedGroup(known_group, prefix.family(), snapshot.nexthops, config_.route_protocol)
                  .value_or(RouteEntry{});
  return Status::ok();
}

void KernelDataplane::store(const IpPrefix& prefix, const RouteEntry& entry) {
  index_.set(prefix, entry);
  watchEntries();
}

Status KernelDataplane::announceVanished(const IpPrefix& prefix) {
  Status s = announceVanishedRoute([this](const nl::Bytes& m) { return requests_.request(m); }, prefix,
                                   config_.table, config_.route_protocol);
  if (s.isOk())
    logInfo("route " + prefix.str() +
            " lost its last next hop in the kernel: told listeners (zebra) it is gone");
  return s;
}

Status KernelDataplane::announceVanished(const RouteEntries& before, const RouteEntries& after) {
  Status first_error;
  for (const auto& [prefix, entry] : before) {
    if (!entry.hasRoute()) continue;
    auto it = after.find(prefix);
    if (it != after.end() && it->second.hasRoute()) continue;
    if (Status s = announceVanished(prefix); !s.isOk() && first_error.isOk()) first_error = s;
  }
  return first_error;
}

void KernelDataplane::watchEntries() {
  detector_.watchLinks(index_.links());
  reachability_.watchGateways(index_.gateways());
}

Status KernelDataplane::programRoute(const Route& route) {
  if (Status s = ensureSynced(); !s.isOk()) return s;
  RouteEntry current;
  bool dumped = false;
  if (Status s = observe(route.prefix, false, current, &dumped); !s.isOk()) return s;
  Status s = program(route, current);
  if (s.error != EEXIST || dumped || current.hasRoute()) return s;
  // The lookup showed no route of the agent's, but the kernel has one it could not see (another
  // protocol's better route in front of it, a table no rule reaches, ...): read it from a dump, plan again.
  if (Status r = observe(route.prefix, true, current); !r.isOk()) return r;
  return program(route, current);
}

Status KernelDataplane::program(const Route& route, const RouteEntry& current) {
  RoutePlan plan = planProgram(current, route, settings_, ids_, index_.heldByOthers(route.prefix, current));
  if (!plan.error.empty()) {
    store(route.prefix, current);
    return Status::fail(plan.error_code, "route " + route.prefix.str() + ": " + plan.error);
  }
  RouteEntry applied;
  Status s = executor_.execute(route.prefix, current, plan, applied);
  store(route.prefix, applied);
  if (!executor_.nothingUsable()) {
    unusable_.erase(route.prefix);
    return s;
  }
  return removeUnusable(route.prefix, applied, s);
}

Status KernelDataplane::removeUnusable(const IpPrefix& prefix, const RouteEntry& current, const Status& why) {
  const std::string what =
      "route " + prefix.str() + ": none of its next hops can be reached now (" + why.message + ")";
  RoutePlan plan = planRemoval(current, index_.heldByOthers(prefix, current));
  RouteEntry applied;
  Status s = executor_.execute(prefix, current, plan, applied);
  store(prefix, applied);
  if (!s.isOk()) return Status::fail(s.error, what + "; removing the route failed: " + s.message);
  if (current.hasRoute() || !unusable_.count(prefix))
    logWarning(what + ": route removed until one can be" + (current.hasRoute() ? "" : " (it had none)"));
  unusable_[prefix] = why.message;
  return Status::fail(why.error ? why.error : EHOSTUNREACH, what + ": route removed");
}

Status KernelDataplane::removeRoute(const IpPrefix& prefix) {
  if (Status s = ensureSynced(); !s.isOk()) return s;
  RouteEntry current;
  // A route the lookup cannot see would stay behind: removal always makes sure, with a dump if need be.
  if (Status s = observe(prefix, true, current); !s.isOk()) return s;
  // A route the kernel removed, or is removing, with its group's last member: gone already, or left over a
  // group without members, whose own RTM_DELROUTE names no next hop that listeners can match.
  auto known = index_.entries().find(prefix);
  const bool tell = known != index_.entries().end() && known->second.hasRoute() &&
                    current.form != RouteForm::kGroup && current.form != RouteForm::kMultipath;
  RoutePlan plan = planRemoval(current, index_.heldByOthers(prefix, current));
  RouteEntry applied;
  Status s = executor_.execute(prefix, current, plan, applied);
  store(prefix, applied);
  if (s.isOk()) unusable_.erase(prefix);
  if (tell && s.isOk()) return announceVanished(prefix);
  return s;
}

Status KernelDataplane::removeOrphans() {
  if (!nexthop_objects_) return Status::ok();
  KernelReader::Snapshot snapshot;
  if (Status s = reader_.readAll(true, snapshot); !s.isOk()) return s;
  KernelState state =
      adoptKernelState(snapshot.routes, snapshot.nexthops, config_.route_protocol, index_.entries());
  Status first_error = announceVanished(index_.entries(), state.entries);
  index_.assign(std::move(state.entries));
  ids_.reset(state.ids);
  noteZebraCopies(zebraCopies(snapshot.nexthops, ids_));
  synced_ = first_error.isOk();
  std::set<uint32_t> deleted;
  for (uint32_t id : findOrphans(snapshot.routes, snapshot.nexthops, config_.route_protocol)) {
    Status s = executor_.deleteNexthop(id);
    if (s.isOk())
      deleted.insert(id);
    else if (first_error.isOk())
      first_error = s;
  }
  // Groups kept for a prefix whose route is gone were orphans too.
  index_.eraseIf([&](const RouteEntry& e) { return e.group_id && deleted.count(e.group_id); });
  return first_error;
}

Status KernelDataplane::start(EventLoop& loop, DataplaneObserver& observer) {
  observer_ = &observer;
  events_watch_ = std::make_unique<ReadWatch>(loop, events_.fd(), [this] { processEvents(); });
  return Status::ok();
}

void KernelDataplane::stop() {
  events_watch_.reset();
  observer_ = nullptr;
}

void KernelDataplane::processEvents() {
  if (!observer_) return;
  std::vector<nl::Bytes> messages;
  const bool overrun = events_.receivePending(messages, kMaxDatagramsPerCall);
  if (overrun) detector_.forgetLinkStates();  // link notifications may be among the lost ones
  // First the fast path: next hops that just became unreachable (their servers leave at once), judged
  // against the routes as they were before these notifications; then what needs a resynchronisation.
  std::vector<Unreachable> unreachable;
  for (const nl::Bytes& m : messages)
    if (auto u = reachability_.examine(m)) unreachable.push_back(std::move(*u));
  std::vector<std::string> reasons;
  for (const nl::Bytes& m : messages)
    if (auto why = detector_.examine(m)) reasons.push_back(std::move(*why));
  std::set<uint32_t> copies = zebra_copies_;
  for (const nl::Bytes& m : messages) {
    nl::NexthopMessage nh;
    std::string ignored;
    if (m.size() < sizeof(nlmsghdr) || !nl::decodeNexthop(m, nh, &ignored) || !isZebraCopy(nh, ids_))
      continue;
    if (nh.type == RTM_DELNEXTHOP)
      copies.erase(nh.id);
    else
      copies.insert(nh.id);
  }
  noteZebraCopies(std::move(copies));
  for (const Unreachable& u : unreachable) observer_->nexthopsUnreachable(u.gateways, u.why.c_str());
  if (overrun) {
    // Notifications were lost: whatever they said, only a full resynchronisation is safe.
    observer_->externalChange("netlink event overrun");
    return;
  }
  if (reasons.empty()) return;
  std::string why = reasons.front();
  if (reasons.size() > 1) why += " (and " + std::to_string(reasons.size() - 1) + " more)";
  observer_->externalChange(why.c_str());
}

}  // namespace anycastd
