// FdBudget: how many file descriptors the agent needs for a config, so that main.cpp can raise
// RLIMIT_NOFILE's soft limit to it at start (a failed socket() for lack of fds is no verdict on a server, but
// no verdict for long is no health checking either). An upper bound: every (server, check) pair counted as
// a probe that can be in flight (the probe registry shares a probe between VIPs with the same server address
// and check, so the real number can be lower), each holding up to kFdsPerProbe (a socket; an exec check's
// pipe and pidfd), plus kFdReserve for the rest: the control clients (64) and metrics clients (64) at most,
// netlink and zebra sockets, the event loop's fds, stdio, the state file. Pure.
#pragma once

#include <cstddef>

#include "agent/config/config.h"

namespace anycastd {

inline constexpr size_t kFdsPerProbe = 2;
inline constexpr size_t kFdReserve = 64 + 64 + 128;  // control clients, metrics clients, everything else

// The probes that can be in flight at once for `config` (an upper bound: servers x checks, over every VIP).
size_t probeBound(const AgentConfig& config);
// The fds the agent needs for `config`: kFdsPerProbe per probe plus kFdReserve.
size_t fdsNeeded(const AgentConfig& config);

}  // namespace anycastd
