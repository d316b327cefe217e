// What the agent shows about itself (anycastctl show, metrics): a plain-value snapshot of every VIP and
// server, taken on the event-loop thread and handed to the renderers. No behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/core/health_state.h"
#include "lib/ip_address.h"
#include "platform/route.h"

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

// One health check of a server: its own rise/fall state and its last result. A check shared with other
// VIPs (same server address and check) shows the same state in each.
struct CheckSnapshot {
  std::string label;  // "tcp:80", "http:80/healthz" (check_combination.h)
  HealthState health = HealthState::kDown;
  bool last_ok = false;
  int64_t last_unix_ms = 0;  // when the last probe finished (0: none yet)
  std::string last_failure;  // the last failure, or forced down, so far ("" if none)
  uint32_t passes = 0;       // consecutive
  uint32_t failures = 0;     // consecutive
  uint32_t shared_by = 1;    // servers (of this and other VIPs) using this probe
};

struct ServerSnapshot {
  std::string name;
  IpAddress address;
  uint32_t weight = 1;
  HealthState health = HealthState::kDown;
  std::optional<DrainInfo> drain;
  bool in_route = false;  // one of the route's next hops in the dataplane
  int64_t since_unix_ms = 0;
  std::string last_change;
  std::string last_failure;  // one check's last failure ("CHECK: why" when the server has several)
  uint64_t transitions = 0;
  std::vector<CheckSnapshot> checks;
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
  std::vector<NextHop> nexthops;         // as the dataplane holds them
  int64_t since_unix_ms = 0;
  std::string last_change;
  std::optional<DrainInfo> drain;
  std::vector<ServerSnapshot> servers;
  CheckMode check_mode = CheckMode::kAll;
  uint64_t transitions = 0;
  std::string dataplane_note;  // zebra mode: zebra's last word on the route; kernel mode: why unverified
  bool unverified = false;     // the route is in place but what FRR makes of it cannot be trusted
};

}  // namespace anycastd
