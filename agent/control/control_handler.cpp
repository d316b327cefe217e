#include "agent/control/control_handler.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "agent/config/config_loader.h"
#include "lib/log.h"
#include "lib/version.h"
#include "lib/wall_clock.h"

namespace anycastd {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

control::Response failure(std::string error) {
  control::Response r;
  r.set_ok(false);
  r.set_error(std::move(error));
  return r;
}

void setDrain(control::Drain* out, const DrainInfo& d) {
  out->set_by(d.by);
  out->set_since_unix_ms(d.since_unix_ms);
  out->set_reason(d.reason);
}

std::string hop(const NextHop& nh) {
  return nh.gateway.str() + (nh.weight != 1 ? "*" + std::to_string(nh.weight) : "");
}

}  // namespace

control::VipStatus toVipStatus(const VipSnapshot& v) {
  control::VipStatus out;
  out.set_name(v.name);
  out.set_prefix(v.prefix.str());
  switch (v.state) {
    case VipState::kWithdrawn: out.set_state(control::VipStatus::WITHDRAWN); break;
    case VipState::kAnnounced: out.set_state(control::VipStatus::ANNOUNCED); break;
    case VipState::kDrained: out.set_state(control::VipStatus::DRAINED); break;
  }
  out.set_healthy(v.healthy);
  out.set_total(v.total);
  out.set_min_healthy(v.min_healthy);
  for (const NextHop& nh : v.nexthops) out.add_nexthops(hop(nh));
  out.set_since_unix_ms(v.since_unix_ms);
  out.set_last_change(v.last_change);
  if (v.drain) setDrain(out.mutable_drain(), *v.drain);
  out.set_transitions(v.transitions);
  out.set_dataplane_note(v.dataplane_note);
  out.set_unverified(v.unverified);
  out.set_dampening_penalty(v.dampening_penalty);
  out.set_suppressed_until_unix_ms(v.suppressed_until_unix_ms);
  out.set_degraded(v.degraded);
  out.set_check_mode(v.check_mode == CheckMode::kAny ? control::VipStatus::ANY : control::VipStatus::ALL);
  for (const ServerSnapshot& s : v.servers) {
    auto* so = out.add_servers();
    so->set_name(s.name);
    so->set_address(s.address.str());
    so->set_weight(s.weight);
    so->set_health(s.health == HealthState::kUp ? control::ServerStatus::UP : control::ServerStatus::DOWN);
    if (s.drain) setDrain(so->mutable_drain(), *s.drain);
    so->set_in_route(s.in_route);
    so->set_since_unix_ms(s.since_unix_ms);
    so->set_last_change(s.last_change);
    so->set_last_failure(s.last_failure);
    so->set_transitions(s.transitions);
    for (const CheckSnapshot& c : s.checks) {
      auto* co = so->add_checks();
      co->set_check(c.label);
      co->set_health(c.health == HealthState::kUp ? control::ServerStatus::UP : control::ServerStatus::DOWN);
      co->set_last_ok(c.last_ok);
      co->set_last_probe_unix_ms(c.last_unix_ms);
      co->set_last_failure(c.last_failure);
      co->set_consecutive_passes(c.passes);
      co->set_consecutive_failures(c.failures);
      co->set_shared_by(c.shared_by);
    }
    so->set_slow_start_percent(s.slow_start_percent);
  }
  return out;
}

ControlHandler::ControlHandler(Agent& agent, std::string config_path, std::string dataplane_name)
    : agent_(agent),
      config_path_(std::move(config_path)),
      dataplane_name_(std::move(dataplane_name)),
      started_unix_ms_(nowUnixMs()),
      config_text_(readFile(config_path_)) {}

control::Response ControlHandler::handle(const control::Request& request, const std::string& user) {
  switch (request.op_case()) {
    case control::Request::kShow: return show(request.show().vip());
    case control::Request::kDrain: return drain(request.drain(), user, true);
    case control::Request::kUndrain: return drain(request.undrain(), user, false);
    case control::Request::kReload: logInfo("reload requested by " + user); return reload();
    case control::Request::kShowConfig: {
      control::Response r;
      r.set_ok(true);
      r.set_config_text(config_text_);
      return r;
    }
    case control::Request::OP_NOT_SET: break;
  }
  return failure("empty or unknown request (is anycastctl newer than anycastd?)");
}

control::Response ControlHandler::show(const std::string& vip) const {
  control::Response r;
  auto* st = r.mutable_status();
  st->set_version(ANYCASTD_VERSION);
  st->set_config_file(config_path_);
  st->set_dataplane(dataplane_name_);
  st->set_started_unix_ms(started_unix_ms_);
  st->set_probes(static_cast<uint32_t>(agent_.probes()));
  bool found = vip.empty();
  for (const VipSnapshot& v : agent_.snapshot()) {
    if (!vip.empty() && v.name != vip) continue;
    found = true;
    *st->add_vips() = toVipStatus(v);
  }
  if (!found) return failure("no vip named '" + vip + "' (anycastctl show vips lists them)");
  r.set_ok(true);
  return r;
}

control::Response ControlHandler::drain(const control::DrainRequest& request, const std::string& user,
                                        bool on) {
  if (request.vip().empty()) return failure("which vip? (drain vip NAME, drain server VIP SERVER)");
  std::optional<DrainInfo> info;
  if (on) info = DrainInfo{user, nowUnixMs(), request.reason()};
  if (Status s = agent_.setDrain(request.vip(), request.server(), info); !s.isOk()) return failure(s.message);
  return show(request.vip());
}

control::Response ControlHandler::reload() {
  std::string text_read;
  ConfigResult loaded = loadConfigFile(config_path_, &text_read);
  if (!loaded.config) {
    std::string text = "reload refused, the running config stays in force:";
    for (const ConfigError& e : loaded.errors) text += "\n" + e.str();
    logError(text);
    return failure(text);
  }
  if (Status s = agent_.reloadBlocker(*loaded.config); !s.isOk()) {
    logError("reload refused, the running config stays in force: " + s.message);
    return failure("reload refused, the running config stays in force: " + s.message);
  }
  ReloadSummary s = agent_.reload(std::move(*loaded.config));
  config_text_ = std::move(text_read);  // what was parsed: the file may have changed since
  logInfo("reload: " + std::to_string(s.added.size()) + " added, " + std::to_string(s.removed.size()) +
          " removed, " + std::to_string(s.changed.size()) + " changed, " +
          std::to_string(s.unchanged.size()) + " unchanged");
  control::Response r;
  r.set_ok(true);
  auto* out = r.mutable_reload();
  for (auto& n : s.added) out->add_added(n);
  for (auto& n : s.removed) out->add_removed(n);
  for (auto& n : s.changed) out->add_changed(n);
  for (auto& n : s.unchanged) out->add_unchanged(n);
  return r;
}

}  // namespace anycastd
