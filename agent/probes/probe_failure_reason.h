// Probe failure reasons: maps the free-text detail of a failed probe (agent/probes/*: errno texts such as
// "connection refused", "timeout after 500 ms connecting", "status 503, expected 200", "malformed status
// line", "rcode SERVFAIL, expected NOERROR", "certificate verify failed: ...", "exit status 3") to one
// of a small fixed set of reasons, so that a metric label keeps a bounded number of values.
// Pure; any input maps to some reason ("other" when nothing matches).
#pragma once

#include <array>
#include <string_view>

namespace anycastd {

// Every value probeFailureReason() can return.
inline constexpr std::array<std::string_view, 7> kProbeFailureReasons = {
    "refused", "timeout", "unreachable", "reset", "bad_status", "protocol", "other"};

std::string_view probeFailureReason(std::string_view detail);

}  // namespace anycastd
