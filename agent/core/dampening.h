// Dampening: route flap dampening for one VIP, after RFC 2439 (and FRR's bgp_damp.c). Every time the VIP's
// health decision flips (enough healthy servers or not) a penalty is added (withdraw_penalty on a
// withdrawal, announce_penalty on an announcement); the penalty decays exponentially, halving every
// half_life_s. Once it reaches `suppress` the VIP is suppressed: it stays withdrawn, whatever its servers
// do, until the penalty has decayed below `reuse`. The penalty is capped at
// reuse * 2^(max_suppress_s / half_life_s), so no VIP stays suppressed longer than max_suppress_s after its
// last flap. Penalties keep accruing while suppressed (a VIP that keeps flapping stays suppressed).
//
// Pure arithmetic: the caller passes the time of every call (steady clock), so tests need no clock and no
// sleeping. No I/O, no errors; a disabled config makes every call a no-op (never suppressed, penalty 0).
#pragma once

#include <chrono>
#include <optional>

#include "agent/config/config.h"

namespace anycastd {

class Dampening {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit Dampening(const DampeningConfig& config = {});

  // The VIP's health decision flipped at `now`: to announced (`announced`) or to withdrawn.
  void onTransition(bool announced, TimePoint now);

  // The penalty at `now` (decayed since the last transition).
  double penalty(TimePoint now) const;
  // Whether the VIP is suppressed at `now`; ends the suppression once the penalty is below `reuse`.
  bool suppressed(TimePoint now);
  // While suppressed: when the penalty falls below `reuse` (the caller arms a timer for it).
  std::optional<TimePoint> reuseAt() const;
  // The highest penalty kept: reuse * 2^(max_suppress_s / half_life_s).
  double ceiling() const;
  const DampeningConfig& config() const { return config_; }

 private:
  TimePoint reuseTime() const;

  DampeningConfig config_;
  double penalty_ = 0;  // as of updated_
  TimePoint updated_{};
  bool suppressed_ = false;
};

}  // namespace anycastd
