// FakeProbers: a prober factory for the ProbeRegistry (AgentDeps::probers) that starts no probe and keeps
// each key's callback, so that a test reports the results by hand: pass(address) or fail(address, reason)
// delivers one result to every key of that address (optionally only of one port). Callbacks of keys that are
// gone do nothing (the registry's callbacks check that). Single-threaded; never throws.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/probes/probe_registry.h"

namespace anycastd::test {

class FakeProbers {
 public:
  ProbeRegistry::ProberFactory factory() {
    return [this](const ProbeKey& key, Prober::Callback report) -> std::unique_ptr<Prober> {
      probes_.emplace_back(key, std::move(report));
      return nullptr;
    };
  }

  // One result for every probe made for `address` (and `port`, if not 0). Returns how many got it.
  size_t report(const IpAddress& address, bool ok, const std::string& detail = "", uint16_t port = 0) {
    size_t n = 0;
    // Copied: a result can make the agent subscribe (and the factory append) while we iterate.
    const auto probes = probes_;
    for (const auto& [key, report] : probes)
      if (key.address == address && (port == 0 || key.check.port == port)) {
        report(ProbeResult{ok, ok ? "" : detail, {}});
        ++n;
      }
    return n;
  }
  size_t pass(const IpAddress& address, uint16_t port = 0) { return report(address, true, "", port); }
  size_t fail(const IpAddress& address, const std::string& reason = "connection refused", uint16_t port = 0) {
    return report(address, false, reason, port);
  }
  // A probe the agent could not run for lack of its own resources (`err`: EMFILE, ...): no verdict.
  size_t noVerdict(const IpAddress& address, int err) {
    size_t n = 0;
    const auto probes = probes_;
    for (const auto& [key, report] : probes)
      if (key.address == address) {
        ProbeResult r{false, "socket: too many open files", {}};
        r.local_error = err;
        report(r);
        ++n;
      }
    return n;
  }
  // Probes made so far (keys gone included).
  size_t made() const { return probes_.size(); }

 private:
  std::vector<std::pair<ProbeKey, Prober::Callback>> probes_;
};

}  // namespace anycastd::test
