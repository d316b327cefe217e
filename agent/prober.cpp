#include "agent/prober.h"

namespace anycastd {

Prober::Prober(EventLoop& loop, const CheckConfig& check, IpAddress address, Callback on_result,
               ProbeTarget target)
    : check_(check),
      on_result_(std::move(on_result)),
      interval_timer_(loop, [this] { begin(); }),
      deadline_timer_(loop, [this] { onDeadline(); }) {
  target.address = address;
  probe_ = makeProbe(loop, check_, target);
}

Prober::~Prober() {
  if (running_) probe_->expire();
}

void Prober::start(std::chrono::milliseconds first_delay) {
  interval_timer_.arm(first_delay);
}

void Prober::begin() {
  interval_timer_.arm(std::chrono::milliseconds(check_.interval_ms));
  if (running_) return;  // cannot happen while timeout_ms < interval_ms
  running_ = true;
  started_ = std::chrono::steady_clock::now();
  deadline_timer_.arm(std::chrono::milliseconds(check_.timeout_ms));
  probe_->start([this](bool ok, std::string detail) { finish(ok, std::move(detail)); });
}

void Prober::onDeadline() {
  if (!running_) return;
  finish(false, probe_->expire());
}

void Prober::finish(bool ok, std::string detail) {
  running_ = false;
  deadline_timer_.cancel();
  on_result_(ProbeResult{
      ok, std::move(detail),
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_)});
}

}  // namespace anycastd
