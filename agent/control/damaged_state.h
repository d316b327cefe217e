// What the agent does after a damaged state file (one it could not read or parse whole): the drains that file
// held are unknown, so any configured VIP may have been drained by an operator, and announcing it would undo
// that drain behind the operator's back. Conservatively every configured VIP is drained (withdrawn, its
// checks still running) by "anycastd" with a reason naming the kept-aside file, until an operator undrains
// it (`anycastctl undrain vip NAME`). Drains the damaged file still yielded are kept as they were (a VIP's
// own drain keeps its author and reason; a server's drain is kept besides the VIP's). Pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/agent.h"

namespace anycastd {

inline constexpr const char* kDamagedStateDrainer = "anycastd";

// `vips`: the configured VIPs' names; `readable`: the drains the damaged file still yielded; `kept_as`: where
// the damaged file now is (or the state file's own name if it could not be moved). Returns the drains to
// restore: every readable one, and a whole-VIP drain for each configured VIP that has none among them.
std::vector<DrainRecord> drainsAfterDamagedState(const std::vector<std::string>& vips,
                                                 const std::vector<DrainRecord>& readable,
                                                 const std::string& kept_as, int64_t now_unix_ms);

}  // namespace anycastd
