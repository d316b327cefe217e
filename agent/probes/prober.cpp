#include "agent/probes/prober.h"

namespace anycastd {

Prober::Prober(EventLoop& loop, const CheckConfig& check, IpAddress address, Callback on_result,
               ProbeTarget target)
    : check_(check),
      on_result_(std::move(on_result)),
      interval_timer_(loop, [this] { begin(); }),
      deadline_timer_(loop, [this] { onDeadline(); }),
      catch_up_timer_(loop, [this] {
        if (!running_) startRound(std::chrono::steady_clock::now());
      }) {
  target.address = address;
  probe_ = makeProbe(loop, check_, target);
}

Prober::~Prober() {
  if (running_) probe_->expire();
}

std::chrono::steady_clock::time_point nextProbeDue(std::chrono::steady_clock::time_point due,
                                                   std::chrono::steady_clock::time_point now,
                                                   std::chrono::milliseconds interval) {
  if (interval.count() <= 0) return now;
  const auto next = due + interval;
  if (next > now) return next;
  return next + ((now - next) / interval + 1) * interval;
}

void Prober::start(std::chrono::milliseconds first_delay) {
  due_ = std::chrono::steady_clock::now() + first_delay;
  interval_timer_.arm(first_delay);
}

void Prober::begin() {
  const auto now = std::chrono::steady_clock::now();
  due_ = nextProbeDue(due_, now, std::chrono::milliseconds(check_.interval_ms));
  interval_timer_.arm(std::chrono::ceil<std::chrono::milliseconds>(due_ - now));
  // The previous round started late (a busy loop) and is still running: this round starts as soon as it
  // ends, rather than being skipped (a dead server's failure would be counted an interval later).
  if (running_) {
    overdue_ = true;
    return;
  }
  startRound(now);
}

void Prober::startRound(std::chrono::steady_clock::time_point now) {
  running_ = true;
  started_ = now;
  deadline_timer_.arm(std::chrono::milliseconds(check_.timeout_ms));
  probe_->start(
      [this](bool ok, std::string detail, int local_error) { finish(ok, std::move(detail), local_error); });
}

void Prober::onDeadline() {
  if (!running_) return;
  finish(false, probe_->expire());
}

void Prober::finish(bool ok, std::string detail, int local_error) {
  running_ = false;
  deadline_timer_.cancel();
  if (overdue_) {
    overdue_ = false;
    catch_up_timer_.arm(std::chrono::milliseconds(0));  // after this result is reported
  }
  on_result_(ProbeResult{
      ok, std::move(detail),
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_),
      local_error});
}

}  // namespace anycastd
