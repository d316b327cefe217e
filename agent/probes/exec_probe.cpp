#include "agent/probes/exec_probe.h"

namespace anycastd {

ExecProbe::ExecProbe(const CheckConfig& check, const ProbeTarget& target)
    : check_(check), runner_(target.exec_runner) {
  request_.command = check_.exec.command;
  request_.args = check_.exec.args;
  request_.identity = check_.exec.identity;
  request_.env = {"ANYCASTD_SERVER=" + target.address.str(), "ANYCASTD_SERVER_NAME=" + target.server_name,
                  "ANYCASTD_VIP=" + target.vip, "ANYCASTD_VIP_NAME=" + target.vip_name};
  // The program applies the check's binding itself (e.g. `ip vrf exec "$ANYCASTD_VRF" ...`).
  if (check_.source) request_.env.push_back("ANYCASTD_SOURCE=" + check_.source->str());
  if (!check_.interface.empty()) request_.env.push_back("ANYCASTD_INTERFACE=" + check_.interface);
  if (!check_.vrf.empty()) request_.env.push_back("ANYCASTD_VRF=" + check_.vrf);
}

ExecProbe::~ExecProbe() {
  if (active_) runner_->cancel(id_);
}

void ExecProbe::start(Done done) {
  if (!runner_) return done(false, "exec checks are not available here (no runner)", 0);
  active_ = true;
  const ExecRunner::Id id = runner_->submit(request_, [this, done = std::move(done)](ExecOutcome outcome) {
    active_ = false;
    done(outcome.ok, std::move(outcome.detail), outcome.local_error);
  });
  if (active_) id_ = id;
}

std::string ExecProbe::expire() {
  if (!active_) return "timeout after " + std::to_string(check_.timeout_ms) + " ms";
  active_ = false;
  const bool queued = runner_->isQueued(id_);
  runner_->cancel(id_);
  if (queued)
    return "queued too long: not started within " + std::to_string(check_.timeout_ms) + " ms (" +
           std::to_string(runner_->running()) + " exec checks running, at most " +
           std::to_string(runner_->maxRunning()) + ")";
  return "killed after " + std::to_string(check_.timeout_ms) + " ms (timeout)";
}

}  // namespace anycastd
