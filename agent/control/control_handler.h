// ControlHandler: turns control API requests (proto/control.proto) into the agent's operations and its
// snapshot into responses: show, drain/undrain of a VIP or server, reload (also used for SIGHUP) and show
// config. A request that cannot be carried out gets ok=false with an error that says what to do, and
// changes nothing. Event-loop thread only; borrows the agent.
#pragma once

#include <cstdint>
#include <string>

#include "agent/agent.h"
#include "proto/control.pb.h"

namespace anycastd {

class ControlHandler {
 public:
  ControlHandler(Agent& agent, std::string config_path, std::string dataplane_name);

  // `user` is who asked (from the socket's peer credentials), recorded with drains.
  control::Response handle(const control::Request& request, const std::string& user);

  // Re-reads the config file and applies the difference. A file with errors (each as FILE:LINE:COL) or a
  // change that needs a restart is refused and the running config stays in force.
  control::Response reload();

 private:
  control::Response show(const std::string& vip) const;
  control::Response drain(const control::DrainRequest& request, const std::string& user, bool on);

  Agent& agent_;
  const std::string config_path_;
  const std::string dataplane_name_;
  const int64_t started_unix_ms_;
  std::string config_text_;  // the running config's text (show config)
};

// The snapshot as the control API's Status (pure; exposed for tests).
control::VipStatus toVipStatus(const VipSnapshot& vip);

}  // namespace anycastd
