// ExecProbe: the exec check. Runs the configured program through the agent's ExecRunner (bounded
// concurrency, process group, non-blocking reaping: probes/exec_runner.h) with ANYCASTD_SERVER,
// ANYCASTD_SERVER_NAME, ANYCASTD_VIP and ANYCASTD_VIP_NAME in its environment; healthy when it exits 0.
// At the deadline a running program is killed with its process group ("killed after 500 ms") and one still
// waiting for a slot is dropped ("queued too long"). Event-loop thread; failures through Done
// ("exit status 3: <first output line>", "cannot run /x: no such file or directory").
#pragma once

#include <string>

#include "agent/probes/exec_runner.h"
#include "agent/probes/probe.h"

namespace anycastd {

class ExecProbe : public Probe {
 public:
  ExecProbe(const CheckConfig& check, const ProbeTarget& target);
  ~ExecProbe() override;
  void start(Done done) override;
  std::string expire() override;

 private:
  const CheckConfig check_;
  ExecRunner* runner_;
  ExecRequest request_;
  bool active_ = false;
  ExecRunner::Id id_ = 0;
};

}  // namespace anycastd
