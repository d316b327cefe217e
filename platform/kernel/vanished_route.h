// announceVanishedRoute: tells route listeners (zebra, for bgpd's `redistribute kernel`) that one of the
// agent's routes is gone when the kernel removed it without saying so (its nexthop group lost its last
// member: no RTM_DELROUTE, or one that names no next hop listeners can match). It adds a blackhole route of
// the agent's for the prefix (an RTM_NEWROUTE they hear) and at once deletes it (an RTM_DELROUTE that
// matches). That stand-in must never stay behind, where it would keep the VIP announced while dropping its
// traffic: a failed delete is returned as a failure naming it, and the caller (KernelDataplane) fails the
// operation it was part of, so the agent resynchronises (a fresh read adopts the stand-in as a route of the
// agent's and removes or replaces it) and retries, like after any other failed change.
//
// Pure apart from `request`, which sends one netlink request and returns the kernel's answer (the
// dataplane's request socket; a fake in unit tests). Event-loop thread.
#pragma once

#include <cstdint>
#include <functional>

#include "lib/ip_address.h"
#include "lib/status.h"
#include "netlink/netlink_message.h"

namespace anycastd {

using NetlinkRequest = std::function<Status(const nl::Bytes&)>;

// Ok when listeners were told, or when the add failed with EEXIST (another route holds the prefix now, and
// its owner's notification said so already). Otherwise the first failure: the add ("could not tell
// listeners": nothing stays behind) or the delete ("blackhole stand-in ... could not be deleted").
Status announceVanishedRoute(const NetlinkRequest& request, const IpPrefix& prefix, uint32_t table,
                             uint8_t protocol);

}  // namespace anycastd
