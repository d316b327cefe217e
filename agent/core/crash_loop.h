// Crash-loop guard: whether a start may trust the routes of a previous run. A start adopts the servers it
// finds in the kernel's (or zebra's) route as up (README "Restarts without a flap"); an agent that dies
// before its checks ran and is restarted by systemd would do that without end, keeping a VIP announced
// with no working checks. The state file counts the consecutive starts that ended neither in a clean exit
// nor after every check of every server had run `rise` probes (unclean starts;
// AgentObserver::everyServerChecked); once there are `limit` of them the next start adopts nothing: its
// servers start down and must pass `rise` probes. Pure; no I/O.
#pragma once

#include <cstdint>

namespace anycastd {

// `previous`: the unclean starts recorded before this one (the state file's count as read at start).
inline bool adoptAfterUncleanStarts(uint32_t previous, uint32_t limit) {
  return previous < limit;
}

// The count to record for this start before it does anything else (saturating, so it cannot wrap).
inline uint32_t uncleanStartsWithThisOne(uint32_t previous) {
  return previous == UINT32_MAX ? previous : previous + 1;
}

}  // namespace anycastd
