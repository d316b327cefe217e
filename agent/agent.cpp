#include "agent/agent.h"

#include <errno.h>

#include <algorithm>
#include <map>
#include <random>

#include "agent/core/check_combination.h"
#include "agent/core/reload_plan.h"
#include "lib/log.h"

namespace anycastd {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kNoVerdictQuiet{10000};  // a burst of no-verdict probes ends after this
constexpr std::chrono::milliseconds kMaxRetry{10000};
// An external change (a nexthop object deleted with its link, a route deleted by hand) is acted on after a
// short pause so that a burst of kernel notifications leads to one resynchronisation.
constexpr std::chrono::milliseconds kExternalChangeDelay{20};

// Arms `timer` for `at` (at least 1 ms from now: the deadline must have passed when it fires), or cancels it.
void armAt(Timer& timer, std::optional<std::chrono::steady_clock::time_point> at,
           std::chrono::steady_clock::time_point now) {
  if (at)
    timer.arm(
        std::max(std::chrono::ceil<std::chrono::milliseconds>(*at - now), std::chrono::milliseconds(1)));
  else
    timer.cancel();
}

std::string describeDrain(const DrainInfo& d) {
  return "by " + d.by + (d.reason.empty() ? "" : ": " + d.reason);
}

}  // namespace

const char* toString(VipState state) {
  switch (state) {
    case VipState::kWithdrawn: return "withdrawn";
    case VipState::kAnnounced: return "announced";
    case VipState::kDrained: return "drained";
  }
  return "?";
}

Agent::Agent(EventLoop& loop, AgentConfig config, Dataplane& dataplane, AgentDeps deps)
    : loop_(loop),
      clock_(deps.clock ? *deps.clock : system_clock_),
      probes_(
          deps.probers ? std::move(deps.probers)
                       : [this](const ProbeKey& key,
                                Prober::Callback report) { return makeProber(key, std::move(report)); },
          [this] { return clock_.unixMs(); }),
      config_(std::move(config)),
      dataplane_(dataplane),
      reconciler_(dataplane),
      retry_timer_(loop, [this] { reconcile(); }),
      reconcile_soon_(loop, [this] { reconcile(); }),
      no_verdict_(kNoVerdictQuiet),
      no_verdict_quiet_(loop, [this] { onNoVerdictQuiet(); }),
      backoff_(kFirstRetry, kMaxRetry) {
  for (const VipConfig& vc : config_.vips) vips_.push_back(makeVip(vc, nullptr));
  indexVips();
}

Agent::~Agent() {
  dataplane_.stop();
}

std::unique_ptr<Agent::Vip> Agent::makeVip(const VipConfig& vc, const RouteMap* adopted) {
  auto vip = std::make_unique<Vip>();
  vip->config = vc;
  vip->policy = VipPolicy(vc);
  Vip* raw = vip.get();
  vip->reuse_timer = std::make_unique<Timer>(loop_, [this, raw] {
    decide(*raw, "dampening: penalty below reuse " + std::to_string(raw->config.dampening.reuse));
    reconcile();
  });
  vip->ramp_timer = std::make_unique<Timer>(loop_, [this, raw] {
    decide(*raw);
    reconcile();
  });
  vip->since_unix_ms = clock_.unixMs();
  const Route* found = nullptr;
  if (adopted) {
    auto it = adopted->find(vc.prefix);
    if (it != adopted->end()) found = &it->second;
  }
  for (const ServerConfig& sc : vc.servers) {
    const bool in_route = found && std::any_of(found->nexthops.begin(), found->nexthops.end(),
                                               [&](const NextHop& nh) { return nh.gateway == sc.address; });
    auto server = std::make_unique<Server>(sc);
    subscribeChecks(*vip, *server, in_route ? HealthState::kUp : HealthState::kDown);
    server->since_unix_ms = vip->since_unix_ms;
    server->last_change =
        in_route ? "adopted from the route of a previous run" : "starting: down until proven";
    vip->servers.push_back(std::move(server));
  }
  return vip;
}

void Agent::subscribeChecks(Vip& vip, Server& server, HealthState initial) {
  const std::vector<CheckConfig>& configs = checksOf(vip.config, server.config);
  std::vector<ProbeRegistry::Subscription> subs;
  for (size_t i = 0; i < configs.size(); ++i) {
    ProbeKey key = makeProbeKey(configs[i], server.config.address, vip.config.name, vip.config.prefix.str(),
                                server.config.name);
    Vip* v = &vip;
    Server* s = &server;
    subs.push_back(
        probes_.subscribe(key, initial, [this, v, s, i](const ProbeResult* r, const HealthTransition* t) {
          onCheckUpdate(*v, *s, i, r, t);
        }));
  }
  server.checks = std::move(subs);  // releases the old subscriptions after the new ones hold their keys
  server.check_labels = checkLabels(configs);
  server.health = combinedHealth(vip, server);
  server.had_verdict = server.had_verdict || judged(server);
}

HealthState Agent::combinedHealth(const Vip& vip, const Server& server) const {
  if (server.checks.size() == 1) return server.checks[0].state().health.state();
  std::vector<HealthState> states;
  for (const auto& c : server.checks) states.push_back(c.state().health.state());
  return combineChecks(vip.config.check_mode, states);
}

std::unique_ptr<Prober> Agent::makeProber(const ProbeKey& key, Prober::Callback report) {
  static std::mt19937 rng(std::random_device{}());
  auto prober =
      std::make_unique<Prober>(loop_, key.check, key.address, std::move(report),
                               ProbeTarget{{}, key.server_name, key.vip_prefix, key.vip_name, &exec_runner_});
  // Spread the first probes over the whole interval, and so every later round: probes that come due
  // together are started in one turn of the event loop, and each one's answer waits for the whole batch
  // (at 16,000 probes a second squeezed into a quarter of the interval, ~250 ms).
  prober->start(std::chrono::milliseconds(
      std::uniform_int_distribution<uint32_t>(0, std::max<uint32_t>(key.check.interval_ms, 1) - 1)(rng)));
  return prober;
}

void Agent::restoreDrains(const std::vector<DrainRecord>& drains) {
  for (const DrainRecord& d : drains) {
    Vip* vip = findVip(d.vip);
    if (!vip) {
      logWarning("state file: drain of vip '" + d.vip + "' dropped: no such vip in the config");
      continue;
    }
    if (d.server.empty()) {
      vip->drain = d.drain;
      logInfo("vip " + d.vip + " is drained (" + describeDrain(d.drain) + ", kept from a previous run)");
      continue;
    }
    auto s = std::find_if(vip->servers.begin(), vip->servers.end(),
                          [&](const auto& sp) { return sp->config.name == d.server; });
    if (s == vip->servers.end()) {
      logWarning("state file: drain of server '" + d.server + "' of vip '" + d.vip +
                 "' dropped: no such server in the config");
      continue;
    }
    (*s)->drain = d.drain;
    logInfo("vip " + d.vip + " server " + d.server + " is drained (" + describeDrain(d.drain) +
            ", kept from a previous run)");
  }
}

Status Agent::start(bool adopt) {
  Status s = reconciler_.resync();
  if (!s.isOk()) return s;
  const RouteMap& found = reconciler_.programmed();
  if (!adopt) dataplane_.initialRoutesComplete();

  for (auto& vip : vips_) {
    // Rebuild with adoption: servers in an adopted route start up.
    auto drain = vip->drain;
    std::map<std::string, std::optional<DrainInfo>> server_drains;
    for (auto& sv : vip->servers) server_drains[sv->config.name] = sv->drain;
    vip = makeVip(vip->config, adopt ? &found : nullptr);
    vip->drain = drain;
    for (auto& sv : vip->servers) sv->drain = server_drains[sv->config.name];
    decide(*vip, "start");
    vip_by_prefix_[vip->config.prefix] = vip.get();
    auto adopted = found.find(vip->config.prefix);
    if (adopt && adopted != found.end())
      logInfo("vip " + vip->config.name + " adopted route " + vip->config.prefix.str() + " via " +
              describe(adopted->second.nexthops) + " from a previous run");
  }
  for (const auto& [prefix, route] : found)
    if (!vipFor(prefix)) logInfo("route " + prefix.str() + " is no longer configured: removing it");

  reconcile();
  if (Status o = dataplane_.removeOrphans(); !o.isOk()) {
    // What it left (a blackhole stand-in that could not be deleted, kernel_dataplane.h) is read back and
    // dealt with by a resync.
    logWarning("removing orphaned objects: " + o.message + " (resynchronising)");
    reconciler_.markNeedsResync();
    if (!retry_timer_.armed()) scheduleRetry();
  }

  if (Status s = dataplane_.start(loop_, dataplane_events_); !s.isOk()) return s;

  started_ = true;
  probes_.start();
  reportInitialRoutesIfComplete();       // no servers, or every one adopted up
  reportEveryServerCheckedIfComplete();  // no servers
  return Status::ok();
}

void Agent::onCheckUpdate(Vip& vip, Server& server, size_t check, const ProbeResult* result,
                          const HealthTransition* transition) {
  if (result) tell([&](AgentObserver& o) { o.probeResult(vip.config.name, server.config.name, *result); });
  if (result && result->local_error != 0) return onNoVerdict(*result);
  if (result) reportEveryServerCheckedIfComplete();
  const bool had_verdict = server.had_verdict;
  server.had_verdict = had_verdict || judged(server);
  if (!transition) return reportInitialRoutesIfComplete();  // (a probe's result without a transition)
  const bool several = server.checks.size() > 1;
  const std::string label = check < server.check_labels.size() ? server.check_labels[check] : "?";
  if (several)
    logInfo("vip " + vip.config.name + " server " + server.config.name + " check " + label + " " +
            toString(transition->from) + " -> " + toString(transition->to) + ": " + transition->reason);
  const HealthState now = combinedHealth(vip, server);
  if (now == server.health) return reportInitialRoutesIfComplete();
  HealthTransition combined{server.health, now,
                            several ? "check " + label + ": " + transition->reason : transition->reason};
  server.health = now;
  server.had_verdict = server.had_verdict || judged(server);  // (up on one check of several, check_mode ANY)
  // A server that comes back (not its first verdict) ramps its weight up.
  if (now == HealthState::kUp && had_verdict) vip.policy.serverBack(server.config.address, clock_.now());
  applyTransition(vip, server, combined);
  if (batching_)
    batch_changed_ = true;
  else
    reconcileSoon();
}

void Agent::onNoVerdict(const ProbeResult& result) {
  if (auto line = no_verdict_.onNoVerdict(clock_.now(), result.local_error, result.detail)) logWarning(*line);
  if (!no_verdict_quiet_.armed()) no_verdict_quiet_.arm(kNoVerdictQuiet);
}

void Agent::onNoVerdictQuiet() {
  const auto now = clock_.now();
  if (auto line = no_verdict_.onQuiet(now)) logWarning(*line);
  if (no_verdict_.inBurst()) armAt(no_verdict_quiet_, no_verdict_.quietEnd(), now);
}

void Agent::reconcileSoon() {
  if (!reconcile_soon_.armed()) reconcile_soon_.arm(std::chrono::milliseconds(0));
}

bool Agent::judged(const Server& server) const {
  if (server.health == HealthState::kUp) return true;
  for (const auto& c : server.checks)
    if (c.state().results < c.key().check.rise) return false;
  return true;
}

void Agent::applyTransition(Vip& vip, Server& server, const HealthTransition& transition) {
  recordTransition(vip, server, transition);
  decide(vip, "server " + server.config.name + " " + toString(transition.to) + ": " + transition.reason);
}

void Agent::recordTransition(Vip& vip, Server& server, const HealthTransition& transition) {
  if (transition.to == HealthState::kDown) vip.policy.serverDown(server.config.address);
  server.since_unix_ms = clock_.unixMs();
  server.last_change = transition.reason;
  ++server.transitions;
  tell([&](AgentObserver& o) {
    o.serverTransition(vip.config.name, server.config.name, transition.to == HealthState::kUp);
  });
  logInfo("vip " + vip.config.name + " server " + server.config.name + " " + toString(transition.from) +
          " -> " + toString(transition.to) + ": " + transition.reason);
}

void Agent::onNexthopsUnreachable(const std::vector<IpAddress>& gateways, const char* why) {
  // Every check of the server goes down at once; it comes back after `rise` passing probes (already down:
  // its passes start over). The servers' transitions arrive through onCheckUpdate; one reconcile at the end.
  batching_ = true;
  batch_changed_ = false;
  for (const IpAddress& gateway : gateways) probes_.forceDown(gateway, why);
  batching_ = false;
  if (batch_changed_) reconcile();
}

void Agent::decide(Vip& vip, const std::string& why) {
  std::vector<HealthState> states;
  std::vector<bool> drained;
  for (const auto& s : vip.servers) {
    states.push_back(s->health);
    drained.push_back(s->drain.has_value());
  }
  const auto now = clock_.now();
  VipVerdict verdict = vip.policy.decide(vip.config, states, drained, vip.drain.has_value(), now);
  const auto penalty = std::to_string(static_cast<uint64_t>(verdict.penalty));
  if (verdict.suppression == SuppressionChange::kBegan)
    logWarning("vip " + vip.config.name + " suppressed (flap dampening): penalty " + penalty + " reached " +
               std::to_string(vip.config.dampening.suppress) + "; kept withdrawn until it decays below " +
               std::to_string(vip.config.dampening.reuse));
  else if (verdict.suppression == SuppressionChange::kEnded)
    logInfo("vip " + vip.config.name + " no longer suppressed: penalty " + penalty + " is below " +
            std::to_string(vip.config.dampening.reuse));
  armAt(*vip.reuse_timer, verdict.reuse_at, now);
  armAt(*vip.ramp_timer, verdict.next_step, now);
  vip.decision = std::move(verdict.decision);
  reconciler_.setDesired(vip.config.prefix, vip.decision.route);
  const VipState state =
      vip.drain ? VipState::kDrained : (vip.decision.announce ? VipState::kAnnounced : VipState::kWithdrawn);
  if (state != vip.state) {
    vip.state = state;
    vip.since_unix_ms = clock_.unixMs();
    vip.last_change = (why.empty() ? "" : why + "; ") + vip.decision.summary();
    ++vip.transitions;
    tell([&](AgentObserver& o) { o.vipTransition(vip.config.name, state); });
  }
}

Agent::Vip* Agent::findVip(const std::string& name) const {
  for (const auto& v : vips_)
    if (v->config.name == name) return v.get();
  return nullptr;
}

const Agent::Vip* Agent::vipFor(const IpPrefix& prefix) const {
  auto it = vip_by_prefix_.find(prefix);
  return it == vip_by_prefix_.end() ? nullptr : it->second;
}

void Agent::indexVips() {
  vip_by_prefix_.clear();
  for (const auto& v : vips_) vip_by_prefix_.emplace(v->config.prefix, v.get());
  verdict_cursor_ = {};
  checked_cursor_ = {};
}

void Agent::logApplied(const RouteOp& op) {
  const Vip* vip = vipFor(op.route.prefix);
  const std::string name = vip ? "vip " + vip->config.name : "unconfigured route";
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
  reconcile_soon_.cancel();
  if (reconciler_.needsResync()) {
    if (Status s = reconciler_.resync(); !s.isOk()) {
      logError("reading the dataplane: " + s.message);
      tell([](AgentObserver& o) { o.dataplaneError("read"); });
      return scheduleRetry();
    }
  }
  auto outcome = reconciler_.reconcile([this](const RouteOp& op) { logApplied(op); });
  for (const auto& f : outcome.failed) {
    logError(std::string("cannot ") + toString(f.op.kind) + " route " + f.op.route.prefix.str() + ": " +
             f.status.message + " (retrying in " + std::to_string(backoff_.delay().count()) + " ms)");
    tell([&](AgentObserver& o) { o.dataplaneError(toString(f.op.kind)); });
  }
  if (!outcome.failed.empty()) return scheduleRetry();
  backoff_.reset();
  retry_timer_.cancel();
  reportInitialRoutesIfComplete();
}

void Agent::reportInitialRoutesIfComplete() {
  if (initial_routes_reported_ || !started_ || !reconciler_.converged()) return;
  // A verdict, once had, stays: the servers before the cursor need no second look (called on every probe
  // result until then, so this must not cost the whole config each time).
  for (; verdict_cursor_.vip < vips_.size(); ++verdict_cursor_.vip, verdict_cursor_.server = 0) {
    const auto& servers = vips_[verdict_cursor_.vip]->servers;
    for (; verdict_cursor_.server < servers.size(); ++verdict_cursor_.server)
      if (!servers[verdict_cursor_.server]->had_verdict) return;
  }
  initial_routes_reported_ = true;
  logInfo("first health verdict on every server: initial routes complete");
  dataplane_.initialRoutesComplete();
  tell([](AgentObserver& o) { o.initialRoutesComplete(); });
}

void Agent::reportEveryServerCheckedIfComplete() {
  if (every_server_checked_reported_ || !started_) return;
  // As for the verdicts: `rise` results, once had, stay counted; a cursor keeps this cheap per result.
  for (; checked_cursor_.vip < vips_.size(); ++checked_cursor_.vip, checked_cursor_.server = 0) {
    const auto& servers = vips_[checked_cursor_.vip]->servers;
    for (; checked_cursor_.server < servers.size(); ++checked_cursor_.server)
      for (const auto& c : servers[checked_cursor_.server]->checks)
        if (c.state().results < c.key().check.rise) return;
  }
  every_server_checked_reported_ = true;
  logInfo("every check of every server has run its rise probes in this run");
  tell([](AgentObserver& o) { o.everyServerChecked(); });
}

void Agent::scheduleRetry() {
  retry_timer_.arm(backoff_.delay());
  retry_at_ = clock_.now() + backoff_.delay();
  backoff_.grow();
}

void Agent::onExternalChange(const char* why) {
  logWarning(std::string("dataplane changed behind the agent's back (") + why + "): resynchronising");
  reconciler_.markNeedsResync();
  // A change is news (a link came back, a route was deleted): act on it soon even in the middle of a long
  // backoff, and start the backoff over. A burst of changes keeps the earlier deadline, so it cannot
  // postpone the resync indefinitely.
  backoff_.reset();
  const auto soon = clock_.now() + kExternalChangeDelay;
  if (!retry_timer_.armed() || retry_at_ > soon) {
    retry_timer_.arm(kExternalChangeDelay);
    retry_at_ = soon;
  }
}

bool Agent::withdrawAll() {
  probes_.stop();
  for (auto& vip : vips_) {
    reconciler_.setDesired(vip->config.prefix, std::nullopt);
    vip->decision.announce = false;
  }
  retry_timer_.cancel();
  reconcile_soon_.cancel();
  // A few immediate attempts; shutdown must not hang on a broken dataplane.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (reconciler_.needsResync() && !reconciler_.resync().isOk()) continue;
    auto outcome = reconciler_.reconcile([this](const RouteOp& op) { logApplied(op); });
    for (const auto& f : outcome.failed)
      logError("cannot remove route " + f.op.route.prefix.str() + ": " + f.status.message);
    if (outcome.failed.empty()) break;
  }
  if (Status o = dataplane_.removeOrphans(); !o.isOk()) logWarning("removing orphaned objects: " + o.message);
  return reconciler_.converged();
}

// ---- reload -----------------------------------------------------------------------------------------------

Status Agent::reloadBlocker(const AgentConfig& next) const {
  if (next.dataplane != config_.dataplane || next.kernel != config_.kernel || next.zebra != config_.zebra)
    return Status::fail(
        EINVAL,
        "the dataplane section changed; that needs a restart of anycastd (with --keep-routes to "
        "keep the VIPs announced meanwhile)");
  if (next.control_socket != config_.control_socket || next.control_group != config_.control_group)
    return Status::fail(EINVAL, "control_socket or control_group changed; that needs a restart of anycastd");
  if (next.state_file != config_.state_file)
    return Status::fail(EINVAL, "state_file changed; that needs a restart of anycastd");
  // The metrics server listens from start-up on; a reload cannot move it (refused, not silently ignored).
  if (next.metrics_listen != config_.metrics_listen)
    return Status::fail(EINVAL, "metrics.listen changed; that needs a restart of anycastd");
  return Status::ok();
}

ReloadSummary Agent::reload(AgentConfig next) {
  ReloadSummary summary;
  const ReloadPlan plan = planReload(config_.vips, next.vips);
  std::vector<std::unique_ptr<Vip>> old = std::move(vips_);
  vips_.clear();
  for (const VipReloadPlan& vp : plan.vips) {
    const VipConfig& vc = next.vips[vp.next];
    if (vp.change == VipChange::kAdded) {
      auto vip = makeVip(vc, nullptr);
      decide(*vip, "added by a reload");
      logInfo("reload: vip " + vc.name + " added");
      summary.added.push_back(vc.name);
      vips_.push_back(std::move(vip));
      continue;
    }
    std::unique_ptr<Vip> vip = std::move(old[*vp.old]);
    if (vp.change == VipChange::kUnchanged) {
      summary.unchanged.push_back(vc.name);
      vips_.push_back(std::move(vip));
      continue;
    }
    // Changed: keep the VIP's drain and the health of servers whose name and address stay.
    summary.changed.push_back(vc.name);
    if (vp.dampening_changed) vip->policy.restartDampening(vc.dampening);
    if (vp.slow_start_changed) vip->policy.restartSlowStart(vc.slow_start_s);
    std::vector<std::unique_ptr<Server>> kept = std::move(vip->servers);
    vip->servers.clear();
    vip->config = vc;
    for (size_t i = 0; i < vc.servers.size(); ++i) {
      const ServerConfig& sc = vc.servers[i];
      if (const auto k = vp.kept_servers[i]) {
        // Checks that stay keep their state (the registry shares it); new ones start from the server's
        // health, as a changed check did before.
        std::unique_ptr<Server> server = std::move(kept[*k]);
        server->config = sc;
        const HealthState before = server->health;
        subscribeChecks(*vip, *server, before);
        if (server->health != before)
          recordTransition(*vip, *server,
                           HealthTransition{before, server->health, "its checks changed by a reload"});
        vip->servers.push_back(std::move(server));
      } else {
        auto server = std::make_unique<Server>(sc);
        subscribeChecks(*vip, *server, HealthState::kDown);
        server->since_unix_ms = clock_.unixMs();
        server->last_change = "added by a reload: down until proven";
        vip->servers.push_back(std::move(server));
      }
    }
    decide(*vip, "changed by a reload");
    logInfo("reload: vip " + vc.name + " changed");
    vips_.push_back(std::move(vip));
  }
  for (size_t o : plan.removed) {
    const VipConfig& vc = old[o]->config;
    summary.removed.push_back(vc.name);
    logInfo("reload: vip " + vc.name + " removed: withdrawing it");
    tell([&](AgentObserver& o) { o.vipRemoved(vc.name); });
  }
  old.clear();  // releases the subscriptions of removed VIPs (after the new config holds its own)
  config_ = std::move(next);
  indexVips();
  for (const IpPrefix& prefix : plan.withdraw) reconciler_.setDesired(prefix, std::nullopt);
  reconcile();
  tell([](AgentObserver& o) { o.drainsChanged(); });  // drains of removed VIPs or servers are gone
  return summary;
}

// ---- drains -----------------------------------------------------------------------------------------------

Status Agent::setDrain(const std::string& vip_name, const std::string& server_name,
                       std::optional<DrainInfo> drain) {
  Vip* vip = findVip(vip_name);
  if (!vip) return Status::fail(ENOENT, "no vip named '" + vip_name + "' (anycastctl show vips lists them)");
  std::optional<DrainInfo>* slot = &vip->drain;
  std::string what = "vip " + vip_name;
  if (!server_name.empty()) {
    auto s = std::find_if(vip->servers.begin(), vip->servers.end(),
                          [&](const auto& sp) { return sp->config.name == server_name; });
    if (s == vip->servers.end())
      return Status::fail(ENOENT, "vip '" + vip_name + "' has no server named '" + server_name +
                                      "' (anycastctl show vip " + vip_name + " lists them)");
    slot = &(*s)->drain;
    what += " server " + server_name;
  }
  if (!drain && !slot->has_value()) return Status::fail(EINVAL, what + " is not drained");
  const bool was = slot->has_value();
  *slot = drain;
  if (drain)
    logInfo(what + (was ? " drain updated " : " drained ") + describeDrain(*drain));
  else
    logInfo(what + " undrained");
  decide(*vip, what + (drain ? " drained " + describeDrain(*drain) : " undrained"));
  reconcile();
  tell([](AgentObserver& o) { o.drainsChanged(); });
  return Status::ok();
}

std::vector<DrainRecord> Agent::drains() const {
  std::vector<DrainRecord> out;
  for (const auto& vip : vips_) {
    if (vip->drain) out.push_back({vip->config.name, "", *vip->drain});
    for (const auto& s : vip->servers)
      if (s->drain) out.push_back({vip->config.name, s->config.name, *s->drain});
  }
  return out;
}

// ---- snapshot ---------------------------------------------------------------------------------------------

}  // namespace anycastd
