// KernelConfig: kernel mode's settings (the `kernel` section of the config), owned by this back-end:
// the route's protocol and table, the kind of nexthop group and its ID range. A pure value; the config
// loader (agent/config/config_loader.h) fills it and validateKernelConfig() checks it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace anycastd {

enum class NexthopMode { kAuto, kResilientGroup, kGroup, kMultipathRoute };

// The agent's kernel nexthop IDs: kNexthopIdRange IDs from KernelConfig::nexthop_id_base, all below
// kNexthopIdLimit (zebra treats IDs with any of the top four bits set as its layer-2 groups).
constexpr uint32_t kNexthopIdRange = 1u << 20;
constexpr uint32_t kNexthopIdLimit = 1u << 28;
constexpr uint32_t kDefaultNexthopIdBase = kNexthopIdLimit - kNexthopIdRange;  // 0x0FF00000

struct KernelConfig {
  uint8_t route_protocol = 200;
  uint32_t table = 254;
  NexthopMode nexthop_mode = NexthopMode::kAuto;
  uint16_t buckets = 128;
  uint32_t idle_timer_s = 10;
  uint32_t unbalanced_timer_s = 0;
  uint32_t nexthop_id_base = kDefaultNexthopIdBase;
  bool operator==(const KernelConfig&) const = default;
};

// The problems of `config` as (field name, message), empty when it is usable.
std::vector<std::pair<std::string, std::string>> validateKernelConfig(const KernelConfig& config);

}  // namespace anycastd
