// What the agent shows about itself (anycastctl show, metrics): a plain-value snapshot of every VIP and
// server, taken on the event-loop thread and handed to the renderers. No behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/health_state.h"
#include "agent/ip_address.h"
#include "agent/route.h"

namespace anycastd {

// Who took a VIP or server out of service, when (ms since the Unix epoch) and why.
struct DrainInfo {
  std::string by;
  int64_t since_unix_ms = 0;
  std::string reason;
  bool operator==(const DrainInfo&) const = default;
};

enum class VipState { kWithdrawn, kAnnounced, kDrained };
const char* toString(VipState state);  // "withdrawn", "announced", "drained"

struct ServerSnapshot {
  std::string name;
  IpAddress address;
  uint32_t weight = 1;
  HealthState health = HealthState::kDown;
  std::optional<DrainInfo> drain;
  bool in_route = false;  // one of the route's next hops in the dataplane
  int64_t since_unix_ms = 0;
  std::string last_change;
  std::string last_failure;
  uint64_t transitions = 0;
  uint32_t slow_start_percent = 0;  // ramping up after coming back: its share of its weight now; 0: not
};

struct VipSnapshot {
  std::string name;
  IpPrefix prefix;
  VipState state = VipState::kWithdrawn;
  uint32_t healthy = 0;
  uint32_t total = 0;
  uint32_t min_healthy = 0;              // the effective minimum (from min_healthy or min_healthy_percent)
  bool degraded = false;                 // announced with fewer than degraded_below healthy servers
  uint32_t dampening_penalty = 0;        // flap dampening penalty now (rounded)
  int64_t suppressed_until_unix_ms = 0;  // while suppressed: when it may be announced again; else 0
  std::vector<NextHop> nexthops;  // as the dataplane holds them
  int64_t since_unix_ms = 0;
  std::string last_change;
  std::optional<DrainInfo> drain;
  std::vector<ServerSnapshot> servers;
  uint64_t transitions = 0;
  std::string dataplane_note;  // zebra mode: zebra's last word on the route
};

}  // namespace anycastd
