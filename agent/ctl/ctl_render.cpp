#include "agent/ctl/ctl_render.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>

#include "agent/ctl/text_table.h"

namespace anycastd::ctl {
namespace {

std::string orDash(const std::string& s) {
  return s.empty() ? "-" : s;
}

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string healthySummary(const control::VipStatus& vip) {
  return std::to_string(vip.healthy()) + "/" + std::to_string(vip.total()) + " (min " +
         std::to_string(vip.min_healthy()) + ")";
}

// "by alice 2m ago: CHG-1234" (the reason left out when empty).
std::string describeDrain(const control::Drain& drain, int64_t now) {
  std::string out = "by " + orDash(drain.by()) + " " + formatAge(drain.since_unix_ms(), now);
  if (!drain.reason().empty()) out += ": " + drain.reason();
  return out;
}

std::string checkHealthName(const control::CheckStatus& check) {
  return check.health() == control::ServerStatus::UP ? "up" : "down";
}

// "ok 2s ago", "failed 1s ago", "-" before the first probe.
std::string lastProbe(const control::CheckStatus& check, int64_t now) {
  if (check.last_probe_unix_ms() <= 0) return "-";
  return std::string(check.last_ok() ? "ok " : "failed ") + formatAge(check.last_probe_unix_ms(), now);
}

std::string sharedBy(const control::CheckStatus& check) {
  return std::to_string(check.shared_by());
}

}  // namespace

std::string formatAge(int64_t since, int64_t now) {
  if (since <= 0) return "-";
  int64_t s = now > since ? (now - since) / 1000 : 0;
  char buf[64];
  if (s < 60)
    std::snprintf(buf, sizeof(buf), "%llds ago", static_cast<long long>(s));
  else if (s < 3600)
    std::snprintf(buf, sizeof(buf), "%lldm%02llds ago", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else if (s < 86400)
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm ago", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  else
    std::snprintf(buf, sizeof(buf), "%lldd%02lldh ago", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  return buf;
}

std::string vipStateName(const control::VipStatus& vip) {
  switch (vip.state()) {
    case control::VipStatus::ANNOUNCED: return vip.unverified() ? "unverified" : "announced";
    case control::VipStatus::DRAINED: return "drained";
    case control::VipStatus::WITHDRAWN: return "withdrawn";
    default: return "unknown(" + std::to_string(vip.state()) + ")";
  }
}

std::string checkModeName(const control::VipStatus& vip) {
  switch (vip.check_mode()) {
    case control::VipStatus::ALL: return "all (a server is up while all its checks are)";
    case control::VipStatus::ANY: return "any (a server is up while any of its checks is)";
    default: return "unknown(" + std::to_string(vip.check_mode()) + ")";
  }
}

std::string serverHealthName(const control::ServerStatus& server) {
  if (server.has_drain()) return "drained";
  switch (server.health()) {
    case control::ServerStatus::UP:
      if (server.slow_start_percent() > 0)
        return "up (slow start " + std::to_string(server.slow_start_percent()) + "%)";
      return "up";
    case control::ServerStatus::DOWN: return "down";
    default: return "unknown(" + std::to_string(server.health()) + ")";
  }
}

std::string renderVipTable(const control::Status& status, int64_t now) {
  std::string out = "anycastd " + orDash(status.version()) + ", " + orDash(status.dataplane()) +
                    " mode, started " + formatAge(status.started_unix_ms(), now) + ", config " +
                    orDash(status.config_file()) + ", " + std::to_string(status.probes()) + " probes\n\n";
  if (status.vips().empty()) return out + "no VIPs configured\n";
  TextTable table({"VIP", "PREFIX", "STATE", "HEALTHY", "NEXT HOPS", "SINCE", "LAST CHANGE"});
  for (const control::VipStatus& vip : status.vips()) {
    std::string why = vip.has_drain() ? "drained " + describeDrain(vip.drain(), now) : vip.last_change();
    table.addRow({vip.name(), vip.prefix(), vipStateName(vip), healthySummary(vip),
                  orDash(join(vip.nexthops(), ",")), formatAge(vip.since_unix_ms(), now), orDash(why)});
  }
  return out + table.render();
}

std::string renderVipDetail(const control::VipStatus& vip, int64_t now) {
  TextTable fields({"vip", vip.name()});
  fields.addRow({"prefix", vip.prefix()});
  fields.addRow({"state", vipStateName(vip) + " since " + formatAge(vip.since_unix_ms(), now)});
  fields.addRow({"last change", orDash(vip.last_change())});
  fields.addRow({"healthy", healthySummary(vip)});
  fields.addRow({"check mode", checkModeName(vip)});
  fields.addRow({"next hops", orDash(join(vip.nexthops(), " "))});
  if (vip.has_drain()) fields.addRow({"drained", describeDrain(vip.drain(), now)});
  if (!vip.dataplane_note().empty()) fields.addRow({"dataplane", vip.dataplane_note()});
  if (vip.degraded()) fields.addRow({"degraded", "yes"});
  if (vip.suppressed_until_unix_ms() > 0) {
    const int64_t left_s = std::max<int64_t>(0, (vip.suppressed_until_unix_ms() - now + 999) / 1000);
    fields.addRow({"suppressed", "flapping: withdrawn for about " + std::to_string(left_s) +
                                     " s more (penalty " + std::to_string(vip.dampening_penalty()) + ")"});
  } else if (vip.dampening_penalty() > 0) {
    fields.addRow({"dampening", "penalty " + std::to_string(vip.dampening_penalty())});
  }
  fields.addRow({"transitions", std::to_string(vip.transitions())});
  std::string out = fields.render() + "\n";
  if (vip.servers().empty()) return out + "no servers\n";

  TextTable servers(
      {"SERVER", "ADDRESS", "WEIGHT", "HEALTH", "IN ROUTE", "SINCE", "LAST CHANGE", "LAST FAILURE"});
  std::string drains;
  for (const control::ServerStatus& s : vip.servers()) {
    servers.addRow({s.name(), s.address(), std::to_string(s.weight()), serverHealthName(s),
                    s.in_route() ? "yes" : "no", formatAge(s.since_unix_ms(), now), orDash(s.last_change()),
                    orDash(s.last_failure())});
    if (s.has_drain())
      drains += sanitize("server " + s.name() + " drained " + describeDrain(s.drain(), now)) + "\n";
  }
  out += servers.render();
  if (!drains.empty()) out += "\n" + drains;

  TextTable checks({"SERVER", "CHECK", "HEALTH", "LAST PROBE", "LAST FAILURE", "SHARED BY"});
  size_t rows = 0;
  for (const control::ServerStatus& s : vip.servers())
    for (const control::CheckStatus& c : s.checks()) {
      checks.addRow({s.name(), c.check(), checkHealthName(c), lastProbe(c, now), orDash(c.last_failure()),
                     sharedBy(c)});
      ++rows;
    }
  if (rows) out += "\n" + checks.render();
  return out;
}

std::string renderCheckTable(const control::Status& status, int64_t now) {
  TextTable table({"VIP", "SERVER", "CHECK", "HEALTH", "LAST PROBE", "LAST FAILURE", "SHARED BY"});
  size_t rows = 0;
  for (const control::VipStatus& vip : status.vips())
    for (const control::ServerStatus& s : vip.servers())
      for (const control::CheckStatus& c : s.checks()) {
        table.addRow({vip.name(), s.name(), c.check(), checkHealthName(c), lastProbe(c, now),
                      orDash(c.last_failure()), sharedBy(c)});
        ++rows;
      }
  return std::to_string(status.probes()) + " probes running\n\n" + (rows ? table.render() : "no checks\n");
}

std::string renderServerTable(const control::Status& status, int64_t now) {
  TextTable table(
      {"VIP", "SERVER", "ADDRESS", "WEIGHT", "HEALTH", "IN ROUTE", "SINCE", "LAST CHANGE", "LAST FAILURE"});
  size_t rows = 0;
  for (const control::VipStatus& vip : status.vips()) {
    for (const control::ServerStatus& s : vip.servers()) {
      std::string change = s.has_drain() ? "drained " + describeDrain(s.drain(), now) : s.last_change();
      table.addRow({vip.name(), s.name(), s.address(), std::to_string(s.weight()), serverHealthName(s),
                    s.in_route() ? "yes" : "no", formatAge(s.since_unix_ms(), now), orDash(change),
                    orDash(s.last_failure())});
      ++rows;
    }
  }
  return rows ? table.render() : "no servers\n";
}

std::string renderReload(const control::ReloadResult& result) {
  auto names = [](const google::protobuf::RepeatedPtrField<std::string>& v) {
    return v.empty() ? std::string("-") : join(v, ", ");
  };
  TextTable table({"added", names(result.added())});
  table.addRow({"removed", names(result.removed())});
  table.addRow({"changed", names(result.changed())});
  table.addRow({"unchanged", names(result.unchanged())});
  return table.render();
}

namespace {

std::string printJson(const google::protobuf::Message& message,
                      google::protobuf::util::JsonPrintOptions options) {
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}\n";
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

}  // namespace

std::string toJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
#if GOOGLE_PROTOBUF_VERSION >= 5026000
  options.always_print_fields_with_no_presence = true;
#else
  options.always_print_primitive_fields = true;
#endif
  return printJson(message, options);
}

std::string configTextJson(const std::string& config_text) {
  control::Response response;  // only the result field: no ok/error
  response.set_config_text(config_text);
  return printJson(response, {});
}

}  // namespace anycastd::ctl
