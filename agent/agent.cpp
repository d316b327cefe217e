#include "agent/agent.h"

#include <algorithm>
#include <random>

#include "agent/log.h"

namespace anycastd {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kMaxRetry{10000};
// An external change (a nexthop object deleted with its link, a route deleted by hand) is acted on after a
// short pause so that a burst of kernel notifications leads to one resynchronisation.
constexpr std::chrono::milliseconds kExternalChangeDelay{20};

}  // namespace

Agent::Agent(EventLoop& loop, AgentConfig config, Dataplane& dataplane)
    : loop_(loop),
      config_(std::move(config)),
      dataplane_(dataplane),
      reconciler_(dataplane),
      retry_timer_(loop, [this] { reconcile(); }),
      backoff_(kFirstRetry) {
  vips_.reserve(config_.vips.size());
  for (const VipConfig& vc : config_.vips) {
    Vip& vip = vips_.emplace_back();
    vip.config = &vc;
    vip.servers.reserve(vc.servers.size());
  }
  dataplane_.onExternalChange = [this](const char* why) { onExternalChange(why); };
}

Agent::~Agent() {
  dataplane_.onExternalChange = nullptr;
}

Status Agent::start() {
  Status s = reconciler_.resync();
  if (!s.isOk()) return s;
  const RouteMap& found = reconciler_.programmed();

  std::mt19937 rng(std::random_device{}());
  for (Vip& vip : vips_) {
    const VipConfig& vc = *vip.config;
    auto adopted = found.find(vc.prefix);
    for (const ServerConfig& sc : vc.servers) {
      bool in_route = adopted != found.end() &&
                      std::any_of(adopted->second.nexthops.begin(), adopted->second.nexthops.end(),
                                  [&](const NextHop& nh) { return nh.gateway == sc.address; });
      vip.servers.emplace_back(sc, HealthStateMachine(vc.check.rise, vc.check.fall,
                                                      in_route ? HealthState::kUp : HealthState::kDown));
    }
    decide(vip);
    if (adopted != found.end())
      logInfo("vip " + vc.name + " adopted route " + vc.prefix.str() + " via " +
              describe(adopted->second.nexthops) + " from a previous run");
  }
  for (const auto& [prefix, route] : found)
    if (!vipFor(prefix)) logInfo("route " + prefix.str() + " is no longer configured: removing it");

  reconcile();
  if (Status o = dataplane_.removeOrphans(); !o.isOk()) logWarning("removing orphaned objects: " + o.message);

  if (int fd = dataplane_.eventFd(); fd >= 0)
    dataplane_events_ = std::make_unique<ReadWatch>(loop_, fd, [this] { dataplane_.processEvents(); });

  for (Vip& vip : vips_) {
    for (Server& server : vip.servers) {
      const auto interval = vip.config->check.interval_ms;
      server.prober = std::make_unique<Prober>(
          loop_, vip.config->check, server.config.address,
          [this, &vip, &server](const ProbeResult& r) { onProbeResult(vip, server, r); });
      // Spread the first probes over one interval so that many servers are not probed in lockstep.
      server.prober->start(
          std::chrono::milliseconds(std::uniform_int_distribution<uint32_t>(0, interval / 4)(rng)));
    }
  }
  return Status::ok();
}

void Agent::onProbeResult(Vip& vip, Server& server, const ProbeResult& result) {
  if (server.results < vip.config->check.rise) ++server.results;
  auto transition = server.health.onResult(result);
  if (!transition) return reportInitialRoutesIfComplete();
  logInfo("vip " + vip.config->name + " server " + server.config.name + " " + toString(transition->from) +
          " -> " + toString(transition->to) + ": " + transition->reason);
  decide(vip);
  reconcile();
}

void Agent::reportInitialRoutesIfComplete() {
  if (initial_routes_reported_ || !reconciler_.converged()) return;
  for (const Vip& vip : vips_)
    for (const Server& s : vip.servers)
      if (s.health.state() != HealthState::kUp && s.results < vip.config->check.rise) return;
  initial_routes_reported_ = true;
  logInfo("first health verdict on every server: initial routes complete");
  dataplane_.initialRoutesComplete();
}

void Agent::decide(Vip& vip) {
  std::vector<HealthState> states;
  for (const Server& s : vip.servers) states.push_back(s.health.state());
  vip.decision = decideVip(*vip.config, states);
  reconciler_.setDesired(vip.config->prefix, vip.decision.route);
}

const Agent::Vip* Agent::vipFor(const IpPrefix& prefix) const {
  for (const Vip& v : vips_)
    if (v.config->prefix == prefix) return &v;
  return nullptr;
}

void Agent::logApplied(const RouteOp& op) {
  const Vip* vip = vipFor(op.route.prefix);
  const std::string name = vip ? "vip " + vip->config->name : "unconfigured route";
  const std::string health = vip ? " (" + vip->decision.summary() + ")" : "";
  switch (op.kind) {
    case RouteOpKind::kAdd:
      logInfo(name + " announced: " + op.route.prefix.str() + " via " + describe(op.route.nexthops) + health);
      break;
    case RouteOpKind::kReplace:
      logInfo(name + " next hops now " + describe(op.route.nexthops) + health);
      break;
    case RouteOpKind::kRemove:
      logInfo(name + " withdrawn: " + op.route.prefix.str() + " removed" + health);
      break;
  }
}

void Agent::reconcile() {
  if (reconciler_.needsResync()) {
    if (Status s = reconciler_.resync(); !s.isOk()) {
      logError("reading the dataplane: " + s.message);
      return scheduleRetry();
    }
  }
  auto outcome = reconciler_.reconcile();
  for (const RouteOp& op : outcome.applied) logApplied(op);
  for (const auto& f : outcome.failed)
    logError(std::string("cannot ") + toString(f.op.kind) + " route " + f.op.route.prefix.str() + ": " +
             f.status.message + " (retrying in " + std::to_string(backoff_.count()) + " ms)");
  if (!outcome.failed.empty()) return scheduleRetry();
  backoff_ = kFirstRetry;
  retry_timer_.cancel();
  reportInitialRoutesIfComplete();
}

void Agent::scheduleRetry() {
  retry_timer_.arm(backoff_);
  retry_at_ = std::chrono::steady_clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxRetry);
}

void Agent::onExternalChange(const char* why) {
  logWarning(std::string("dataplane changed behind the agent's back (") + why + "): resynchronising");
  reconciler_.markNeedsResync();
  // A change is news (a link came back, a route was deleted): act on it soon even in the middle of a long
  // backoff, and start the backoff over. A burst of changes keeps the earlier deadline, so it cannot
  // postpone the resync indefinitely.
  backoff_ = kFirstRetry;
  const auto soon = std::chrono::steady_clock::now() + kExternalChangeDelay;
  if (!retry_timer_.armed() || retry_at_ > soon) {
    retry_timer_.arm(kExternalChangeDelay);
    retry_at_ = soon;
  }
}

bool Agent::withdrawAll() {
  for (Vip& vip : vips_) {
    for (Server& s : vip.servers) s.prober.reset();
    reconciler_.setDesired(vip.config->prefix, std::nullopt);
    vip.decision.announce = false;
  }
  retry_timer_.cancel();
  // A few immediate attempts; shutdown must not hang on a broken dataplane.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (reconciler_.needsResync() && !reconciler_.resync().isOk()) continue;
    auto outcome = reconciler_.reconcile();
    for (const RouteOp& op : outcome.applied) logApplied(op);
    for (const auto& f : outcome.failed)
      logError("cannot remove route " + f.op.route.prefix.str() + ": " + f.status.message);
    if (outcome.failed.empty()) break;
  }
  if (Status o = dataplane_.removeOrphans(); !o.isOk()) logWarning("removing orphaned objects: " + o.message);
  return reconciler_.converged();
}

}  // namespace anycastd
