// How several health checks of one server make its health, pure: combineChecks() applies the VIP's
// check_mode (ALL: every check up; ANY: at least one) to the states of the server's checks, and
// checkLabels() names each check for logs, `anycastctl show` and metrics ("tcp:80", "http:80/healthz",
// "icmp", "exec:/usr/lib/anycastd/check-db"; "#N" appended when two checks of one server would read alike).
// No I/O, no clock; never throws.
#pragma once

#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/core/health_state.h"

namespace anycastd {

// kDown for no checks at all.
HealthState combineChecks(CheckMode mode, const std::vector<HealthState>& checks);

const char* toString(CheckMode mode);  // "all", "any"

// A short name of what the check probes, without its timing; a bound probe says where it leaves from
// ("tcp:80 vrf red", "icmp dev swp1 from 192.0.2.129").
std::string checkLabel(const CheckConfig& check);
// The labels of a server's checks, made unique within the list ("tcp:80", "tcp:80#2").
std::vector<std::string> checkLabels(const std::vector<CheckConfig>& checks);

}  // namespace anycastd
