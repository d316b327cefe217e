// Prober: probes one server periodically with one check (TCP, HTTP, HTTPS, DNS, ICMP echo or exec; the
// kinds live in agent/probes/) and reports each result. Non-blocking on the agent's event loop: no thread,
// and no process except an exec check's child. Owns the probe, its interval timer and its deadline timer:
// a probe still running timeout_ms after it started is abandoned (expire()) and reported as failed;
// destroying the Prober cancels the probe in flight. Results go to the callback given at construction;
// thresholds are not its business (health_state.h).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/config.h"
#include "agent/event_loop.h"
#include "agent/health_state.h"
#include "agent/ip_address.h"
#include "agent/probes/probe.h"

namespace anycastd {

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
  void begin();
  void onDeadline();
  void finish(bool ok, std::string detail);

  const CheckConfig check_;
  Callback on_result_;
  std::unique_ptr<Probe> probe_;
  Timer interval_timer_;
  Timer deadline_timer_;
  bool running_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace anycastd
