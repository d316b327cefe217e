// HealthStateMachine: the one place where rise/fall thresholds turn probe results into a server's up/down
// state. Probes only report pass/fail with a reason; this returns the transition (if any) for the caller to
// log and act on. A probe the agent itself could not run (out of file descriptors or memory) is no verdict on
// the server and changes nothing here. Pure; no I/O, no clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace anycastd {

enum class HealthState : uint8_t { kDown, kUp };
const char* toString(HealthState state);

struct ProbeResult {
  bool ok = false;
  std::string detail;  // on failure: why ("connection refused", "timeout after 500 ms", "status 503")
  std::chrono::microseconds duration{0};  // how long the probe took (for metrics)
  // Nonzero: the agent's own failure, not the server's: the errno (EMFILE, ENFILE, ENOBUFS, ENOMEM) that kept
  // it from running the probe (ok is false). No verdict: rise/fall progress and the state stay as they were.
  int local_error = 0;
};

struct HealthTransition {
  HealthState from;
  HealthState to;
  std::string reason;  // "3 failures, last: connection refused" / "2 successes"
};

class HealthStateMachine {
 public:
  // Servers start down: a service must be proven healthy (rise passes) before it is used. A server found in
  // a route adopted from a previous run starts up (it was proven then), so a restart does not withdraw it.
  HealthStateMachine(uint32_t rise, uint32_t fall, HealthState initial = HealthState::kDown);

  // A result with local_error set is ignored (no verdict).
  std::optional<HealthTransition> onResult(const ProbeResult& result);

  // Takes the server down at once for a reason outside the probes ("link eth-s2 down", "neighbour
  // 192.0.2.6 failed"): an up server goes down (the transition's reason is `reason`), and either way the
  // passes counted so far are forgotten, so the server comes (back) up only after `rise` new passes.
  std::optional<HealthTransition> forceDown(const std::string& reason);

  HealthState state() const { return state_; }
  uint32_t consecutivePasses() const { return passes_; }
  uint32_t consecutiveFailures() const { return failures_; }
  const std::string& lastFailure() const { return last_failure_; }

 private:
  uint32_t rise_;
  uint32_t fall_;
  HealthState state_;
  uint32_t passes_ = 0;
  uint32_t failures_ = 0;
  std::string last_failure_;
};

}  // namespace anycastd
