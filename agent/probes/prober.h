// Prober: probes one server periodically with one check (TCP, HTTP, HTTPS, DNS, ICMP echo or exec; the
// kinds live in agent/probes/) and reports each result. Non-blocking on the agent's event loop: no thread,
// and no process except an exec check's child. Owns the probe, its interval timer and its deadline timer:
// a probe still running timeout_ms after it started is abandoned (expire()) and reported as failed;
// destroying the Prober cancels the probe in flight. Results go to the callback given at construction;
// thresholds are not its business (health_state.h). Probes keep the phase they started with: a round is
// due one interval after the previous one was due, not after it ran, so a busy moment of the event loop
// does not bunch many servers' probes into the same instant for good. A round that comes due while the
// previous one still runs (it started late) starts as soon as that one ends; no round is skipped.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/config/config.h"
#include "agent/core/health_state.h"
#include "agent/probes/probe.h"
#include "lib/event_loop.h"
#include "lib/ip_address.h"

namespace anycastd {

// When the round after the one due at `due` is due: one interval later, or, if that is already past at
// `now` (rounds were missed), the first instant after `now` on the same phase.
std::chrono::steady_clock::time_point nextProbeDue(std::chrono::steady_clock::time_point due,
                                                   std::chrono::steady_clock::time_point now,
                                                   std::chrono::milliseconds interval);

class Prober {
 public:
  using Callback = std::function<void(const ProbeResult&)>;
  // `target.address` is set from `address`; the rest of `target` matters to exec checks only.
  Prober(EventLoop& loop, const CheckConfig& check, IpAddress address, Callback on_result,
         ProbeTarget target = {});
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Starts probing: the first probe after `first_delay`, then one every interval_ms.
  void start(std::chrono::milliseconds first_delay);

 private:
  void begin();  // a round is due
  void startRound(std::chrono::steady_clock::time_point now);
  void onDeadline();
  void finish(bool ok, std::string detail, int local_error = 0);

  const CheckConfig check_;
  Callback on_result_;
  std::unique_ptr<Probe> probe_;
  Timer interval_timer_;
  Timer deadline_timer_;
  Timer catch_up_timer_;  // starts a round that came due while the previous one was still running
  bool running_ = false;
  bool overdue_ = false;  // a round came due while running_
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point due_;  // when the current round was due
};

}  // namespace anycastd
