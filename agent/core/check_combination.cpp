#include "agent/core/check_combination.h"

#include <algorithm>

namespace anycastd {

HealthState combineChecks(CheckMode mode, const std::vector<HealthState>& checks) {
  if (checks.empty()) return HealthState::kDown;
  auto up = [](HealthState s) { return s == HealthState::kUp; };
  const bool result = mode == CheckMode::kAny ? std::any_of(checks.begin(), checks.end(), up)
                                              : std::all_of(checks.begin(), checks.end(), up);
  return result ? HealthState::kUp : HealthState::kDown;
}

const char* toString(CheckMode mode) {
  return mode == CheckMode::kAny ? "any" : "all";
}

namespace {

std::string probeLabel(const CheckConfig& c) {
  const std::string port = std::to_string(c.port);
  switch (c.kind) {
    case CheckKind::kTcp: return "tcp:" + port;
    case CheckKind::kHttp: return "http:" + port + c.http_path;
    case CheckKind::kHttps: return "https:" + port + c.http_path;
    case CheckKind::kDns:
      return std::string(c.dns.transport == DnsTransport::kTcp ? "dns-tcp:" : "dns:") + port + " " +
             c.dns.name;
    case CheckKind::kIcmp: return "icmp";
    case CheckKind::kExec: return "exec:" + c.exec.command;
  }
  return "?";
}

}  // namespace

std::string checkLabel(const CheckConfig& c) {
  std::string out = probeLabel(c);
  if (!c.vrf.empty()) out += " vrf " + c.vrf;
  if (!c.interface.empty()) out += " dev " + c.interface;
  if (c.source) out += " from " + c.source->str();
  return out;
}

std::vector<std::string> checkLabels(const std::vector<CheckConfig>& checks) {
  std::vector<std::string> out;
  for (const CheckConfig& c : checks) {
    const std::string base = checkLabel(c);
    std::string label = base;
    for (int n = 2; std::find(out.begin(), out.end(), label) != out.end(); ++n)
      label = base + "#" + std::to_string(n);
    out.push_back(label);
  }
  return out;
}

}  // namespace anycastd
