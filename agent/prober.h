// Prober: probes one server periodically with one check (TCP connect, or HTTP GET with an expected status)
// and reports each result. Non-blocking on the agent's event loop: one socket per probe in flight, no thread
// or process. Owns its socket and timers; destroying the Prober cancels the probe in flight. Results go to
// the callback given at construction; thresholds are not its business (health_state.h).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "agent/config.h"
#include "agent/event_loop.h"
#include "agent/health_state.h"
#include "agent/ip_address.h"

namespace anycastd {

class Prober {
 public:
  using Callback = std::function<void(const ProbeResult&)>;
  Prober(EventLoop& loop, const CheckConfig& check, IpAddress address, Callback on_result);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Starts probing: the first probe after `first_delay`, then one every interval_ms.
  void start(std::chrono::milliseconds first_delay);

 private:
  void begin();
  void onSocket(bool ready, bool timed_out);
  void finish(bool ok, std::string detail);
  void closeSocket();
  std::chrono::milliseconds remaining() const;
  void fail(const char* what, int err);

  enum class Phase { kIdle, kConnecting, kSending, kReceiving };

  const CheckConfig check_;
  const IpAddress address_;
  Callback on_result_;
  Timer interval_timer_;
  FdWatch watch_;
  int fd_ = -1;
  Phase phase_ = Phase::kIdle;
  std::chrono::steady_clock::time_point deadline_;
  std::string request_;
  size_t sent_ = 0;
  std::string received_;
};

}  // namespace anycastd
