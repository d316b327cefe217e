// NoVerdictBurst: decides what to log about probes that gave no verdict because the agent itself lacked
// resources (ProbeResult::local_error: EMFILE, ENFILE, ENOBUFS, ENOMEM), so that a burst of thousands logs
// two lines: the first one at once (with its errno text), and when no more came for `quiet`, a summary of how
// many there were over how long. Pure: the caller passes the time and arms a timer for quietEnd(). Event-loop
// thread only; never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace anycastd {

class NoVerdictBurst {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit NoVerdictBurst(std::chrono::milliseconds quiet) : quiet_(quiet) {}

  // One probe gave no verdict (`err`, `detail` as the probe said). Returns the line to log now: only the
  // first of a burst.
  std::optional<std::string> onNoVerdict(TimePoint now, int err, const std::string& detail);
  // The caller's timer for quietEnd() fired (or any time): once the burst has been quiet for `quiet`, returns
  // its summary (if more than the first one came) and ends it; before that, nullopt.
  std::optional<std::string> onQuiet(TimePoint now);

  bool inBurst() const { return count_ > 0; }
  // When the burst ends unless another no-verdict comes first.
  TimePoint quietEnd() const { return last_ + quiet_; }

 private:
  std::chrono::milliseconds quiet_;
  uint64_t count_ = 0;
  int last_err_ = 0;
  TimePoint first_{};
  TimePoint last_{};
};

}  // namespace anycastd
