#include "platform/kernel/kernel_config.h"

namespace anycastd {

std::vector<std::pair<std::string, std::string>> validateKernelConfig(const KernelConfig& config) {
  std::vector<std::pair<std::string, std::string>> problems;
  const uint32_t p = config.route_protocol;
  // The protocols that zebra counts as its own (is_selfroute() in FRR's zebra/rt_netlink.c) are swept by
  // zebra at start-up.
  if (p == 11 || p == 42 || (p >= 186 && p <= 198))
    problems.emplace_back(
        "route_protocol",
        "route_protocol " + std::to_string(p) +
            " is one zebra treats as its own and sweeps at start-up; use another (e.g. 200)");
  // zebra reads nexthop IDs with any of the top four bits set as its own layer-2 groups and ignores
  // kernel routes that use them, so the whole range must stay below 2^28.
  const uint64_t hi = kNexthopIdLimit - kNexthopIdRange;
  if (config.nexthop_id_base < 1 || config.nexthop_id_base > hi)
    problems.emplace_back("nexthop_id_base", "nexthop_id_base " + std::to_string(config.nexthop_id_base) +
                                                 " is out of range 1.." + std::to_string(hi));
  return problems;
}

}  // namespace anycastd
