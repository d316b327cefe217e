#include "agent/control/damaged_state.h"

#include <algorithm>

namespace anycastd {

std::vector<DrainRecord> drainsAfterDamagedState(const std::vector<std::string>& vips,
                                                 const std::vector<DrainRecord>& readable,
                                                 const std::string& kept_as, int64_t now_unix_ms) {
  std::vector<DrainRecord> out = readable;
  const std::string reason = "state file damaged (kept as " + kept_as +
                             "): its drains are unknown; check it, then undrain what should be announced";
  for (const std::string& vip : vips) {
    const bool drained = std::any_of(readable.begin(), readable.end(),
                                     [&](const DrainRecord& d) { return d.vip == vip && d.server.empty(); });
    if (!drained) out.push_back({vip, "", {kDamagedStateDrainer, now_unix_ms, reason}});
  }
  return out;
}

}  // namespace anycastd
