#include "agent/core/fd_budget.h"

namespace anycastd {

size_t probeBound(const AgentConfig& config) {
  size_t probes = 0;
  for (const VipConfig& vip : config.vips)
    for (const ServerConfig& server : vip.servers) probes += checksOf(vip, server).size();
  return probes;
}

size_t fdsNeeded(const AgentConfig& config) {
  return probeBound(config) * kFdsPerProbe + kFdReserve;
}

}  // namespace anycastd
